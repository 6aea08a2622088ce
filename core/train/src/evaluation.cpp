#include "marionette/train/evaluation.h"

#include "marionette/engine/engine.h"
#include "marionette/model/warps.h"
#include "marionette/model/weights.h"
#include "marionette/train/fid.h"
#include "marionette/train/losses.h"
#include "marionette/train/lpips.h"
#include "marionette/train/metrics.h"
#include "marionette/train/trainer.h"
#include "marionette/util/error.h"
#include "marionette/util/log.h"

#include <torch/types.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <iomanip>
#include <optional>
#include <sstream>

namespace marionette::train {
namespace fs = std::filesystem;

std::string EvalReport::markdown() const {
    std::ostringstream s;
    s << "weights: " << weights << " (" << variant << ")\ndata: " << data << ", " << pairs << " pairs\n\n"
      << "| output | SSIM | PSNR (dB) | L1 |" << (hasLpips ? " LPIPS |" : "") << (hasFid ? " FID |" : "")
      << (detailPairs > 0 ? " detail |" : "") << "\n|---|---|---|---|" << (hasLpips ? "---|" : "")
      << (hasFid ? "---|" : "") << (detailPairs > 0 ? "---|" : "") << "\n"
      << std::fixed;
    std::vector<const MetricRow*> outputs{&model};
    if (hasThresholdedVisibility) outputs.push_back(&thresholdedVisibility);
    if (hasPriorWarp) outputs.push_back(&priorWarp);
    outputs.push_back(&copyBaseline);
    for (const MetricRow* r : outputs) {
        s << "| " << r->name << " | " << std::setprecision(4) << r->ssim << " | " << std::setprecision(2) << r->psnr
          << " | " << std::setprecision(4) << r->l1 << " |";
        if (hasLpips) s << ' ' << r->lpips << " |";
        if (hasFid) s << ' ' << std::setprecision(2) << r->fid << " |";
        if (detailPairs > 0) s << ' ' << std::setprecision(3) << r->detail << " |";
        s << '\n';
    }
    s << "\nSSIM: 11x11 Gaussian window (sigma 1.5); PSNR and L1 on the [0, 1] scale"
      << (hasLpips ? std::string("; ") + Lpips::kName + " (lower is better)" : std::string())
      << (hasFid
              ? std::string("; ") + FidInception::kName + " of the " + std::to_string(pairs) + " images against the " +
                    std::to_string(pairs) +
                    " targets (lower is better; biased upwards below a few thousand images: compare at the same count)"
              : std::string())
      << (detailPairs > 0 ? "; detail: the variance of the Laplacian of the output over the target's, where the "
                            "pair moves (1 is as sharp as the target; " +
                                std::to_string(detailPairs) + " pairs)"
                          : std::string())
      << (hasThresholdedVisibility ? "; V at 0.5: the warped reference where the visibility map is at least 0.5, "
                                     "the decoder's image elsewhere"
                                   : std::string())
      << (hasPriorWarp ? "; prior warp: the reference warped by " + priorWarpKind + " alone" : std::string())
      << ". Training backbone: " << backbone << ".\n";
    if (!notComputed.empty()) s << "Not computed: " << notComputed << '\n';
    if (!deformation.hasAttention && !deformation.hasFlow) return s.str();  // the baseline variant warps nothing
    s << "\nDeformation alone, at 1/4 scale (the warped downsampled reference against the downsampled target):\n\n"
      << "| warp | SSIM | PSNR (dB) | L1 |\n|---|---|---|---|\n";
    std::vector<const MetricRow*> rows;
    if (deformation.hasAttention) rows.push_back(&deformation.attention);
    if (deformation.hasFlow) rows.push_back(&deformation.flow);
    rows.push_back(&deformation.copy);
    for (const MetricRow* r : rows) {
        s << "| " << r->name << " | ";
        if (deformation.hasSsim)
            s << std::setprecision(4) << r->ssim;
        else
            s << "n/a";
        s << " | " << std::setprecision(2) << r->psnr << " | " << std::setprecision(4) << r->l1 << " |\n";
    }
    if (deformation.hasSkeletonFlow)
        s << "\nThe flow against the flow the skeletons imply, near the target's bones (mean L1 in 1/4-scale pixels; "
             "lower follows the limbs better): model "
          << std::setprecision(3) << deformation.skeletonFlowModel << ", no flow " << deformation.skeletonFlowZero
          << ".\n";
    return s.str();
}

std::string EvalReport::json() const {
    auto row = [this](const MetricRow& r) {
        nlohmann::json j{{"ssim", r.ssim}, {"psnr", r.psnr}, {"l1", r.l1}};
        if (hasLpips) j["lpips"] = r.lpips;
        if (hasFid) j["fid"] = r.fid;
        if (detailPairs > 0) j["detail"] = r.detail;
        return j;
    };
    auto warpRow = [this](const MetricRow& r) {
        nlohmann::json j{{"psnr", r.psnr}, {"l1", r.l1}};
        if (deformation.hasSsim) j["ssim"] = r.ssim;
        return j;
    };
    nlohmann::json report{{"weights", weights},
                          {"data", data},
                          {"pairs", pairs},
                          {"variant", variant},
                          {"backbone", backbone},
                          {"model", row(model)},
                          {"copy_reference", row(copyBaseline)},
                          {"not_computed", notComputed}};
    if (hasPriorWarp) report["prior_warp"] = row(priorWarp);
    if (hasThresholdedVisibility) report["model_visibility_thresholded"] = row(thresholdedVisibility);
    if (detailPairs > 0) report["detail_pairs"] = detailPairs;
    if (deformation.hasAttention || deformation.hasFlow) {
        nlohmann::json warps{{"copy_reference", warpRow(deformation.copy)}};
        if (deformation.hasAttention) warps["attention_warped"] = warpRow(deformation.attention);
        if (deformation.hasFlow) warps["flow_warped"] = warpRow(deformation.flow);
        if (deformation.hasSkeletonFlow)
            warps["skeleton_flow_l1"] = {{"model", deformation.skeletonFlowModel},
                                         {"zero_flow", deformation.skeletonFlowZero}};
        report["deformation_quarter_scale"] = warps;
    }
    return report.dump(2);
}

model::ModelConfig weightsConfig(const std::string& weightsPath) {
    return model::configFromMetadata(model::readSafetensors(weightsPath), weightsPath);
}

EvalReport evaluate(const std::string& weightsPath, const PairDataset& data, const EvalOptions& options) {
    const int pairs = options.pairs, batchSize = options.batchSize;
    const EvalBatchCallback& onBatch = options.onBatch;
    if (pairs < 1 || batchSize < 1) throw Error("evaluation needs at least one pair and a batch of at least one");
    auto loaded = model::loadGeneratorWeights(weightsPath);
    const auto config = loaded.generator->config();
    const c10::Device dev = engine::resolveDevice(options.device);
    loaded.generator->eval();
    loaded.generator->to(dev);
    EvalReport report;
    report.weights = weightsPath;
    report.data = data.description();
    report.variant = model::toString(config.deformation);
    report.backbone = config.backbone;
    report.model.name = "model";
    report.copyBaseline.name = "copy reference";
    report.priorWarp.name = "prior warp";
    report.thresholdedVisibility.name = "model, V at 0.5";
    report.deformation.attention.name = "attention-warped reference";
    report.deformation.flow.name = "flow-warped reference";
    report.deformation.copy.name = "copy reference";
    std::optional<Lpips> lpips;
    std::vector<std::string> missing;
    if (!options.lpipsWeights.empty()) {
        lpips.emplace(options.lpipsWeights);
        lpips->to(dev);
        report.hasLpips = true;
    } else {
        missing.push_back("LPIPS (pass --lpips with its weights, see tools/convert_lpips.py)");
    }
    std::optional<FidInception> inception;
    FeatureStatistics targetFeatures, modelFeatures, copyFeatures;
    if (!options.fidWeights.empty()) {
        if (pairs < 2) throw Error("FID compares sets of images: evaluate at least two pairs");
        inception.emplace(options.fidWeights);
        inception->to(dev);
        report.hasFid = true;
    } else {
        missing.push_back("FID (pass --fid with the Inception-v3 weights, see tools/convert_fid_inception.py)");
    }
    for (const auto& m : missing) report.notComputed += (report.notComputed.empty() ? "" : " and ") + m;
    torch::NoGradGuard noGrad;
    int done = 0;
    const std::size_t available = data.size();
    while (done < pairs) {
        std::vector<PairSample> chunk;
        for (int k = 0; k < batchSize && done + k < pairs; ++k) {
            const std::size_t index = static_cast<std::size_t>(done + k) % available;
            chunk.push_back(data.pair(index, /*seed=*/index));
        }
        const bool body = config.semantics == model::SemanticsKind::Body;
        const bool skeletonFlow = body && config.usesFlow();
        // Batches carry the canvas prior for every variant: the prior-warp row needs it.
        model::ModelConfig batchConfig = config;
        batchConfig.flowPrior = true;
        const Batch b = makeBatch(chunk, batchConfig, skeletonFlow);
        const model::GeneratorOutput generated =
            loaded.generator->forward(b.reference.to(dev), b.referenceSemantics.to(dev), b.targetSemantics.to(dev),
                                      config.usesFlowPrior() ? b.flowPrior.to(dev) : at::Tensor());
        const auto out = generated.image.to(at::kCPU);
        if (onBatch) {
            model::GeneratorOutput onCpu = generated;
            for (auto* t : {&onCpu.image, &onCpu.flow4, &onCpu.mask4})
                if (t->defined()) *t = t->to(at::kCPU);
            onBatch(b, onCpu);
        }
        const double n = static_cast<double>(chunk.size());
        // Sums over the batch, divided by the pair count at the end.
        const auto accumulate = [n](MetricRow& row, const at::Tensor& image, const at::Tensor& target, bool withSsim) {
            if (withSsim) row.ssim += ssim(image, target) * n;
            row.psnr += psnr(image, target) * n;
            row.l1 += l1Error(image, target) * n;
        };
        accumulate(report.model, out, b.target, true);
        accumulate(report.copyBaseline, b.reference, b.target, true);
        at::Tensor thresholded;
        if (generated.visibility.defined()) {
            report.hasThresholdedVisibility = true;
            thresholded = model::composeByThresholdedVisibility(generated).to(at::kCPU);
            accumulate(report.thresholdedVisibility, thresholded, b.target, true);
        }
        at::Tensor priorWarped;
        if (b.flowPrior.defined()) {
            report.hasPriorWarp = true;
            report.priorWarpKind = body ? "the skeletons' limb warp" : "the landmarks' thin-plate spline";
            priorWarped = model::warpFlow(b.reference, b.flowPrior);
            accumulate(report.priorWarp, priorWarped, b.target, true);
        }
        {
            const DetailRatio detail(b.target, movedRegion(b.reference, b.target));
            report.model.detail += sumOfMeasured(detail.of(out));
            report.copyBaseline.detail += sumOfMeasured(detail.of(b.reference));
            if (priorWarped.defined()) report.priorWarp.detail += sumOfMeasured(detail.of(priorWarped));
            if (thresholded.defined()) report.thresholdedVisibility.detail += sumOfMeasured(detail.of(thresholded));
            report.detailPairs += detail.measured();
        }
        const at::Tensor& quarter =
            generated.attentionWarped4.defined() ? generated.attentionWarped4 : generated.flowWarped4;
        if (quarter.defined()) {
            report.deformation.hasSsim = std::min(quarter.size(2), quarter.size(3)) >= 11;
            const bool withSsim = report.deformation.hasSsim;
            const auto target4 = model::downsampleArea(b.target, quarter.size(2), quarter.size(3));
            accumulate(report.deformation.copy, model::downsampleArea(b.reference, quarter.size(2), quarter.size(3)),
                       target4, withSsim);
            if (generated.attentionWarped4.defined()) {
                report.deformation.hasAttention = true;
                accumulate(report.deformation.attention, generated.attentionWarped4.to(at::kCPU).to(at::kFloat),
                           target4, withSsim);
            }
            if (generated.flowWarped4.defined()) {
                report.deformation.hasFlow = true;
                accumulate(report.deformation.flow, generated.flowWarped4.to(at::kCPU).to(at::kFloat), target4,
                           withSsim);
            }
        }
        if (skeletonFlow && generated.flow4.defined()) {
            // Sums over the batch, as the rows: the loss is a mean over the batch's masked cells.
            const auto flow4 = generated.flow4.to(at::kCPU).to(at::kFloat);
            report.deformation.hasSkeletonFlow = true;
            report.deformation.skeletonFlowModel +=
                skeletonFlowLoss(flow4, b.skeletonFlow4, b.skeletonFlowMask4).item<double>() * n;
            report.deformation.skeletonFlowZero +=
                skeletonFlowLoss(torch::zeros_like(flow4), b.skeletonFlow4, b.skeletonFlowMask4).item<double>() * n;
        }
        if (lpips) {
            const auto target = b.target.to(dev);
            report.model.lpips += lpips->distance(generated.image, target).sum().item<double>();
            report.copyBaseline.lpips += lpips->distance(b.reference.to(dev), target).sum().item<double>();
            if (thresholded.defined())
                report.thresholdedVisibility.lpips += lpips->distance(thresholded.to(dev), target).sum().item<double>();
            if (priorWarped.defined())
                report.priorWarp.lpips += lpips->distance(priorWarped.to(dev), target).sum().item<double>();
        }
        if (inception) {
            targetFeatures.add(inception->features(b.target));
            modelFeatures.add(inception->features(generated.image));
            copyFeatures.add(inception->features(b.reference));
        }
        done += static_cast<int>(chunk.size());
    }
    for (MetricRow* r : {&report.model, &report.thresholdedVisibility, &report.copyBaseline, &report.priorWarp,
                         &report.deformation.attention, &report.deformation.flow, &report.deformation.copy}) {
        r->ssim /= done;
        r->psnr /= done;
        r->l1 /= done;
        r->lpips /= done;
        if (report.detailPairs > 0) r->detail /= report.detailPairs;
    }
    report.deformation.skeletonFlowModel /= done;
    report.deformation.skeletonFlowZero /= done;
    if (inception) {
        report.model.fid = frechetDistance(modelFeatures, targetFeatures);
        report.copyBaseline.fid = frechetDistance(copyFeatures, targetFeatures);
    }
    report.pairs = done;
    return report;
}

std::string exportLatestCheckpoint(const std::string& runDirectory, const std::string& outPath,
                                   const std::string& metricsJson) {
    if (!fs::is_directory(runDirectory)) throw Error(runDirectory + ": the run folder does not exist");
    const std::vector<std::string> found = checkpointsNewestFirst(runDirectory);
    for (const auto& path : found) {
        try {
            torch::serialize::InputArchive archive;
            archive.load_from(path);
            c10::IValue config, metadata;
            archive.read("config", config);
            archive.read("metadata", metadata);
            model::Generator ema(model::ModelConfig::fromJson(config.toStringRef()));
            {
                torch::NoGradGuard noGrad;
                for (auto& p : ema->named_parameters()) {
                    at::Tensor t;
                    archive.read("ema." + p.key(), t);
                    p.value().copy_(t);
                }
            }
            auto training = nlohmann::json::parse(metadata.toStringRef());
            if (!metricsJson.empty()) training["metrics"] = nlohmann::json::parse(metricsJson);
            model::saveGeneratorWeights(outPath, *ema, training.dump(), model::StoredPrecision::Float16);
            return path;
        } catch (const c10::Error& e) {
            log::warning("checkpoint ", path, " cannot be used (", e.what_without_backtrace(), ")");
        } catch (const nlohmann::json::exception& e) {
            throw Error(std::string("the metrics or run metadata are not valid JSON: ") + e.what());
        }
    }
    throw Error(runDirectory + ": no loadable checkpoint to export");
}

}  // namespace marionette::train

#include "marionette/train/evaluation.h"

#include "marionette/engine/engine.h"
#include "marionette/model/weights.h"
#include "marionette/train/lpips.h"
#include "marionette/train/metrics.h"
#include "marionette/train/trainer.h"
#include "marionette/util/error.h"
#include "marionette/util/log.h"

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <filesystem>
#include <iomanip>
#include <optional>
#include <sstream>

namespace marionette::train {
namespace fs = std::filesystem;

std::string EvalReport::markdown() const {
    std::ostringstream s;
    s << "weights: " << weights << " (" << variant << ")\ndata: " << data << ", " << pairs << " pairs\n\n"
      << "| output | SSIM | PSNR (dB) | L1 |" << (hasLpips ? " LPIPS |" : "") << "\n|---|---|---|---|"
      << (hasLpips ? "---|" : "") << "\n" << std::fixed;
    for (const MetricRow* r : {&model, &copyBaseline}) {
        s << "| " << r->name << " | " << std::setprecision(4) << r->ssim << " | " << std::setprecision(2) << r->psnr << " | "
          << std::setprecision(4) << r->l1 << " |";
        if (hasLpips) s << ' ' << r->lpips << " |";
        s << '\n';
    }
    s << "\nSSIM: 11x11 Gaussian window (sigma 1.5); PSNR and L1 on the [0, 1] scale"
      << (hasLpips ? std::string("; ") + Lpips::kName + " (lower is better)" : std::string()) << ". Training backbone: " << backbone
      << ".\n";
    if (!notComputed.empty()) s << "Not computed: " << notComputed << '\n';
    return s.str();
}

std::string EvalReport::json() const {
    auto row = [this](const MetricRow& r) {
        nlohmann::json j{{"ssim", r.ssim}, {"psnr", r.psnr}, {"l1", r.l1}};
        if (hasLpips) j["lpips"] = r.lpips;
        return j;
    };
    return nlohmann::json{{"weights", weights}, {"data", data},           {"pairs", pairs},
                          {"variant", variant}, {"backbone", backbone},   {"model", row(model)},
                          {"copy_reference", row(copyBaseline)},          {"not_computed", notComputed}}
        .dump(2);
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
    const c10::Device dev = engine::resolveDevice(engine::devicePreferenceFromString(options.device));
    loaded.generator->eval();
    loaded.generator->to(dev);
    EvalReport report;
    report.weights = weightsPath;
    report.data = data.description();
    report.variant = model::toString(config.deformation);
    report.backbone = config.backbone;
    report.model.name = "model";
    report.copyBaseline.name = "copy reference";
    std::optional<Lpips> lpips;
    if (!options.lpipsWeights.empty()) {
        lpips.emplace(options.lpipsWeights);
        lpips->to(dev);
        report.hasLpips = true;
        report.notComputed = "FID (it needs an Inception-v3 network, which this build does not implement)";
    } else {
        report.notComputed = "LPIPS (pass --lpips with its weights, see tools/convert_lpips.py) and FID (it needs an Inception-v3 "
                             "network, which this build does not implement)";
    }
    torch::NoGradGuard noGrad;
    int done = 0;
    const std::size_t available = data.size();
    while (done < pairs) {
        std::vector<PairSample> chunk;
        for (int k = 0; k < batchSize && done + k < pairs; ++k) {
            const std::size_t index = static_cast<std::size_t>(done + k) % available;
            chunk.push_back(data.pair(index, /*seed=*/index));
        }
        const Batch b = makeBatch(chunk, config);
        const model::GeneratorOutput generated =
            loaded.generator->forward(b.reference.to(dev), b.referenceSemantics.to(dev), b.targetSemantics.to(dev));
        const auto out = generated.image.to(at::kCPU);
        if (onBatch) {
            model::GeneratorOutput onCpu = generated;
            for (auto* t : {&onCpu.image, &onCpu.flow4, &onCpu.mask4})
                if (t->defined()) *t = t->to(at::kCPU);
            onBatch(b, onCpu);
        }
        const double n = static_cast<double>(chunk.size());
        report.model.ssim += ssim(out, b.target) * n;
        report.model.psnr += psnr(out, b.target) * n;
        report.model.l1 += l1Error(out, b.target) * n;
        report.copyBaseline.ssim += ssim(b.reference, b.target) * n;
        report.copyBaseline.psnr += psnr(b.reference, b.target) * n;
        report.copyBaseline.l1 += l1Error(b.reference, b.target) * n;
        if (lpips) {
            const auto target = b.target.to(dev);
            report.model.lpips += lpips->distance(generated.image, target).sum().item<double>();
            report.copyBaseline.lpips += lpips->distance(b.reference.to(dev), target).sum().item<double>();
        }
        done += static_cast<int>(chunk.size());
    }
    for (MetricRow* r : {&report.model, &report.copyBaseline}) {
        r->ssim /= done;
        r->psnr /= done;
        r->l1 /= done;
        r->lpips /= done;
    }
    report.pairs = done;
    return report;
}

std::string exportLatestCheckpoint(const std::string& runDirectory, const std::string& outPath, const std::string& metricsJson) {
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

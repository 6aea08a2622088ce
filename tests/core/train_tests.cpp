#include "check.h"
#include "moving_squares.h"
#include "tiny_models.h"

#include "marionette/graph/graph_executor.h"
#include "marionette/model/training_summary.h"
#include "marionette/model/warps.h"
#include "marionette/model/weights.h"
#include "marionette/train/adaptation.h"
#include "marionette/train/evaluation.h"
#include "marionette/train/fid.h"
#include "marionette/train/loss_log.h"
#include "marionette/train/losses.h"
#include "marionette/train/lpips.h"
#include "marionette/train/metrics.h"
#include "marionette/train/trainer.h"
#include "marionette/util/bundled_files.h"
#include "marionette/util/error.h"
#include "marionette/util/files.h"

#include <torch/types.h>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <numeric>

using namespace marionette;
using namespace marionette::train;

namespace {

using test::MovingSquares;

TrainOptions tinyOptions(const std::string& dir) {
    TrainOptions o = test::tinyTrainOptions(dir);
    o.batchSize = 4;
    o.stage1Steps = 3;
    o.stage2Steps = 3;
    o.checkpointEvery = 3;
    return o;
}

}  // namespace

TEST_CASE(loss_affine_flow_has_no_regularisation_cost) {
    // w(p) = (M - I) p + t for an affine M: every patch is exactly affine.
    const int64_t h = 9, w = 7;
    auto ys = torch::arange(h, torch::kFloat).view({h, 1}).expand({h, w});
    auto xs = torch::arange(w, torch::kFloat).view({1, w}).expand({h, w});
    const auto dx = 0.1 * xs - 0.2 * ys + 1.5, dy = 0.05 * xs + 0.3 * ys - 2.0;
    const auto flow = torch::stack({dx, dy}).unsqueeze(0);
    // Interior patches are exactly affine; border patches see the replicate padding.
    const auto residuals = affineResidualMap(flow);
    EXPECT(residuals.sizes() == torch::IntArrayRef({1, h, w}));
    EXPECT_NEAR(residuals.slice(1, 1, h - 1).slice(2, 1, w - 1).abs().max().item<float>(), 0.0, 1e-4);
    // A pure translation stays affine even with padding.
    EXPECT_NEAR(affineRegularizationLoss(torch::full({1, 2, h, w}, 3.f)).item<float>(), 0.0, 1e-5);
    // A non-affine (random) flow costs something.
    torch::manual_seed(3);
    EXPECT(affineRegularizationLoss(torch::randn({1, 2, h, w})).item<float>() > 0.01f);
    // A flow that gathers every pixel onto one reference point far away (S S^T singular): finite, with finite
    // gradients, where the inversion used to fail and end the training run.
    const auto gathered = (torch::stack({40.f - xs, 25.f - ys}).unsqueeze(0)).clone().requires_grad_(true);
    const auto cost = affineRegularizationLoss(gathered);
    cost.backward();
    EXPECT(std::isfinite(cost.item<float>()));
    EXPECT(torch::isfinite(gathered.grad()).all().item<bool>());
    // And onto one line.
    const auto line = torch::stack({30.f - xs, torch::zeros_like(ys)}).unsqueeze(0);
    EXPECT(std::isfinite(affineRegularizationLoss(line).item<float>()));
}

TEST_CASE(loss_attention_and_flow_warp_are_zero_for_an_exact_warp) {
    torch::manual_seed(4);
    const auto target = torch::rand({2, 3, 32, 16});
    model::GeneratorOutput out;
    EXPECT_NEAR(attentionLoss(out, target).item<float>(), 0.0, 0.0);  // a variant without attention
    EXPECT_NEAR(flowWarpLoss(out, target).item<float>(), 0.0, 0.0);   // and without flow
    out.attentionWarped8 = model::downsampleArea(target, 4, 2);
    out.attentionWarped4 = model::downsampleArea(target, 8, 4);
    out.flowWarped8 = out.attentionWarped8.clone();
    out.flowWarped4 = out.attentionWarped4.clone();
    EXPECT_NEAR(attentionLoss(out, target).item<float>(), 0.0, 1e-7);
    EXPECT_NEAR(flowWarpLoss(out, target).item<float>(), 0.0, 1e-7);
    out.attentionWarped4 = out.attentionWarped4 + 0.5;
    out.flowWarped8 = out.flowWarped8 - 0.25;
    EXPECT_NEAR(attentionLoss(out, target).item<float>(), 0.5, 1e-5);
    EXPECT_NEAR(flowWarpLoss(out, target).item<float>(), 0.25, 1e-5);  // each reads its own branch
}

TEST_CASE(loss_flow_warp_teaches_the_flow_to_follow_a_shift) {
    // A target that is the reference moved right by one s4 pixel: the warp loss is lowest at that flow
    // and its gradient points there from zero flow (what lets F learn without a backbone).
    namespace F = torch::nn::functional;
    torch::manual_seed(6);
    const auto reference = F::avg_pool2d(torch::rand({1, 3, 64, 48}), F::AvgPool2dFuncOptions(9).stride(1).padding(4));
    const auto target = torch::roll(reference, {4}, {3});
    auto lossAt = [&](const at::Tensor& flow4) {
        model::GeneratorOutput out;
        const auto r4 = model::downsampleArea(reference, 16, 12);
        const auto r8 = model::downsampleArea(reference, 8, 6);
        out.flowWarped4 = model::warpFlow(r4, flow4);
        out.flowWarped8 = model::warpFlow(r8, model::downsampleArea(flow4, 8, 6) * 0.5);  // half the pixels at s8
        return flowWarpLoss(out, target);
    };
    auto flow = torch::zeros({1, 2, 16, 12}, torch::requires_grad());
    const auto atZero = lossAt(flow);
    atZero.backward();
    // The sample for target x sits at reference x - 1: flow x component -1 (pixel offsets, x first).
    const auto exact = torch::zeros({1, 2, 16, 12});
    exact.select(1, 0).fill_(-1.0);
    EXPECT(lossAt(exact).item<float>() < 0.5f * atZero.item<float>());
    EXPECT(flow.grad().select(1, 0).mean().item<float>() > 0.0f);  // descending moves x towards -1
}

TEST_CASE(loss_skeleton_flow_follows_the_bones) {
    // A skeleton moved 8 canvas pixels to the right: near its bones every target pixel comes from 8 pixels to
    // the left in the reference, -2 in s4 pixels and -1 in s8 pixels; far from them the prior is not trusted.
    pose::Pose reference;
    reference.set(pose::JointId::Neck, 40.f, 20.f);
    reference.set(pose::JointId::RightShoulder, 28.f, 22.f);
    reference.set(pose::JointId::RightElbow, 24.f, 40.f);
    reference.set(pose::JointId::RightHip, 34.f, 60.f);
    const pose::Pose moved = reference.mapped([](Point2 p) { return Point2{p.x + 8.f, p.y}; });
    const auto flows = skeletonFlowOf(reference, moved, 96, 64, {4, 8});
    const at::Tensor flow4 = flows[0].flow, mask4 = flows[0].mask, flow8 = flows[1].flow, mask8 = flows[1].mask;
    EXPECT(flow4.sizes() == torch::IntArrayRef({2, 24, 16}) && mask4.sizes() == torch::IntArrayRef({1, 24, 16}));
    const auto near = mask4[0] > 0.5f;
    EXPECT(near.sum().item<int64_t>() >= 8);
    EXPECT(near.sum().item<int64_t>() < 24 * 16 / 2);
    EXPECT((flow4[0].masked_select(near) + 2.f).abs().max().item<float>() < 1e-2f);
    EXPECT(flow4[1].masked_select(near).abs().max().item<float>() < 1e-2f);
    EXPECT((flow8[0].masked_select(mask8[0] > 0.5f) + 1.f).abs().max().item<float>() < 1e-2f);
    EXPECT(mask8.sizes() == torch::IntArrayRef({1, 12, 8}));
    EXPECT(skeletonFlowOf(reference, reference, 96, 64, {4})[0].flow.abs().max().item<float>() < 1e-4f);
    EXPECT_THROWS(Error, skeletonFlowOf(reference, moved, 96, 64, {4, 5}), "cells of 5");

    // The loss: zero on the prior, the mean L1 over trusted cells and both components elsewhere, with a
    // gradient towards the prior; nothing where no bone is near.
    const auto prior = flow4.unsqueeze(0), mask = mask4.unsqueeze(0);
    EXPECT_NEAR(skeletonFlowLoss(prior, prior, mask).item<float>(), 0.0, 1e-7);
    auto flow = torch::zeros_like(prior).requires_grad_(true);
    const auto loss = skeletonFlowLoss(flow, prior, mask);
    const double expected = (mask * prior.abs()).sum().item<double>() / (2.0 * mask.sum().item<double>());
    EXPECT_NEAR(loss.item<double>(), expected, 1e-5);
    EXPECT_NEAR(loss.item<double>(), 1.0, 1e-2);  // |-2| and |0| averaged
    loss.backward();
    EXPECT((flow.grad()[0][0].masked_select(near) > 0).all().item<bool>());  // descending moves x towards -2
    EXPECT_NEAR(skeletonFlowLoss(prior, torch::zeros_like(prior), torch::zeros_like(mask)).item<float>(), 0.0, 0.0);
    EXPECT_THROWS(Error, skeletonFlowLoss(prior, prior, mask.squeeze(1)), "must agree");

    // Body batches carry it at s4 and s8 when the skel term asks for it; portraits have no skeleton.
    MovingSquares squares(32);
    const model::ModelConfig squaresModel = tinyOptions(test::tempPath("skeleton-batch")).model;
    const Batch b = makeBatch({squares.pair(3, 1), squares.pair(9, 1)}, squaresModel, /*skeletonFlow=*/true);
    EXPECT(b.skeletonFlow4.sizes() == torch::IntArrayRef({2, 2, 8, 8}) &&
           b.skeletonFlowMask8.sizes() == torch::IntArrayRef({2, 1, 4, 4}));
    EXPECT(!makeBatch({squares.pair(3, 1)}, squaresModel).skeletonFlow4.defined());  // only when asked for
}

TEST_CASE(loss_log_rows_follow_the_header_and_older_logs_are_rewritten) {
    const std::string header = lossLogHeader();
    EXPECT(header.rfind("step,stage,images,seconds,attn,", 0) == 0);
    EXPECT(header.find(",warp,skel,sflow,vis,total,discriminator") != std::string::npos);
    const std::string row = lossLogRow(7, 2, 28, 1.5, {{"l1", 0.25}, {"warp", 0.5}}, 0.75, 0.0);
    EXPECT_EQ(std::count(row.begin(), row.end(), ','), std::count(header.begin(), header.end(), ','));
    EXPECT(row.find(",0.250000,0.500000,0.000000,0.000000,0.000000,0.750000,0.000000") != std::string::npos);

    const std::string dir = test::tempPath("loss-log");
    std::filesystem::create_directories(dir);
    const std::string path = dir + "/losses.csv";
    EXPECT(!upgradeLossLog(path));  // nothing there yet
    // A log as builds without the warp column wrote it.
    files::writeAtomically(path,
                           "step,stage,images,seconds,attn,flow,regu,perc,face,style,adv,l1,total,discriminator\n"
                           "10,2,40,12.50,1.5,0,0.001,0,0,0,0,0.09,1.591,0\n");
    EXPECT(upgradeLossLog(path));
    EXPECT(!upgradeLossLog(path));  // already in this build's layout
    std::ifstream in(path);
    std::string first, second;
    std::getline(in, first);
    std::getline(in, second);
    EXPECT_EQ(first, header);
    EXPECT_EQ(second, std::string("10,2,40,12.50,1.5,0,0.001,0,0,0,0,0.09,0,0,0,0,1.591,0"));
    files::writeAtomically(path, "not,a,loss,log\n");
    EXPECT_THROWS(Error, upgradeLossLog(path), "not a loss log");
}

TEST_CASE(loss_sampling_correctness_at_the_identity_warp) {
    torch::manual_seed(5);
    const auto v = torch::rand({2, 6, 5, 4});  // non-negative, like ReLU features
    // Same features, zero flow: the warped feature is the best match everywhere, exp(-1).
    EXPECT_NEAR(samplingCorrectnessLoss(torch::zeros({2, 2, 5, 4}), v, v).item<float>(), std::exp(-1.0), 1e-5);
    // A wrong flow does worse.
    EXPECT(samplingCorrectnessLoss(torch::full({2, 2, 5, 4}, 2.f), v, v).item<float>() > std::exp(-1.0) + 0.01);
}

TEST_CASE(loss_gram_style_perceptual_and_adversarial_values) {
    const auto f = torch::tensor({1.f, 2.f, 3.f, 4.f}).view({1, 2, 1, 2});
    const auto g = gramMatrix(f);
    EXPECT_NEAR(g[0][0][0].item<float>(), 5.0 / 4, 1e-6);
    EXPECT_NEAR(g[0][0][1].item<float>(), 11.0 / 4, 1e-6);
    EXPECT_NEAR(g[0][1][1].item<float>(), 25.0 / 4, 1e-6);
    const std::map<std::string, at::Tensor> a{{"relu2_2", f}}, b{{"relu2_2", f * 2}};
    EXPECT_NEAR(styleLoss(a, b, {"relu2_2"}).item<float>(), (3.0 * (5 + 11 + 11 + 25) / 4) / 4, 1e-5);
    EXPECT_NEAR(perceptualLoss(a, b, {"relu2_2"}).item<float>(), 2.5, 1e-6);
    EXPECT_NEAR(generatorAdversarialLoss(torch::ones({2, 1, 2, 2})).item<float>(), 0.0, 1e-7);
    EXPECT_NEAR(discriminatorLoss(torch::ones({2, 1, 2, 2}), torch::zeros({2, 1, 2, 2})).item<float>(), 0.0, 1e-7);
    EXPECT_NEAR(discriminatorLoss(torch::zeros({1, 1, 1, 1}), torch::ones({1, 1, 1, 1})).item<float>(), 1.0, 1e-6);
}

TEST_CASE(loss_face_crop_is_centred_and_differentiable) {
    // An image whose value is its x coordinate: the crop's centre column reads the centre's x.
    auto xs = torch::arange(64, torch::kFloat).view({1, 1, 1, 64}).expand({1, 3, 48, 64}).clone().requires_grad_(true);
    const auto crop = cropFaces(xs, torch::tensor({{40.f, 20.f}}), 16.0, 16);
    EXPECT(crop.sizes() == torch::IntArrayRef({1, 3, 16, 16}));
    EXPECT_NEAR(crop[0][0][8][8].item<float>(), 40.5, 0.51);  // between the two central samples
    EXPECT_NEAR(crop[0][0][8][0].item<float>(), 32.5, 0.51);
    crop.sum().backward();
    EXPECT(xs.grad().abs().sum().item<float>() > 0.f);
}

TEST_CASE(loss_metrics_on_known_images) {
    torch::manual_seed(6);
    const auto a = torch::rand({2, 3, 32, 32}) * 2 - 1;
    EXPECT_NEAR(ssim(a, a), 1.0, 1e-6);
    EXPECT_NEAR(l1Error(a, a), 0.0, 1e-9);
    // A uniform error of 0.1 on the [0, 1] scale (0.2 on [-1, 1]): MSE 0.01, PSNR 20 dB.
    const auto b = (a + 0.2).clamp(-1.0, 1.0);
    const auto c = a.clamp(-1.0, 0.8);  // keep the shifted copy in range for an exact check
    EXPECT_NEAR(psnr(c, c + 0.2), 20.0, 1e-3);
    EXPECT(ssim(a, b) < 1.0);
    EXPECT_THROWS(Error, ssim(a, a.narrow(2, 0, 16)), "same shape");

    // The detail ratio: 1 for the target itself, below 1 for a blurred copy, above for added noise; a region
    // under 64 pixels is not counted.
    const auto blurred = torch::avg_pool2d(a, 3, 1, 1, false, false);
    const auto region = torch::zeros({2, 1, 32, 32});
    region.narrow(2, 4, 20).narrow(3, 4, 20).fill_(1.0);
    const DetailRatio detail(a, region);
    EXPECT_EQ(detail.measured(), 2);
    for (const double r : detail.of(a)) EXPECT_NEAR(r, 1.0, 1e-6);
    const double blur = sumOfMeasured(detail.of(blurred)) / 2;
    EXPECT(blur > 0.0 && blur < 0.3);
    EXPECT(sumOfMeasured(detail.of((a + 0.3 * torch::randn_like(a)).clamp(-1, 1))) / 2 > 1.0);
    const DetailRatio unmeasured(a, torch::zeros({2, 1, 32, 32}));
    EXPECT_EQ(unmeasured.measured(), 0);
    for (const double r : unmeasured.of(a)) EXPECT(std::isnan(r));
    EXPECT_NEAR(sumOfMeasured(unmeasured.of(a)), 0.0, 0.0);
    EXPECT_THROWS(Error, DetailRatio(a, region.narrow(0, 0, 1)), "region");
    EXPECT_THROWS(Error, detail.of(a.narrow(2, 0, 16)), "same shape");
    // The moved region: where reference and target differ by more than 0.05 on the [0, 1] scale.
    const auto moved = movedRegion(a, b);
    EXPECT(moved.sizes() == torch::IntArrayRef({2, 1, 32, 32}));
    EXPECT(moved.sum().item<double>() > 0.5 * 2 * 32 * 32);
    EXPECT_NEAR(movedRegion(a, a).sum().item<double>(), 0.0, 0.0);
}

TEST_CASE(loss_weights_are_overridden_by_name_and_bad_specs_refused) {
    EXPECT_NEAR(LossWeights{}.flowWarp, 0.0, 0.0);  // not in the paper: off unless asked for
    EXPECT_NEAR(LossWeights{}.skeletonFlow, 0.0, 0.0);
    EXPECT_NEAR(withLossWeights({}, "skel=0.1").skeletonFlow, 0.1, 0.0);
    // The paper's mix reads VGG-19; the CPU recipe of the shipped weights does not, unless a stage 1 has flow.
    EXPECT(usesBackbone(LossWeights{}, true));
    const LossWeights cpuRecipe = withLossWeights({}, "attn=5,flow=0,perc=0,face=0,style=0,adv=0,l1=1,warp=5,skel=0.1");
    EXPECT(!usesBackbone(cpuRecipe, false));
    EXPECT(usesBackbone(cpuRecipe, true));
    EXPECT(!usesBackbone(adaptationLossWeights(model::SemanticsKind::Face), false));
    const LossWeights w = withLossWeights(LossWeights{}, "style=250,l1=1.5,flow-stage1=0,warp=5");
    EXPECT_NEAR(w.flowWarp, 5.0, 0.0);
    EXPECT_NEAR(w.style, 250.0, 0.0);
    EXPECT_NEAR(w.pixel, 1.5, 0.0);
    EXPECT_NEAR(w.flowStage1, 0.0, 0.0);
    EXPECT_NEAR(w.attention, LossWeights{}.attention, 0.0);  // the rest keep docs/model.md's values
    EXPECT_THROWS(Error, withLossWeights(w, "styel=1"), "styel=1");
    EXPECT_THROWS(Error, withLossWeights(w, "perc"), "name=value");
    EXPECT_THROWS(Error, withLossWeights(w, "perc=-1"), ">= 0");
    EXPECT_THROWS(Error, withLossWeights(w, "perc=1x"), "'1x'");
    EXPECT_THROWS(Error, withLossWeights(w, "adv=nan"), ">= 0");
}

TEST_CASE(train_augmentation_moves_a_same_framing_pair_as_one) {
    // The same picture twice: jittered independently the two copies part; framed alike they stay one.
    const MovingSquares squares(32);
    PairSample pair = squares.pair(3, 11);
    pair.target = pair.reference.clone();
    pair.targetPose = pair.referencePose;
    AugmentOptions options;
    options.flip = false;
    int parted = 0;
    for (std::uint64_t seed = 0; seed < 8; ++seed) {
        const PairSample apart = augment(pair, options, seed);
        parted += torch::equal(apart.reference, apart.target) ? 0 : 1;
        pair.sameFraming = true;
        const PairSample together = augment(pair, options, seed);
        pair.sameFraming = false;
        EXPECT(torch::allclose(together.reference, together.target));
        EXPECT(together.referencePose == together.targetPose);
        EXPECT(!torch::equal(together.reference, pair.reference));  // it was jittered all the same
        // The colour change does not depend on the framing.
        EXPECT(torch::equal(together.reference, apart.reference));
    }
    EXPECT_EQ(parted, 8);
}

TEST_CASE(train_interleaved_datasets_take_turns) {
    struct Named : PairDataset {
        Named(std::string name, std::size_t count) : name(std::move(name)), count(count) {}
        std::string description() const override { return name; }
        std::size_t size() const override { return count; }
        PairSample pair(std::size_t index, std::uint64_t) const override {
            PairSample p;
            p.reference = torch::full({1}, static_cast<float>(index));
            p.target = torch::full({1}, name == "a" ? 0.f : 1.f);
            return p;
        }
        std::string name;
        std::size_t count;
    };
    const InterleavedDatasets mix({std::make_shared<Named>("a", 3), std::make_shared<Named>("b", 5)});
    EXPECT_EQ(mix.description(), std::string("a + b"));
    EXPECT_EQ(mix.size(), std::size_t(10));
    const float expectedSet[] = {0, 1, 0, 1, 0, 1, 0, 1};
    const float expectedIndex[] = {0, 0, 1, 1, 2, 2, 0, 3};  // each set's own index, wrapped at its size
    for (std::size_t i = 0; i < 8; ++i) {
        const PairSample p = mix.pair(i, 0);
        EXPECT_EQ(p.target.item<float>(), expectedSet[i]);
        EXPECT_EQ(p.reference.item<float>(), expectedIndex[i]);
    }
    EXPECT_THROWS(Error, InterleavedDatasets({}), "at least one");
    EXPECT_THROWS(Error, InterleavedDatasets({std::make_shared<Named>("a", 3), std::make_shared<Named>("empty", 0)}),
                  "empty");
}

TEST_CASE(train_gradient_report_names_every_term_and_leaves_training_unchanged) {
    auto data = std::make_shared<MovingSquares>(32);
    auto runTwoSteps = [&](const std::string& name, int reportEvery, std::vector<StepLosses>& losses) {
        TrainOptions o = tinyOptions(test::tempPath(name));
        o.stage1Steps = 1;  // one step of each stage
        o.stage2Steps = 1;
        o.weights.pixel = 1.0;
        o.weights.flowWarp = 1.0;
        o.weights.skeletonFlow = 1.0;
        o.lossGradientsEvery = reportEvery;
        torch::manual_seed(11);
        Trainer trainer(o, data);
        BatchLoader::Options lo{4, 1, 2, 7, 0, 1, 0, o.augment};
        lo.skeletonFlow = true;  // as run() makes it for skel > 0
        BatchLoader loader(data, o.model, lo);
        for (int i = 0; i < 2; ++i) losses.push_back(trainer.trainStep(loader.next()));
        std::vector<at::Tensor> params;
        for (const auto& p : trainer.generator()->parameters()) params.push_back(p.detach().clone());
        return params;
    };
    std::vector<StepLosses> plain, reported;
    const auto a = runTwoSteps("grad-plain", 0, plain);
    const auto b = runTwoSteps("grad-report", 1, reported);
    EXPECT(plain[1].gradientNorms.empty());
    for (std::size_t i = 0; i < a.size(); ++i) EXPECT(torch::allclose(a[i], b[i], 1e-6, 1e-7));
    // Stage 2 reports every term it trained with; each moves the generator, and finitely.
    const auto& norms = reported[1].gradientNorms;
    EXPECT_EQ(norms.size(), reported[1].terms.size());
    for (const auto& name : {"attn", "flow", "perc", "style", "adv", "l1", "warp", "skel"}) {
        EXPECT(norms.count(name) == 1);
        EXPECT(std::isfinite(norms.at(name)) && norms.at(name) > 0.0);
    }
    // The norm is the term's own gradient: doubling a weight doubles it (same first step, same data).
    std::vector<StepLosses> doubled;
    {
        TrainOptions o = tinyOptions(test::tempPath("grad-doubled"));
        o.stage1Steps = 1;
        o.stage2Steps = 1;
        o.weights.attention *= 2.0;
        o.lossGradientsEvery = 1;
        torch::manual_seed(11);
        Trainer trainer(o, data);
        BatchLoader loader(data, o.model, {4, 1, 2, 7, 0, 1, 0, o.augment});
        doubled.push_back(trainer.trainStep(loader.next()));
    }
    EXPECT_NEAR(doubled[0].gradientNorms.at("attn"), 2.0 * reported[0].gradientNorms.at("attn"),
                1e-4 * reported[0].gradientNorms.at("attn"));
}

TEST_CASE(train_terms_with_zero_weight_are_left_out) {
    auto data = std::make_shared<MovingSquares>(32);
    TrainOptions o = tinyOptions(test::tempPath("zero-weights"));
    o.stage1Steps = 1;
    o.stage2Steps = 1;
    o.weights = withLossWeights(LossWeights{}, "flow=0,flow-stage1=0,perc=0,style=0,face=0,adv=0,l1=1");
    Trainer trainer(o, data);
    BatchLoader loader(data, o.model, {4, 1, 2, 7, 0, 1, 0, o.augment});
    auto names = [](const StepLosses& l) {
        std::string joined;
        for (const auto& [name, value] : l.terms) joined += name + ' ';
        return joined;
    };
    EXPECT_EQ(names(trainer.trainStep(loader.next())), std::string("attn regu "));
    EXPECT_EQ(names(trainer.trainStep(loader.next())), std::string("attn l1 regu "));

    o.weights = withLossWeights(o.weights, "attn=0,regu-stage1=0");
    o.runDirectory = test::tempPath("all-zero");
    Trainer idle(o, data);
    EXPECT_THROWS(Error, idle.trainStep(loader.next()), "nothing to train");
}

TEST_CASE(train_tiny_model_loss_goes_down) {
    const std::string dir = test::tempPath("learn");
    TrainOptions o = tinyOptions(dir);
    o.stage1Steps = 40;
    o.stage2Steps = 0;
    o.checkpointEvery = 1000;
    o.learningRate = 2e-3;
    torch::manual_seed(1);
    Trainer trainer(o, std::make_shared<MovingSquares>(32));
    BatchLoader loader(std::make_shared<MovingSquares>(32), o.model, {4, 1, 2, 7, 0, 1, 0, o.augment});
    std::vector<double> totals, attention;
    for (int i = 0; i < 40; ++i) {
        const auto losses = trainer.trainStep(loader.next());
        totals.push_back(losses.total);
        attention.push_back(losses.terms.at("attn"));
    }
    auto meanOf = [](const std::vector<double>& v, std::size_t from) {
        return (v[from] + v[from + 1] + v[from + 2] + v[from + 3]) / 4;
    };
    std::cerr << "    stage-1 loss: " << meanOf(totals, 0) << " -> " << meanOf(totals, 36) << ", attention term "
              << meanOf(attention, 0) << " -> " << meanOf(attention, 36) << '\n';
    // The attention warp learns to find the moved square: its reconstruction error at least halves. The
    // flow term (random backbone features on a 32 px canvas) moves slowly, so the total falls less.
    EXPECT(meanOf(attention, 36) < 0.5 * meanOf(attention, 0));
    EXPECT(meanOf(totals, 36) < meanOf(totals, 0));
}

TEST_CASE(train_checkpoints_resume_at_the_same_step) {
    const std::string dir = test::tempPath("resume");
    TrainOptions o = tinyOptions(dir);
    o.stage1Steps = 2;
    o.stage2Steps = 4;
    o.checkpointEvery = 2;
    o.keepCheckpoints = 2;
    auto data = std::make_shared<MovingSquares>(32);
    std::vector<at::Tensor> afterSix;
    {
        Trainer trainer(o, data);
        trainer.run();
        EXPECT_EQ(trainer.step(), 6);
        for (const auto& p : trainer.generator()->parameters()) afterSix.push_back(p.detach().clone());
        trainer.exportWeights(test::tempPath("exported.safetensors"));
    }
    int checkpoints = 0;
    for (const auto& e : std::filesystem::directory_iterator(dir)) checkpoints += e.path().extension() == ".pt";
    EXPECT_EQ(checkpoints, 2);  // only the newest K are kept
    EXPECT(std::filesystem::exists(std::filesystem::path(dir) / "losses.csv"));

    // Resume: same step, same parameters.
    TrainOptions again = o;
    again.resume = true;
    {
        Trainer resumed(again, data);
        EXPECT_EQ(resumed.step(), 6);
        auto params = resumed.generator()->parameters();
        for (std::size_t i = 0; i < params.size(); ++i) EXPECT(torch::equal(params[i], afterSix[i]));
    }
    // A corrupt newest checkpoint is refused and the previous one is used.
    files::writeAtomically((std::filesystem::path(dir) / "checkpoint-000000006.pt").string(), "garbage");
    {
        Trainer fallback(again, data);
        EXPECT_EQ(fallback.step(), 4);
    }
    // The exported release weights load as a generator of the same configuration.
    const auto loaded = model::loadGeneratorWeights(test::tempPath("exported.safetensors"));
    EXPECT_EQ(loaded.generator->config().width, 4);
    EXPECT(loaded.trainingJson.find("\"steps\":6") != std::string::npos);
}

TEST_CASE(train_stop_request_checkpoints_and_resumes) {
    const std::string dir = test::tempPath("stop");
    TrainOptions o = tinyOptions(dir);
    o.checkpointEvery = 100;
    auto data = std::make_shared<MovingSquares>(32);
    struct StopAtFour : TrainingObserver {
        void onLosses(int step, int, const StepLosses&) override {
            if (step == 4) Trainer::requestStop();  // as SIGINT would
        }
    } stopper;
    {
        Trainer trainer(o, data);
        trainer.setObserver(&stopper);
        trainer.run();
        EXPECT_EQ(trainer.step(), 4);
    }
    EXPECT(std::filesystem::exists(std::filesystem::path(dir) / "checkpoint-000000004.pt"));
    Trainer::clearStopRequest();
}

TEST_CASE(train_time_limit_stops_with_a_checkpoint_after_at_least_one_step) {
    const std::string dir = test::tempPath("time_limit");
    TrainOptions o = tinyOptions(dir);
    o.checkpointEvery = 100;
    o.timeLimitSeconds = 1e-6;  // reached by the first step
    Trainer::clearStopRequest();
    auto data = std::make_shared<MovingSquares>(32);
    Trainer trainer(o, data);
    trainer.run();
    EXPECT_EQ(trainer.step(), 1);
    EXPECT(!Trainer::stopRequested());
    EXPECT(std::filesystem::exists(std::filesystem::path(dir) / "checkpoint-000000001.pt"));
    trainer.run();  // a second run under the same limit still makes progress
    EXPECT_EQ(trainer.step(), 2);
}

TEST_CASE(train_body_weights_start_a_portrait_model_except_the_layers_reading_the_maps) {
    const std::string dir = test::tempPath("cross_init");
    std::filesystem::create_directories(dir);
    TrainOptions body = tinyOptions(dir + "/body");
    torch::manual_seed(21);
    model::Generator bodyModel(body.model);
    const std::string weights = dir + "/body.safetensors";
    model::saveGeneratorWeights(weights, *bodyModel, "{}", model::StoredPrecision::Float32);

    TrainOptions face = tinyOptions(dir + "/face");
    face.model.semantics = model::SemanticsKind::Face;
    face.initWeights = weights;
    Trainer trainer(face, std::make_shared<MovingSquares>(32));
    const auto source = bodyModel->named_parameters();
    int copied = 0, fresh = 0;
    for (const auto& p : trainer.generator()->named_parameters()) {
        const auto* s = source.find(p.key());
        EXPECT(s != nullptr);
        if (s->sizes() == p.value().sizes()) {
            EXPECT(torch::equal(*s, p.value()));
            ++copied;
        } else {
            EXPECT(p.key().find("stem") != std::string::npos);  // the first convolutions reading the maps
            ++fresh;
        }
    }
    EXPECT_EQ(fresh, 3);  // E_s, F and E_t
    EXPECT(copied > 50);

    TrainOptions wider = face;
    wider.model.width = 8;
    EXPECT_THROWS(Error, Trainer(wider, std::make_shared<MovingSquares>(32)), "differs from the one being trained");
}

TEST_CASE(loss_backbone_reads_torchvision_vgg19_layout) {
    // A file with torchvision's names and shapes (random values): what tools/convert_vgg19.py writes.
    const std::vector<std::pair<int, std::array<int64_t, 2>>> convs{
        {0, {64, 3}},     {2, {64, 64}},    {5, {128, 64}},   {7, {128, 128}},  {10, {256, 128}}, {12, {256, 256}},
        {14, {256, 256}}, {16, {256, 256}}, {19, {512, 256}}, {21, {512, 512}}, {23, {512, 512}}, {25, {512, 512}},
        {28, {512, 512}}, {30, {512, 512}}, {32, {512, 512}}, {34, {512, 512}}};
    std::vector<model::NamedTensor> tensors;
    torch::manual_seed(2);
    for (const auto& [index, io] : convs) {
        tensors.push_back({"features." + std::to_string(index) + ".weight", torch::randn({io[0], io[1], 3, 3}) * 0.01});
        tensors.push_back({"features." + std::to_string(index) + ".bias", torch::zeros({io[0]})});
    }
    const std::string path = test::tempPath("vgg19.safetensors");
    model::writeSafetensors(path, tensors, {});
    Vgg19Backbone vgg(path);
    EXPECT(vgg.pretrained());
    EXPECT_EQ(vgg.name(), std::string("vgg19-imagenet"));
    const auto f = vgg.features(torch::zeros({1, 3, 32, 32}), {"relu3_1", "relu5_2"});
    EXPECT(f.at("relu3_1").sizes() == torch::IntArrayRef({1, 256, 8, 8}));
    EXPECT(f.at("relu5_2").sizes() == torch::IntArrayRef({1, 512, 2, 2}));
    tensors.erase(tensors.begin() + 4);
    model::writeSafetensors(path, tensors, {});
    EXPECT_THROWS(Error, Vgg19Backbone(std::optional<std::string>(path)), "features.5.weight", "missing");
    Vgg19Backbone random(std::nullopt);
    EXPECT(!random.pretrained());
    EXPECT(random.name().find("random") != std::string::npos);
}

TEST_CASE(loss_backbone_movenet_is_the_shipped_graphs_own_forward_pass_and_differentiable) {
    const std::string path = bundled::modelPath("movenet-thunder/model.json");
    MoveNetBackbone movenet(path);
    EXPECT(movenet.pretrained());
    EXPECT_EQ(movenet.name(), std::string("movenet-thunder-mobilenetv2"));
    // The features are what the graph runner computes from MoveNet's own input (int32 pixels, a batch of one):
    // entering the graph after its Cast, as [-1, 1] images mapped to pixel values, changes nothing.
    torch::manual_seed(3);
    const auto pixels = torch::randint(0, 256, {1, 256, 256, 3}, torch::kInt32);
    const auto images = pixels.permute({0, 3, 1, 2}).to(torch::kFloat) / 127.5 - 1.0;
    const auto& layers = MoveNetBackbone::layerNames();
    const auto features = movenet.features(images, layers);
    std::vector<std::string> nodes;
    for (const auto& layer : layers) nodes.push_back(MoveNetBackbone::nodeOf(layer));
    const graph::GraphExecutor runner(graph::readGraphModel(path));
    const auto expected = runner.run({{"input", pixels}}, nodes);
    for (std::size_t i = 0; i < layers.size(); ++i) {
        const auto want = expected[i].permute({0, 3, 1, 2});
        EXPECT(features.at(layers[i]).sizes() == want.sizes());
        const double error = (features.at(layers[i]) - want).abs().max().item<double>();
        EXPECT_NEAR(error, 0.0, 1e-4 * std::max(1.0, want.abs().max().item<double>()));
        EXPECT(want.abs().max().item<double>() > 0.0);  // a layer that is not all zeros
    }
    // On the canvas (not square, a batch of two): each role at its scale; the flow layers at 1/4 and 1/8.
    const BackboneLayers& roles = movenet.layers();
    const auto canvas = torch::rand({2, 3, 64, 48}) * 2 - 1;
    const auto flowFeatures = movenet.features(canvas, {roles.flowS4, roles.flowS8});
    EXPECT(flowFeatures.at(roles.flowS4).sizes() == torch::IntArrayRef({2, 240, 16, 12}));
    EXPECT(flowFeatures.at(roles.flowS8).sizes() == torch::IntArrayRef({2, 336, 8, 6}));
    // Perceptual and style distances: zero between an image and itself, positive to another image, and the
    // gradient reaches the generated image (the graph's weights stay frozen).
    const auto generated = canvas.clone().requires_grad_(true);
    const auto other = torch::rand({2, 3, 64, 48}) * 2 - 1;
    std::map<std::string, at::Tensor> self, elsewhere;
    {
        torch::NoGradGuard noGrad;
        self = movenet.features(canvas, roles.imageLosses());
        elsewhere = movenet.features(other, roles.imageLosses());
    }
    const auto fake = movenet.features(generated, roles.imageLosses());
    EXPECT_EQ(perceptualLoss(fake, self, roles.perceptual).item<double>(), 0.0);
    EXPECT_EQ(styleLoss(fake, self, roles.style).item<double>(), 0.0);
    const auto distance = perceptualLoss(fake, elsewhere, roles.perceptual) + styleLoss(fake, elsewhere, roles.style);
    EXPECT(distance.item<double>() > 0.0);
    distance.backward();
    EXPECT(generated.grad().defined() && generated.grad().abs().sum().item<double>() > 0.0);
    EXPECT_THROWS(Error, movenet.features(canvas, {"relu3_1"}), "MoveNet", "relu3_1");
    EXPECT_THROWS(Error, makeBackbone({BackboneChoice::Kind::MoveNet, test::tempPath("none/model.json")}),
                  "model.json");
    EXPECT(backboneKindFromString("movenet") == BackboneChoice::Kind::MoveNet);
    EXPECT_THROWS(Error, backboneKindFromString("vgg16"), "vgg19", "movenet");
}

namespace {

// An LPIPS weights file in the layout of tools/convert_lpips.py, with random values (non-negative linear weights).
std::vector<model::NamedTensor> lpipsTensors() {
    const std::vector<std::pair<int, std::array<int64_t, 2>>> convs{
        {0, {64, 3}},     {2, {64, 64}},    {5, {128, 64}},   {7, {128, 128}},  {10, {256, 128}},
        {12, {256, 256}}, {14, {256, 256}}, {17, {512, 256}}, {19, {512, 512}}, {21, {512, 512}},
        {24, {512, 512}}, {26, {512, 512}}, {28, {512, 512}}};
    std::vector<model::NamedTensor> tensors;
    torch::manual_seed(7);
    for (const auto& [index, io] : convs) {
        tensors.push_back({"features." + std::to_string(index) + ".weight",
                           torch::randn({io[0], io[1], 3, 3}) * std::sqrt(2.0 / (9.0 * io[1]))});
        tensors.push_back({"features." + std::to_string(index) + ".bias", torch::randn({io[0]}) * 0.01});
    }
    const std::array<int64_t, 5> channels{64, 128, 256, 512, 512};
    for (std::size_t k = 0; k < channels.size(); ++k)
        tensors.push_back({"lin" + std::to_string(k) + ".weight", torch::rand({1, channels[k], 1, 1}) * 0.1});
    return tensors;
}

}  // namespace

TEST_CASE(loss_lpips_reads_its_layout_and_measures_distances) {
    namespace F = torch::nn::functional;
    auto tensors = lpipsTensors();
    const std::string path = test::tempPath("lpips.safetensors");
    model::writeSafetensors(path, tensors, {});
    const Lpips lpips(path);
    torch::manual_seed(8);
    const auto x = torch::rand({2, 3, 32, 32}) * 2 - 1, y = torch::rand({2, 3, 32, 32}) * 2 - 1;
    const auto dxx = lpips.distance(x, x), dxy = lpips.distance(x, y), dyx = lpips.distance(y, x);
    EXPECT(dxx.sizes() == torch::IntArrayRef({2}));
    EXPECT(dxx.abs().max().item<float>() < 1e-6f);
    EXPECT(dxy.min().item<float>() > 1e-4f);
    EXPECT(torch::allclose(dxy, dyx, 1e-5, 1e-6));
    EXPECT_NEAR(lpips.distance(x.narrow(0, 1, 1), y.narrow(0, 1, 1)).item<float>(), dxy[1].item<float>(), 1e-5);

    // With only lin0 non-zero the distance is the first tap's term, computed here step by step:
    // scaling layer, conv1_1 + ReLU, conv1_2 + ReLU, unit length over channels, weighted squared difference.
    for (auto& t : tensors)
        if (t.name.rfind("lin", 0) == 0 && t.name != "lin0.weight") t.tensor.zero_();
    model::writeSafetensors(path, tensors, {});
    const Lpips firstTap(path);
    auto tensorNamed = [&](const std::string& name) {
        for (const auto& t : tensors)
            if (t.name == name) return t.tensor;
        return at::Tensor();
    };
    auto tap = [&](const at::Tensor& images) {
        auto h = (images - torch::tensor({-0.030f, -0.088f, -0.188f}).view({1, 3, 1, 1})) /
                 torch::tensor({0.458f, 0.448f, 0.450f}).view({1, 3, 1, 1});
        h = torch::relu(F::conv2d(h, tensorNamed("features.0.weight"),
                                  F::Conv2dFuncOptions().bias(tensorNamed("features.0.bias")).padding(1)));
        h = torch::relu(F::conv2d(h, tensorNamed("features.2.weight"),
                                  F::Conv2dFuncOptions().bias(tensorNamed("features.2.bias")).padding(1)));
        return h / (h.square().sum(1, true).sqrt() + 1e-10);
    };
    const auto expected = ((tap(x) - tap(y)).square() * tensorNamed("lin0.weight")).sum(1).mean({1, 2});
    EXPECT(torch::allclose(firstTap.distance(x, y), expected, 1e-4, 1e-6));

    // A missing or misshapen tensor is named.
    tensors.pop_back();  // lin4
    model::writeSafetensors(path, tensors, {});
    EXPECT_THROWS(Error, Lpips{path}, "lin4.weight", "missing");
    tensors = lpipsTensors();
    tensors[0].tensor = torch::zeros({64, 3, 5, 5});
    model::writeSafetensors(path, tensors, {});
    EXPECT_THROWS(Error, Lpips{path}, "features.0.weight", "wrong shape");
}

TEST_CASE(loss_frechet_distance_matches_closed_forms) {
    const auto vec = [](std::vector<double> v) { return torch::tensor(v, torch::kDouble); };
    const auto mat = [](std::vector<double> v, int64_t n) { return torch::tensor(v, torch::kDouble).view({n, n}); };
    // One dimension: (mu_1 - mu_2)^2 + (sigma_1 - sigma_2)^2.
    EXPECT_NEAR(frechetDistance(vec({1}), mat({4}, 1), vec({3}), mat({9}, 1)), 4.0 + 1.0, 1e-9);
    // Commuting (diagonal) covariances: the sum over dimensions.
    EXPECT_NEAR(frechetDistance(vec({0, 1}), mat({1, 0, 0, 4}, 2), vec({0, 0}), mat({9, 0, 0, 1}, 2)), 1.0 + 4.0 + 1.0,
                1e-9);
    // Covariances that do not commute: for 2 x 2, Tr (S_1 S_2)^(1/2) = sqrt(tr(S_1 S_2) + 2 sqrt(det(S_1 S_2))); here
    // S_1 S_2 = [[2, 3], [1, 6]], trace 8, determinant 9, so d^2 = 4 + 4 - 2 sqrt(14).
    const auto s1 = mat({2, 1, 1, 2}, 2), s2 = mat({1, 0, 0, 3}, 2);
    EXPECT_NEAR(frechetDistance(vec({0, 0}), s1, vec({0, 0}), s2), 8.0 - 2.0 * std::sqrt(14.0), 1e-9);
    EXPECT_NEAR(frechetDistance(vec({0, 0}), s2, vec({0, 0}), s1), 8.0 - 2.0 * std::sqrt(14.0), 1e-9);
    EXPECT_NEAR(frechetDistance(vec({5, 1}), s1, vec({5, 1}), s1), 0.0, 1e-9);
    EXPECT_THROWS(Error, frechetDistance(vec({0}), mat({1}, 1), vec({0, 0}), s1), "one dimension");

    // Statistics gathered batch by batch are those of all the vectors at once (unbiased covariance).
    torch::manual_seed(3);
    const auto x = torch::randn({10, 3}, torch::kDouble) * 2 + 1;
    FeatureStatistics stats;
    stats.add(x.narrow(0, 0, 4));
    stats.add(x.narrow(0, 4, 6));
    const auto centred = x - x.mean(0);
    EXPECT_EQ(stats.count(), int64_t(10));
    EXPECT(torch::allclose(stats.mean(), x.mean(0), 1e-9, 1e-9));
    EXPECT(torch::allclose(stats.covariance(), centred.t().mm(centred) / 9.0, 1e-9, 1e-9));
    EXPECT_THROWS(Error, stats.add(torch::zeros({2, 4})), "one D");
    FeatureStatistics one;
    one.add(torch::zeros({1, 3}));
    EXPECT_THROWS(Error, one.covariance(), "two feature vectors");
}

namespace {

// FID Inception weights of the right layout with random values: He-initialised convolutions and batch norms
// that keep activations in range, stored as fp16 (as a converted file may be) to keep the file small.
std::vector<model::NamedTensor> fidInceptionTensors() {
    std::vector<model::NamedTensor> tensors;
    torch::manual_seed(11);
    for (const auto& [name, shape] : FidInception::layout()) {
        at::Tensor t;
        if (shape.size() == 4)
            t = torch::randn(shape) * std::sqrt(2.0 / static_cast<double>(shape[1] * shape[2] * shape[3]));
        else if (name.find("running_var") != std::string::npos)
            t = torch::rand(shape) + 0.5;
        else if (name.find("bn.weight") != std::string::npos)
            t = torch::rand(shape) * 0.5 + 0.75;
        else
            t = torch::randn(shape) * 0.1;
        tensors.push_back({name, t.to(torch::kHalf)});
    }
    return tensors;
}

}  // namespace

TEST_CASE(loss_fid_inception_reads_its_layout_and_gives_pool_features) {
    // torchvision's Inception-v3 without its auxiliary head has 23,834,568 parameters; its 1000-class
    // fully connected layer (which FID does not use) 2,049,000 of them; batch norms' running statistics are
    // not parameters.
    int64_t parameters = 0;
    for (const auto& [name, shape] : FidInception::layout())
        if (name.find("running_") == std::string::npos)
            parameters += std::accumulate(shape.begin(), shape.end(), int64_t(1), std::multiplies<>());
    EXPECT_EQ(parameters, int64_t(23834568 - 2049000));

    auto tensors = fidInceptionTensors();
    const std::string path = test::tempPath("fid_inception.safetensors");
    model::writeSafetensors(path, tensors, {});
    const FidInception inception(path);
    torch::manual_seed(12);
    const auto images = torch::rand({3, 3, 40, 32}) * 2 - 1;
    const auto features = inception.features(images);
    EXPECT(features.sizes() == torch::IntArrayRef({3, FidInception::kFeatures}));
    EXPECT(torch::isfinite(features).all().item<bool>());
    EXPECT(features.min().item<float>() >= 0.0f);  // averages of ReLU outputs
    EXPECT(features.max().item<float>() > 0.0f);
    // Each image's features are its own, whatever else is in the batch; values outside [-1, 1] are clamped.
    EXPECT(torch::allclose(inception.features(images.narrow(0, 1, 1)), features.narrow(0, 1, 1), 1e-4, 1e-5));
    EXPECT(torch::allclose(inception.features(images.sign() * 2), inception.features(images.sign()), 1e-4, 1e-5));
    EXPECT(!torch::allclose(features[0], features[2], 1e-3, 1e-3));

    // A missing or misshapen tensor is named.
    tensors.pop_back();  // Mixed_7c.branch_pool.bn.running_var
    model::writeSafetensors(path, tensors, {});
    EXPECT_THROWS(Error, FidInception{path}, "Mixed_7c.branch_pool.bn.running_var", "missing");
    tensors = fidInceptionTensors();
    tensors[0].tensor = torch::zeros({32, 3, 5, 5});
    model::writeSafetensors(path, tensors, {});
    EXPECT_THROWS(Error, FidInception{path}, "Conv2d_1a_3x3.conv.weight", "wrong shape");
}

TEST_CASE(train_eval_reports_lpips_when_its_weights_are_given) {
    const std::string dir = test::tempPath("eval_lpips");
    TrainOptions o = tinyOptions(dir);
    o.stage1Steps = 1;
    o.stage2Steps = 0;
    Trainer::clearStopRequest();
    auto data = std::make_shared<MovingSquares>(32);
    {
        Trainer trainer(o, data);
        trainer.run();
    }
    const std::string weights = test::tempPath("eval_lpips.safetensors");
    exportLatestCheckpoint(dir, weights);
    const std::string lpipsPath = test::tempPath("eval_lpips_net.safetensors");
    model::writeSafetensors(lpipsPath, lpipsTensors(), {});

    EvalOptions options;
    options.pairs = 4;
    options.batchSize = 2;
    options.device = engine::Device::Cpu;
    const EvalReport plain = evaluate(weights, *data, options);
    EXPECT(!plain.hasLpips);
    EXPECT(!plain.hasThresholdedVisibility);  // a model without a flow prior has no V
    // How far the flow is from the skeletons' flow, beside no flow at all (body models with a flow).
    EXPECT(plain.deformation.hasSkeletonFlow);
    EXPECT(std::isfinite(plain.deformation.skeletonFlowModel) && plain.deformation.skeletonFlowZero >= 0.0);
    EXPECT(plain.markdown().find("flow the skeletons imply") != std::string::npos);
    EXPECT(plain.json().find("\"skeleton_flow_l1\"") != std::string::npos);
    EXPECT(plain.notComputed.find("LPIPS") != std::string::npos);
    // Body pairs: the reference warped by the skeletons' limb warp alone, beside the model.
    EXPECT(plain.hasPriorWarp);
    EXPECT(std::isfinite(plain.priorWarp.psnr) && plain.priorWarp.ssim > 0.0 && plain.priorWarp.l1 > 0.0);
    EXPECT(plain.markdown().find("| prior warp |") != std::string::npos);
    EXPECT(plain.json().find("\"prior_warp\"") != std::string::npos);
    if (plain.detailPairs > 0) EXPECT(plain.model.detail > 0.0 && plain.copyBaseline.detail > 0.0);
    options.lpipsWeights = lpipsPath;
    const EvalReport report = evaluate(weights, *data, options);
    EXPECT(report.hasLpips);
    EXPECT(report.notComputed.find("LPIPS") == std::string::npos);
    EXPECT(report.model.lpips > 0.0 && report.copyBaseline.lpips > 0.0 && report.priorWarp.lpips > 0.0);
    EXPECT_NEAR(report.model.ssim, plain.model.ssim, 1e-9);
    EXPECT(report.markdown().find("LPIPS") != std::string::npos);
    EXPECT(report.json().find("\"lpips\"") != std::string::npos);

    // FID over the evaluated pairs, as sets; the copy baseline gets its own.
    const std::string fidPath = test::tempPath("eval_fid_inception.safetensors");
    model::writeSafetensors(fidPath, fidInceptionTensors(), {});
    options.lpipsWeights.clear();
    options.fidWeights = fidPath;
    const EvalReport withFid = evaluate(weights, *data, options);
    EXPECT(withFid.hasFid && !withFid.hasLpips);
    EXPECT(withFid.notComputed.find("FID") == std::string::npos &&
           withFid.notComputed.find("LPIPS") != std::string::npos);
    EXPECT(std::isfinite(withFid.model.fid) && withFid.model.fid > 0.0 && withFid.copyBaseline.fid > 0.0);
    EXPECT(withFid.markdown().find("| FID |") != std::string::npos);
    EXPECT(withFid.json().find("\"fid\"") != std::string::npos);
    options.pairs = 1;
    EXPECT_THROWS(Error, evaluate(weights, *data, options), "at least two pairs");

    // Each branch's warp is measured alone at 1/4 scale, beside the copied reference at that scale.
    EXPECT(plain.deformation.hasAttention && plain.deformation.hasFlow);
    const auto config = weightsConfig(weights);
    std::vector<PairSample> samples;
    for (std::size_t i = 0; i < 4; ++i) samples.push_back(data->pair(i, i));
    const Batch b = makeBatch(samples, config);
    const auto quarter = [&](const at::Tensor& x) {
        return model::downsampleArea(x, config.height / 4, config.canvasWidth / 4);
    };
    EXPECT_NEAR(plain.deformation.copy.l1, l1Error(quarter(b.reference), quarter(b.target)), 1e-5);
    EXPECT(!plain.deformation.hasSsim);  // 8 x 8 at 1/4 scale of this tiny canvas: no 11 x 11 window fits
    for (const MetricRow* row : {&plain.deformation.attention, &plain.deformation.flow})
        EXPECT(row->l1 > 0.0 && row->psnr > 0.0);
    EXPECT(plain.markdown().find("| flow-warped reference |") != std::string::npos);
    EXPECT(plain.json().find("\"deformation_quarter_scale\"") != std::string::npos);
}

namespace {

// A 32 x 32 "photo" with a textured arm: neck, right shoulder, elbow and wrist in canvas pixels.
PersonPhoto armPhoto() {
    torch::manual_seed(5);
    PersonPhoto p;
    p.image = torch::rand({3, 32, 32}) * 2 - 1;
    p.pose.set(pose::JointId::Neck, 16, 6);
    p.pose.set(pose::JointId::RightShoulder, 10, 8);
    p.pose.set(pose::JointId::RightElbow, 8, 16);
    p.pose.set(pose::JointId::RightWrist, 8, 24);
    p.pose.set(pose::JointId::RightHip, 12, 26);
    return p;
}

}  // namespace

TEST_CASE(train_limb_warped_photos_pair_a_warped_copy_with_the_photo) {
    const PersonPhoto photo = armPhoto();
    LimbWarpedPhotos data({photo}, "photo arm.png", 32, 32);
    EXPECT_EQ(data.size(), LimbWarpedPhotos::kPairsPerPhoto);
    EXPECT_EQ(data.description(), std::string("photo arm.png"));
    const PairSample a = data.pair(4, 0), b = data.pair(4, 99), c = data.pair(6, 0);
    EXPECT(torch::equal(a.target, photo.image));  // even draws: from a warped copy to the untouched photo
    EXPECT(a.targetPose == photo.pose);
    EXPECT(torch::equal(a.reference, b.reference));  // the warp depends on the index only
    EXPECT(!torch::equal(a.reference, c.reference) || !(a.referencePose == c.referencePose));
    // Odd draws go the other way, as an edit does: from the photo to a warped copy in another pose.
    int moved = 0;
    for (std::size_t i = 1; i < 40; i += 2) {
        const PairSample odd = data.pair(i, 0);
        EXPECT(torch::equal(odd.reference, photo.image));
        EXPECT(odd.referencePose == photo.pose);
        moved += !(odd.targetPose == photo.pose);
    }
    EXPECT(moved > 10);

    PersonPhoto wrongSize = photo;
    wrongSize.image = torch::zeros({3, 16, 32});
    EXPECT_THROWS(Error, LimbWarpedPhotos({wrongSize}, "photo small.png", 32, 32), "[3, 32, 32]");
    PersonPhoto fewJoints = photo;
    fewJoints.pose = pose::Pose();
    fewJoints.pose.set(pose::JointId::Neck, 16, 6);
    fewJoints.pose.set(pose::JointId::RightHip, 12, 26);
    EXPECT_THROWS(Error, LimbWarpedPhotos({fewJoints}, "photo two.png", 32, 32), "at least 3 joints");
    EXPECT_THROWS(Error, LimbWarpedPhotos({}, "nothing", 32, 32), "no photo");
}

TEST_CASE(train_adaptation_fine_tunes_on_a_photo_records_its_origin_and_can_be_cancelled) {
    const std::string dir = test::tempPath("adapt");
    std::filesystem::create_directories(dir);
    TrainOptions o = test::tinyTrainOptions(dir);
    torch::manual_seed(8);
    model::Generator start(o.model);
    const std::string weights = dir + "/start.safetensors";
    model::saveGeneratorWeights(weights, *start,
                                R"j({"data":"synth-body (procedural, training seeds)","images_seen":1234,"steps":10})j",
                                model::StoredPrecision::Float32);

    AdaptationOptions options;
    options.steps = 3;
    options.batchSize = 2;
    options.device = engine::Device::Cpu;
    // Scratch run folders go to TMPDIR: a folder of this test's own, to see that none is left behind.
    const std::string scratch = dir + "/tmp";
    std::filesystem::create_directories(scratch);
    const char* oldTmp = std::getenv("TMPDIR");
    const std::string savedTmp = oldTmp ? oldTmp : "";
    setenv("TMPDIR", scratch.c_str(), 1);
    std::vector<AdaptationProgress> seen;
    const std::string adapted = dir + "/adapted.safetensors";
    const auto result = adaptWeights(AdaptationBase::read(weights), {armPhoto()}, "photo arm.png (limb-warped)",
                                     adapted, options, [&](const AdaptationProgress& p) {
                                         seen.push_back(p);
                                         return true;
                                     });
    EXPECT(result == AdaptationResult::Finished);
    EXPECT_EQ(seen.size(), std::size_t(3));
    EXPECT_EQ(seen.back().step, 3);
    EXPECT_EQ(seen.back().steps, 3);
    EXPECT(seen.back().pixelL1 > 0.0);
    // The adapted file is a generator of the same configuration whose record names the photo, and keeps
    // what the starting weights had learnt.
    const auto loaded = model::loadGeneratorWeights(adapted);
    EXPECT_EQ(loaded.generator->config().width, o.model.width);
    EXPECT_EQ(loaded.generator->config().height, o.model.height);
    EXPECT(loaded.generator->config().semantics == model::SemanticsKind::Body);
    const model::TrainingSummary summary = model::summarizeTraining(loaded.trainingJson);
    EXPECT(summary.adaptedToPhotos());
    EXPECT(!summary.syntheticOnly());
    EXPECT_EQ(summary.steps, std::uint64_t(3));
    EXPECT_EQ(summary.imagesSeen, std::uint64_t(6));
    EXPECT_EQ(summary.initWeights, std::string("start.safetensors"));
    EXPECT_EQ(summary.initImagesSeen, std::uint64_t(1234));
    EXPECT(summary.initData.rfind("synth-body", 0) == 0);
    // It learnt something: the weights moved (by about the learning rate, 1e-4, per step).
    bool moved = false;
    const auto before = start->named_parameters();
    for (const auto& p : loaded.generator->named_parameters())
        moved = moved || !torch::equal(p.value(), before[p.key()]);
    EXPECT(moved);
    // No scratch run folder is left behind.
    EXPECT(std::filesystem::is_empty(scratch));

    // Cancelled after the first step: nothing written, and the trainer's stop request does not linger.
    const std::string cancelled = dir + "/cancelled.safetensors";
    const auto stop = adaptWeights(AdaptationBase::read(weights), {armPhoto()}, "photo arm.png", cancelled, options,
                                   [](const AdaptationProgress&) { return false; });
    EXPECT(stop == AdaptationResult::Cancelled);
    EXPECT(!std::filesystem::exists(cancelled));
    EXPECT(!Trainer::stopRequested());
    EXPECT(std::filesystem::is_empty(scratch));
    if (oldTmp)
        setenv("TMPDIR", savedTmp.c_str(), 1);
    else
        unsetenv("TMPDIR");

    // Face weights and a missing file are refused with their reasons.
    TrainOptions faceOptions = test::tinyTrainOptions(dir);
    faceOptions.model.semantics = model::SemanticsKind::Face;
    model::Generator face(faceOptions.model);
    model::saveGeneratorWeights(dir + "/face.safetensors", *face, "{}", model::StoredPrecision::Float32);
    EXPECT_THROWS(Error,
                  adaptWeights(AdaptationBase::read(dir + "/face.safetensors"), {armPhoto()}, "photo",
                               dir + "/x.safetensors", options),
                  "needs body weights");
    EXPECT_THROWS(Error,
                  adaptWeights(AdaptationBase::read(dir + "/missing.safetensors"), {armPhoto()}, "photo",
                               dir + "/x.safetensors", options),
                  "missing.safetensors");
    AdaptationOptions none = options;
    none.steps = 0;
    EXPECT_THROWS(Error,
                  adaptWeights(AdaptationBase::read(weights), {armPhoto()}, "photo", dir + "/x.safetensors", none),
                  "at least one step");
}

namespace {

// A 32 x 32 face: 68 distinct points on rings around the centre, drawn as a bright disc.
FacePhoto ringFace() {
    FacePhoto f;
    for (int i = 0; i < face::kLandmarkCount; ++i) {
        const double angle = 2.0 * 3.14159265358979 * i / face::kLandmarkCount, radius = 5.0 + 2.0 * (i % 3);
        f.landmarks.points[static_cast<std::size_t>(i)] = {static_cast<float>(16.0 + radius * std::cos(angle)),
                                                           static_cast<float>(16.0 + 1.2 * radius * std::sin(angle))};
    }
    const auto ys = torch::arange(32, torch::kFloat).view({32, 1}), xs = torch::arange(32, torch::kFloat).view({1, 32});
    const auto disc = ((xs - 16).pow(2) + (ys - 16).pow(2) < 100).to(torch::kFloat);
    f.image = torch::stack({disc * 1.6f - 0.8f, disc * 0.8f - 0.4f, -disc * 0.5f}, 0);
    return f;
}

}  // namespace

TEST_CASE(train_adaptation_removes_the_scratch_folders_of_killed_processes) {
    const std::string folder = test::tempPath("scratch-leftovers");
    std::filesystem::create_directories(folder);
    // A process that has ended (reaped: its id names nobody now), this process, and names that are not ours.
    const pid_t ended = ::fork();
    if (ended == 0) ::_exit(0);
    ::waitpid(ended, nullptr, 0);
    const std::string dead = folder + "/marionette-adapt-" + std::to_string(ended) + "-17";
    const std::string alive = folder + "/marionette-adapt-" + std::to_string(::getpid()) + "-18";
    const std::string old = folder + "/marionette-adapt-123456789012345";  // the earlier naming: left alone
    const std::string other = folder + "/someone-else-" + std::to_string(ended) + "-1";
    for (const auto& d : {dead, alive, old, other}) std::filesystem::create_directories(d);
    std::ofstream(dead + "/checkpoint-000000004.pt") << "weights";
    EXPECT_EQ(removeAbandonedScratchFolders(folder), 1);
    EXPECT(!std::filesystem::exists(dead));
    for (const auto& d : {alive, old, other}) EXPECT(std::filesystem::exists(d));
    EXPECT_EQ(removeAbandonedScratchFolders(folder + "/missing"), 0);
}

TEST_CASE(train_adaptation_of_portrait_weights_warps_the_face_both_ways) {
    const FacePhoto photo = ringFace();
    LandmarkWarpedPhotos data({photo}, "photo face.png", 32, 32);
    EXPECT_EQ(data.size(), LandmarkWarpedPhotos::kPairsPerPhoto);
    const PairSample even = data.pair(4, 0), odd = data.pair(5, 0);
    EXPECT(torch::equal(even.target, photo.image));  // from a warped copy to the untouched face
    EXPECT(even.targetFace.has_value() && *even.targetFace == photo.landmarks);
    EXPECT(even.referenceFace.has_value() && !(*even.referenceFace == photo.landmarks));
    EXPECT(!torch::equal(even.reference, photo.image));
    EXPECT(torch::equal(odd.reference, photo.image));  // and from the face to a warped copy, as an edit does
    EXPECT(odd.referenceFace.has_value() && *odd.referenceFace == photo.landmarks);
    EXPECT(torch::equal(data.pair(4, 77).reference, even.reference));  // the warp depends on the index only
    FacePhoto wrongSize = photo;
    wrongSize.image = torch::zeros({3, 32, 16});
    EXPECT_THROWS(Error, LandmarkWarpedPhotos({wrongSize}, "photo small.png", 32, 32), "[3, 32, 32]");
    FacePhoto nan = photo;
    nan.landmarks.points[30].x = std::numeric_limits<float>::quiet_NaN();
    EXPECT_THROWS(Error, LandmarkWarpedPhotos({nan}, "photo nan.png", 32, 32), "photo nan.png");
    EXPECT_THROWS(Error, LandmarkWarpedPhotos({}, "nothing", 32, 32), "no face");

    const std::string dir = test::tempPath("adapt-face");
    std::filesystem::create_directories(dir);
    TrainOptions o = test::tinyTrainOptions(dir);
    o.model.semantics = model::SemanticsKind::Face;
    torch::manual_seed(9);
    model::Generator start(o.model);
    const std::string weights = dir + "/portrait.safetensors";
    model::saveGeneratorWeights(
        weights, *start, R"j({"data":"synth-portrait (procedural, training seeds)","images_seen":4321,"steps":9})j",
        model::StoredPrecision::Float32);
    const auto content = std::make_shared<const model::SafetensorsContent>(model::readSafetensors(weights));
    AdaptationOptions options;
    options.steps = 2;
    options.batchSize = 2;
    options.device = engine::Device::Cpu;
    const std::string adapted = dir + "/adapted.safetensors";
    EXPECT(adaptWeights(AdaptationBase::of(content, weights), {photo}, "photo face.png (landmark-warped)", adapted,
                        options) == AdaptationResult::Finished);
    const auto loaded = model::loadGeneratorWeights(adapted);
    EXPECT(loaded.generator->config().semantics == model::SemanticsKind::Face);
    const model::TrainingSummary summary = model::summarizeTraining(loaded.trainingJson);
    EXPECT(summary.adaptedToPhotos());
    EXPECT_EQ(summary.initImagesSeen, std::uint64_t(4321));
    EXPECT(summary.data.find("face.png") != std::string::npos);

    // Body weights do not adapt to a face, nor portrait weights to a person.
    TrainOptions bodyOptions = test::tinyTrainOptions(dir);
    model::Generator body(bodyOptions.model);
    model::saveGeneratorWeights(dir + "/body.safetensors", *body, "{}", model::StoredPrecision::Float32);
    const auto bodyContent =
        std::make_shared<const model::SafetensorsContent>(model::readSafetensors(dir + "/body.safetensors"));
    EXPECT_THROWS(Error,
                  adaptWeights(AdaptationBase::of(bodyContent, dir + "/body.safetensors"), {photo}, "photo",
                               dir + "/x.safetensors", options),
                  "needs portrait weights");
    EXPECT_THROWS(
        Error,
        adaptWeights(AdaptationBase::of(content, weights), {armPhoto()}, "photo", dir + "/x.safetensors", options),
        "needs body weights");
}

// ---- the flow prior and the supervised flow (model.md, "Flow prior") --------------------------------------

TEST_CASE(loss_visibility_decision_is_zero_for_a_decided_map_and_pushes_v_away_from_one_half) {
    EXPECT_NEAR(visibilityDecisionLoss(torch::ones({2, 1, 4, 3})).item<float>(), 0.0, 0.0);
    EXPECT_NEAR(visibilityDecisionLoss((torch::rand({2, 1, 4, 3}) > 0.5).to(torch::kFloat32)).item<float>(), 0.0, 0.0);
    EXPECT_NEAR(visibilityDecisionLoss(torch::full({1, 1, 2, 2}, 0.5f)).item<float>(), 1.0, 1e-6);
    // A step against the gradient moves each value away from one half, towards the end it is nearer.
    auto v = torch::tensor({0.1f, 0.4f, 0.6f, 0.9f}).view({1, 1, 2, 2}).requires_grad_(true);
    visibilityDecisionLoss(v).backward();
    const auto stepped = v.detach() - 0.1 * v.grad();
    EXPECT(((stepped - 0.5).abs() > (v.detach() - 0.5).abs()).all().item<bool>());
    EXPECT_THROWS(Error, visibilityDecisionLoss(torch::ones({2, 3, 4, 4})), "visibility map");
    EXPECT_NEAR(withLossWeights({}, "vis=0.1").visibilityDecision, 0.1, 0.0);
    EXPECT_NEAR(LossWeights{}.visibilityDecision, 0.0, 0.0);  // off by default
}

TEST_CASE(loss_supervised_flow_is_zero_for_the_true_flow_and_its_gradient_points_towards_it) {
    torch::manual_seed(8);
    const auto truth = torch::randn({2, 2, 8, 6}) * 3.0;
    auto known = (torch::rand({2, 1, 8, 6}) > 0.3).to(torch::kFloat32);
    EXPECT_NEAR(supervisedFlowLoss(truth, truth, known).item<float>(), 0.0, 0.0);
    auto flow = (truth + torch::randn({2, 2, 8, 6})).requires_grad_(true);
    const auto loss = supervisedFlowLoss(flow, truth, known);
    EXPECT(loss.item<float>() > 0.1f);
    loss.backward();
    // A small step against the gradient brings every known component closer to the truth; unknown ones get none.
    const auto stepped = flow.detach() - 0.01 * flow.grad() * known.sum().item<float>();
    const auto before = (flow.detach() - truth).abs(), after = (stepped - truth).abs();
    EXPECT((after.masked_select(known.expand_as(after) > 0.5f) < before.masked_select(known.expand_as(before) > 0.5f))
               .all()
               .item<bool>());
    EXPECT_EQ(flow.grad().masked_select(known.expand_as(after) < 0.5f).abs().sum().item<float>(), 0.f);
    EXPECT_NEAR(supervisedFlowLoss(flow, truth, torch::zeros_like(known)).item<float>(), 0.0, 0.0);
    EXPECT_THROWS(Error, supervisedFlowLoss(truth, truth, known.squeeze(1)), "supervised flow loss", "must agree");
    EXPECT_NEAR(withLossWeights({}, "sflow=2").supervisedFlow, 2.0, 0.0);
    EXPECT_NEAR(LossWeights{}.supervisedFlow, 0.0, 0.0);  // off by default
}

TEST_CASE(train_pairs_carry_a_flow_prior_consistent_with_their_skeletons) {
    MovingSquares squares(32);
    model::ModelConfig config = tinyOptions(test::tempPath("prior-batch")).model;
    config.flowPrior = true;
    const PairSample a = squares.pair(3, 1), b = squares.pair(9, 1);
    const Batch batch = makeBatch({a, b}, config, /*skeletonFlow=*/true);
    EXPECT(batch.flowPrior.sizes() == torch::IntArrayRef({2, 2, 32, 32}));
    for (int i = 0; i < 2; ++i) {
        const PairSample& p = i == 0 ? a : b;
        // The prior is the skeletons' limb warp at the canvas, and F's scales see the skel term's flows.
        const auto own = skeletonFlowOf(p.referencePose, p.targetPose, 32, 32, {1, 4, 8});
        EXPECT(torch::allclose(batch.flowPrior[i], own[0].flow, 0.0, 1e-5));
        EXPECT(torch::allclose(model::flowAtScale(batch.flowPrior.narrow(0, i, 1), 4)[0], batch.skeletonFlow4[i], 0.0,
                               1e-4));
        EXPECT(torch::allclose(model::flowAtScale(batch.flowPrior.narrow(0, i, 1), 8)[0], batch.skeletonFlow8[i], 0.0,
                               1e-4));
        // At each target joint the prior points at the same joint in the reference (the warp follows the bones).
        for (int j = 0; j < pose::kJointCount; ++j) {
            const auto t = p.targetPose.find(pose::jointAt(j)), r = p.referencePose.find(pose::jointAt(j));
            if (!t || !r) continue;
            const pose::Keypoint joint = *t;
            const int x = static_cast<int>(std::lround(joint.position.x)),
                      y = static_cast<int>(std::lround(joint.position.y));
            if (x < 0 || y < 0 || x >= 32 || y >= 32) continue;
            const float sx = static_cast<float>(x) + batch.flowPrior[i][0][y][x].item<float>();
            const float sy = static_cast<float>(y) + batch.flowPrior[i][1][y][x].item<float>();
            const float fx = r->position.x + (static_cast<float>(x) - joint.position.x),
                        fy = r->position.y + (static_cast<float>(y) - joint.position.y);
            EXPECT(std::hypot(sx - fx, sy - fy) < 1.5f);
        }
    }
    EXPECT(!makeBatch({a}, tinyOptions(test::tempPath("no-prior")).model).flowPrior.defined());  // models without it
}

TEST_CASE(train_portrait_pairs_carry_the_landmarks_spline_as_their_flow_prior) {
    const FacePhoto photo = ringFace();
    LandmarkWarpedPhotos data({photo}, "photo face.png", 32, 32);
    model::ModelConfig config = test::tinyModelConfig(model::SemanticsKind::Face);
    config.height = config.canvasWidth = 32;
    config.flowPrior = true;
    const PairSample edit = data.pair(5, 0), back = data.pair(4, 0);
    const Batch batch = makeBatch({edit, back}, config);
    EXPECT(batch.flowPrior.sizes() == torch::IntArrayRef({2, 2, 32, 32}));
    EXPECT(torch::allclose(batch.flowPrior[0], landmarkFlowOf(*edit.referenceFace, *edit.targetFace, 32, 32)));
    // The photo's edit was made by that very spline: the prior warp of its reference is its target.
    const auto warped = model::warpFlow(edit.reference.unsqueeze(0), batch.flowPrior.narrow(0, 0, 1))[0];
    EXPECT((warped - edit.target).abs().max().item<float>() < 1e-3f);
    // At each target landmark the prior points at the same landmark in the reference.
    for (int k = 0; k < 2; ++k) {
        const PairSample& p = k == 0 ? edit : back;
        for (int i = 0; i < face::kLandmarkCount; i += 7) {
            const Point2 t = p.targetFace->points[static_cast<std::size_t>(i)];
            const Point2 r = p.referenceFace->points[static_cast<std::size_t>(i)];
            const int x = static_cast<int>(std::lround(t.x)), y = static_cast<int>(std::lround(t.y));
            const float sx = static_cast<float>(x) + batch.flowPrior[k][0][y][x].item<float>();
            const float sy = static_cast<float>(y) + batch.flowPrior[k][1][y][x].item<float>();
            EXPECT(std::hypot(sx - (r.x + static_cast<float>(x) - t.x), sy - (r.y + static_cast<float>(y) - t.y)) <
                   1.0f);
        }
    }
    // The same landmarks: no motion.
    EXPECT(landmarkFlowOf(photo.landmarks, photo.landmarks, 32, 32).abs().max().item<float>() < 1e-3f);
    // Both directions know their true correspondence: for the edit the prior itself, for the way back its inverse.
    EXPECT(edit.targetSource.defined() && back.targetSource.defined());
    EXPECT(torch::allclose(edit.targetSource - model::pixelCentres(32, 32), batch.flowPrior[0], 0.0, 1e-4));
    const auto known = back.targetSourceKnown[0] > 0.5f;
    EXPECT(known.to(torch::kFloat32).mean().item<float>() > 0.8f);
    const auto made = synth::landmarkWarpSourceCoordinates(*back.targetFace, *back.referenceFace, 32, 32);
    const auto there = synth::sampleAtPixels(made.permute({2, 0, 1}), back.targetSource.permute({1, 2, 0}));
    EXPECT((std::get<0>((there - model::pixelCentres(32, 32)).abs().max(0)).masked_select(known) < 0.26f)
               .all()
               .item<bool>());
}

TEST_CASE(train_limb_warped_photos_know_their_true_flow_both_ways) {
    const PersonPhoto photo = armPhoto();
    LimbWarpedPhotos data({photo}, "photo arm.png", 32, 32);
    int checked = 0;
    for (std::size_t i = 0; i < 12; ++i) {
        const PairSample p = data.pair(i, 0);
        EXPECT(p.targetSource.defined() && p.targetSource.sizes() == torch::IntArrayRef({2, 32, 32}));
        const auto known = p.targetSourceKnown[0] > 0.5f;
        EXPECT(known.to(torch::kFloat32).mean().item<float>() > 0.8f);
        if (torch::equal(p.reference, photo.image)) {
            // The target is the warped photo: sampling the reference where the correspondence says gives it exactly.
            const auto resampled = synth::sampleAtPixels(p.reference, p.targetSource.permute({1, 2, 0}));
            EXPECT(torch::allclose(resampled, p.target, 0.0, 1e-5));
        } else {
            // The target is the photo: the correspondence inverts the warp that made the reference.
            const auto s = synth::limbWarpSourceCoordinates(p.targetPose, p.referencePose, 32, 32,
                                                            synth::LimbWarpConfig{}.blendAt(32))
                               .permute({2, 0, 1});
            const auto back = synth::sampleAtPixels(s, p.targetSource.permute({1, 2, 0}));
            const auto f32 = torch::TensorOptions(torch::kFloat32);
            const auto q = torch::stack({torch::arange(32, f32).view({1, 32}).expand({32, 32}),
                                         torch::arange(32, f32).view({32, 1}).expand({32, 32})});
            EXPECT((std::get<0>((back - q).abs().max(0)).masked_select(known) < 0.26f).all().item<bool>());
        }
        ++checked;
    }
    EXPECT_EQ(checked, 12);
    // Batches turn it into the true flow at s4 and s8; a flipped, jittered same-framing pair keeps it consistent.
    AugmentOptions jitter;
    jitter.flip = true;
    jitter.colourJitter = 0.0;
    const PairSample base = data.pair(1, 0);
    for (std::uint64_t seed = 0; seed < 4; ++seed) {
        const PairSample moved = augment(base, jitter, seed);
        const auto known = moved.targetSourceKnown[0] > 0.5f;
        const auto resampled = synth::sampleAtPixels(moved.reference, moved.targetSource.permute({1, 2, 0}));
        // Interior pixels: bilinear resampling of noise differs a little, a wrong correspondence by far more.
        const auto interior = known.narrow(0, 3, 26).narrow(1, 3, 26);
        const auto difference = (resampled - moved.target).abs().mean(0).narrow(0, 3, 26).narrow(1, 3, 26);
        EXPECT(difference.masked_select(interior).mean().item<float>() < 0.25f);
    }
    const Batch batch = makeBatch({base, data.pair(2, 0)}, tinyOptions(test::tempPath("true-flow")).model);
    EXPECT(batch.trueFlow4.sizes() == torch::IntArrayRef({2, 2, 8, 8}) &&
           batch.trueFlowKnown8.sizes() == torch::IntArrayRef({2, 1, 4, 4}));
    EXPECT(batch.trueFlowKnown4.sum().item<float>() > 0.f);
}

TEST_CASE(train_flow_prior_model_starts_from_weights_without_one_and_learns_the_supervised_flow) {
    const std::string dir = test::tempPath("prior_init");
    std::filesystem::create_directories(dir);
    TrainOptions plain = tinyOptions(dir + "/plain");
    torch::manual_seed(23);
    model::Generator plainModel(plain.model);
    const std::string weights = dir + "/plain.safetensors";
    model::saveGeneratorWeights(weights, *plainModel, "{}", model::StoredPrecision::Float32);

    TrainOptions o = tinyOptions(dir + "/prior");
    o.model.flowPrior = true;
    o.initWeights = weights;
    o.stage1Steps = 0;
    o.weights = withLossWeights(LossWeights{}, "perc=0,style=0,face=0,adv=0,flow=0,l1=1,sflow=1,vis=0.1");
    auto photos = std::make_shared<LimbWarpedPhotos>(std::vector<PersonPhoto>{armPhoto()}, "photo arm.png", 32, 32);
    Trainer trainer(o, photos);
    // Everything the plain model had is copied; the prior's parts start at zero.
    const auto source = plainModel->named_parameters();
    for (const auto& p : trainer.generator()->named_parameters()) {
        if (const auto* s = source.find(p.key()))
            EXPECT(torch::equal(*s, p.value()));
        else
            EXPECT_EQ(p.value().abs().sum().item<float>(), 0.f);
    }
    const Batch batch = makeBatch({photos->pair(1, 0), photos->pair(2, 0)}, o.model);
    const StepLosses first = trainer.trainStep(batch);
    EXPECT(first.terms.count("sflow") == 1 && first.terms.count("l1") == 1 && first.terms.count("vis") == 1);
    for (int i = 0; i < 4; ++i) trainer.trainStep(batch);
    EXPECT(std::isfinite(trainer.trainStep(batch).total));

    // Weights of the variant refuse to start a model without it.
    const std::string priorWeights = dir + "/prior.safetensors";
    trainer.exportWeights(priorWeights);
    // eval gives prior models the row with V decided per pixel, beside the prior warp.
    EvalOptions evalOptions;
    evalOptions.pairs = 2;
    evalOptions.batchSize = 2;
    evalOptions.device = engine::Device::Cpu;
    const EvalReport evaluated = evaluate(priorWeights, *photos, evalOptions);
    EXPECT(evaluated.hasThresholdedVisibility && evaluated.hasPriorWarp);
    EXPECT(std::isfinite(evaluated.thresholdedVisibility.psnr) && evaluated.thresholdedVisibility.ssim > 0.0);
    EXPECT(evaluated.markdown().find("| model, V at 0.5 |") != std::string::npos);
    EXPECT(evaluated.json().find("\"model_visibility_thresholded\"") != std::string::npos);
    TrainOptions back = tinyOptions(dir + "/back");
    back.initWeights = priorWeights;
    EXPECT_THROWS(Error, Trainer(back, std::make_shared<MovingSquares>(32)), "refine a flow prior");
}

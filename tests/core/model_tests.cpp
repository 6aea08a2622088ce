#include "check.h"
#include "tiny_models.h"

#include "marionette/model/blocks.h"
#include "marionette/model/discriminator.h"
#include "marionette/model/generator.h"
#include "marionette/model/warps.h"
#include "marionette/model/weights.h"
#include "marionette/util/cpu_threads.h"
#include "marionette/util/error.h"
#include "marionette/util/files.h"

#include <torch/torch.h>

#include <fstream>
#include <thread>

#include <dlfcn.h>

using namespace marionette;
using namespace marionette::model;

namespace {

ModelConfig tinyConfig(Deformation d, SemanticsKind kind = SemanticsKind::Body) {
    ModelConfig c = test::tinyModelConfig(kind);
    c.deformation = d;
    return c;
}

struct Inputs {
    torch::Tensor xr, sr, st;
};

Inputs randomInputs(const ModelConfig& c, int64_t n = 2) {
    torch::manual_seed(5);
    return {torch::rand({n, 3, c.height, c.canvasWidth}) * 2 - 1,
            torch::rand({n, c.semanticChannels(), c.height, c.canvasWidth}),
            torch::rand({n, c.semanticChannels(), c.height, c.canvasWidth})};
}

// Flow heads start at zero (identity warp); tests that need a non-trivial flow give them small weights.
void randomizeFlowHeads(GeneratorImpl& g) {
    if (g.flow.is_empty()) return;
    torch::NoGradGuard noGrad;
    for (auto* head : {&g.flow->head8, &g.flow->head4}) (*head)->weight.normal_(0.0, 0.05);
}

std::string readFixture(const std::string& name) { return files::readAll(test::dataPath("model/" + name), 1 << 20); }

}  // namespace

TEST_CASE(model_shapes_for_every_variant_and_semantics) {
    for (auto kind : {SemanticsKind::Body, SemanticsKind::Face}) {
        for (auto d : {Deformation::Full, Deformation::Attention, Deformation::Flow, Deformation::None}) {
            const ModelConfig c = tinyConfig(d, kind);
            Generator g(c);
            const Inputs in = randomInputs(c);
            const GeneratorOutput out = g->forward(in.xr, in.sr, in.st);
            EXPECT(out.image.sizes() == in.xr.sizes());
            EXPECT(out.image.abs().max().item<float>() <= 1.f);
            const int64_t hw4 = (c.height / 4) * (c.canvasWidth / 4), hw8 = (c.height / 8) * (c.canvasWidth / 8);
            EXPECT_EQ(out.attention4.defined(), c.usesAttention());
            EXPECT_EQ(out.flow4.defined(), c.usesFlow());
            EXPECT_EQ(out.mask4.defined(), c.usesCombination());
            if (c.usesAttention()) {
                EXPECT(out.attention4.sizes() == torch::IntArrayRef({2, hw4, hw4}));
                EXPECT(out.attention8.sizes() == torch::IntArrayRef({2, hw8, hw8}));
                EXPECT_NEAR(out.attention4.sum(1).mean().item<float>(), 1.0, 1e-5);  // softmax over reference positions
            }
            if (c.usesFlow()) EXPECT(out.flow4.sizes() == torch::IntArrayRef({2, 2, c.height / 4, c.canvasWidth / 4}));
            if (c.usesCombination())
                EXPECT(out.mask8.sizes() == torch::IntArrayRef({2, 1, c.height / 8, c.canvasWidth / 8}));
            Discriminator disc(c);
            EXPECT(disc(out.image).sizes() == torch::IntArrayRef({2, 1, c.height / 16, c.canvasWidth / 16}));
        }
    }
    EXPECT_THROWS(
        Error,
        Generator(tinyConfig(Deformation::Full))
            ->forward(torch::zeros({1, 3, 32, 32}), torch::zeros({1, 18, 32, 32}), torch::zeros({1, 18, 32, 32})),
        "reference image");
}

TEST_CASE(model_zero_flow_is_the_identity_warp) {
    torch::manual_seed(1);
    const auto x = torch::randn({2, 5, 16, 12});
    EXPECT(torch::allclose(warpFlow(x, torch::zeros({2, 2, 16, 12})), x, 0.0, 1e-5));
    // A whole-pixel shift samples the neighbour: w = (+1, 0) reads x at column j + 1.
    auto shift = torch::zeros({2, 2, 16, 12});
    shift.select(1, 0).fill_(1.f);
    const auto shifted = warpFlow(x, shift);
    EXPECT(torch::allclose(shifted.narrow(3, 0, 11), x.narrow(3, 1, 11), 0.0, 1e-5));
    EXPECT(torch::allclose(shifted.select(3, 11), x.select(3, 11), 0.0, 1e-5));  // border padding
}

TEST_CASE(model_upsampling_convolution_equals_upsample_then_convolve) {
    namespace F = torch::nn::functional;
    torch::manual_seed(3);
    const auto x = torch::randn({2, 5, 7, 6});
    const auto weight = torch::randn({4, 5, 3, 3});
    const auto bias = torch::randn({4});
    const auto upsampled = F::interpolate(
        x, F::InterpolateFuncOptions().scale_factor(std::vector<double>{2.0, 2.0}).mode(torch::kNearest));
    const auto expected = F::conv2d(upsampled, weight, F::Conv2dFuncOptions().bias(bias).padding(1));
    const auto got = upsampleNearestConv3x3(x, weight, bias);
    EXPECT(got.sizes() == expected.sizes());
    EXPECT(torch::allclose(got, expected, 1e-4, 1e-4));
    EXPECT(torch::allclose(upsampleNearestConv3x3(x, weight, {}), expected - bias.view({1, 4, 1, 1}), 1e-4, 1e-4));
    // Gradients flow to the input and to the unfolded kernel as through the two-step form.
    auto xg = x.clone().requires_grad_(true), wg = weight.clone().requires_grad_(true);
    auto xe = x.clone().requires_grad_(true), we = weight.clone().requires_grad_(true);
    upsampleNearestConv3x3(xg, wg, bias).square().sum().backward();
    F::conv2d(F::interpolate(
                  xe, F::InterpolateFuncOptions().scale_factor(std::vector<double>{2.0, 2.0}).mode(torch::kNearest)),
              we, F::Conv2dFuncOptions().bias(bias).padding(1))
        .square()
        .sum()
        .backward();
    EXPECT(torch::allclose(xg.grad(), xe.grad(), 1e-3, 1e-3));
    EXPECT(torch::allclose(wg.grad(), we.grad(), 1e-3, 1e-3));
}

TEST_CASE(model_up_block_keeps_its_folded_kernels_only_while_the_weights_are_unchanged) {
    torch::manual_seed(11);
    UpBlock up(4, 3);
    const auto x = torch::randn({2, 4, 5, 7});
    const auto trained = up(x);  // autograd on: folds every call
    torch::Tensor cached;
    {
        torch::NoGradGuard noGrad;
        cached = up(x);
        EXPECT(torch::allclose(cached, trained, 1e-5, 1e-5));
        up->block->conv->weight.mul_(-0.5);  // an optimiser step or a weights load changes them in place
        const auto after = up(x);
        up->block->conv->weight.div_(-0.5);
        EXPECT(!torch::allclose(after, cached, 1e-3, 1e-3));
        EXPECT(torch::allclose(up(x), cached, 1e-5, 1e-5));
    }
}

TEST_CASE(model_cpu_threads_leave_the_blas_library_single_threaded) {
    const int previous = at::get_num_threads();
    cpu_threads::configure(2);
    EXPECT_EQ(at::get_num_threads(), 2);
    // Debian's LibTorch uses OpenBLAS (pthreads): its workers must not compete with LibTorch's threads.
    using GetThreads = int();
    if (auto* threads = reinterpret_cast<GetThreads*>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads"))) {
        EXPECT_EQ(std::string(cpu_threads::blasName()), std::string("OpenBLAS"));
        EXPECT_EQ(threads(), 1);
    }
    // 0: one thread per core this process may use, at least one and at most one per logical processor.
    cpu_threads::configure(0);
    EXPECT_EQ(at::get_num_threads(), cpu_threads::defaultThreadCount());
    EXPECT(cpu_threads::defaultThreadCount() >= 1);
    EXPECT(cpu_threads::defaultThreadCount() <= static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
    EXPECT_EQ(cpu_threads::listedProcessorCount("0-1"), 2);
    EXPECT_EQ(cpu_threads::listedProcessorCount("0,4"), 2);
    EXPECT_EQ(cpu_threads::listedProcessorCount("3"), 1);
    EXPECT_EQ(cpu_threads::listedProcessorCount("0-3,8-11"), 8);
    cpu_threads::configure(previous);
}

TEST_CASE(model_cpu_threads_flush_denormals_on_every_thread) {
    const int previous = at::get_num_threads();
    cpu_threads::configure(2);
    // 1e-39 is below float's normal range: treated as zero in inputs, on the element-wise kernels' threads too
    // (the tensor is large enough to be split over both).
    torch::NoGradGuard noGrad;
    const auto tiny = torch::full({1 << 18}, 1e-39f);
    EXPECT_EQ((tiny * 4.0f).abs().max().item<float>(), 0.0f);
    EXPECT_EQ(torch::exp(torch::full({1 << 18}, -95.0f)).max().item<float>(), 0.0f);  // e^-95 is denormal: flushed
    EXPECT(torch::exp(torch::full({4}, -80.0f)).min().item<float>() > 0.0f);          // e^-80 is normal: kept
    cpu_threads::configure(previous);
}

TEST_CASE(model_cpu_threads_ask_openblas_for_kernels_the_processor_can_run) {
    // A processor newer than the library gets its SSE3 fallback; the AVX-512 or AVX2 kernels are asked for instead.
    EXPECT_EQ(std::string(cpu_threads::blasKernelFor("Prescott", true, true)), std::string("SkylakeX"));
    EXPECT_EQ(std::string(cpu_threads::blasKernelFor("Prescott", false, true)), std::string("Haswell"));
    EXPECT_EQ(std::string(cpu_threads::blasKernelFor("Core2", false, true)), std::string("Haswell"));
    EXPECT(cpu_threads::blasKernelFor("Prescott", false, false) == nullptr);  // an old processor keeps it
    EXPECT(cpu_threads::blasKernelFor("Haswell", true, true) == nullptr);     // a kernel with AVX2 is left alone
    EXPECT(cpu_threads::blasKernelFor("Zen", true, true) == nullptr);
    EXPECT(cpu_threads::blasKernelFor("SkylakeX", true, true) == nullptr);
}

TEST_CASE(model_split_matrix_products_equal_bmm) {
    torch::manual_seed(12);
    const int previous = at::get_num_threads();
    at::set_num_threads(2);
    torch::NoGradGuard noGrad;
    for (const auto& [rows, inner, cols] :
         std::vector<std::tuple<int64_t, int64_t, int64_t>>{{37, 9, 11}, {5, 13, 41}, {1, 3, 1}}) {
        const auto a = torch::randn({2, rows, inner}), b = torch::randn({2, inner, cols});
        EXPECT(torch::allclose(batchedMatmul(a, b), at::bmm(a, b), 1e-5, 1e-5));
        const auto bt = torch::randn({2, cols, inner}).transpose(1, 2);  // a transposed view, as the attention is
        EXPECT(torch::allclose(batchedMatmul(a, bt), at::bmm(a, bt), 1e-5, 1e-5));
    }
    at::set_num_threads(previous);
}

TEST_CASE(model_split_matrix_products_have_bmms_gradients) {
    torch::manual_seed(13);
    const int previous = at::get_num_threads();
    at::set_num_threads(2);
    for (const auto& [rows, inner, cols] :
         std::vector<std::tuple<int64_t, int64_t, int64_t>>{{37, 9, 11}, {5, 13, 41}}) {
        for (int which = 0; which < 3; ++which) {  // both inputs need gradients, only a, only b
            const auto a0 = torch::randn({3, rows, inner}), b0 = torch::randn({3, cols, inner}).transpose(1, 2);
            const auto weights = torch::randn({3, rows, cols});
            auto run = [&](bool split) {
                auto a = a0.clone().requires_grad_(which != 2);
                auto b = b0.clone().requires_grad_(which != 1);
                const auto product = split ? batchedMatmul(a, b) : at::bmm(a, b);
                (product * weights).sum().backward();
                return std::make_tuple(product.detach(), a.grad(), b.grad());
            };
            const auto [splitProduct, splitA, splitB] = run(true);
            const auto [plainProduct, plainA, plainB] = run(false);
            EXPECT(torch::allclose(splitProduct, plainProduct, 1e-5, 1e-5));
            EXPECT_EQ(splitA.defined(), plainA.defined());
            EXPECT_EQ(splitB.defined(), plainB.defined());
            if (plainA.defined()) EXPECT(torch::allclose(splitA, plainA, 1e-4, 1e-5));
            if (plainB.defined()) EXPECT(torch::allclose(splitB, plainB, 1e-4, 1e-5));
        }
    }
    at::set_num_threads(previous);
}

TEST_CASE(model_instance_norm_matches_libtorch_instance_norm) {
    torch::manual_seed(4);
    torch::nn::InstanceNorm2d norm(torch::nn::InstanceNorm2dOptions(6).affine(true));
    {
        torch::NoGradGuard noGrad;
        norm->weight.uniform_(0.5, 1.5);
        norm->bias.uniform_(-1, 1);
    }
    const auto x = torch::randn({3, 6, 9, 5}) * 3 + 1;
    EXPECT(torch::allclose(instanceNorm(x, norm), norm(x), 1e-5, 1e-5));
}

TEST_CASE(model_one_hot_attention_copies_the_chosen_positions) {
    torch::manual_seed(2);
    const auto x = torch::randn({1, 4, 3, 5});  // 15 reference positions
    auto c = torch::zeros({1, 15, 6});          // 6 target positions (2 x 3)
    const std::vector<int64_t> source{14, 0, 7, 7, 3, 9};
    for (int64_t t = 0; t < 6; ++t) c[0][source[static_cast<std::size_t>(t)]][t] = 1.f;
    const auto out = warpAttention(x, c, 2, 3).flatten(2);
    const auto flat = x.flatten(2);
    for (int64_t t = 0; t < 6; ++t)
        EXPECT(torch::allclose(out.select(2, t), flat.select(2, source[static_cast<std::size_t>(t)])));

    // With alpha = 100, a query equal to one key attends to it almost exclusively.
    auto keys = l2NormalizeChannels(torch::randn({1, 8, 3, 5}));
    const auto queries = keys.flatten(2).index_select(2, torch::tensor({4})).view({1, 8, 1, 1});
    const auto attention = attentionMatrix(keys, queries);
    EXPECT(attention[0][4][0].item<float>() > 0.5f);
    EXPECT_EQ(attention[0].argmax().item<int64_t>(), 4);
}

TEST_CASE(model_combination_one_is_attention_and_zero_is_flow) {
    for (const float bias : {60.f, -60.f}) {
        Generator full(tinyConfig(Deformation::Full));
        randomizeFlowHeads(*full);
        {
            torch::NoGradGuard noGrad;
            for (auto comb : {full->combination->s8, full->combination->s4}) {
                comb->out->weight.zero_();
                comb->out->bias.fill_(bias);  // m = sigmoid(+-60): 1 or 0 in fp32
            }
        }
        Generator single(tinyConfig(bias > 0 ? Deformation::Attention : Deformation::Flow));
        SafetensorsContent state;
        state.tensors = moduleState(*full, StoredPrecision::Float32);
        loadModuleState(*single, state, "full model", "", /*allowOthers=*/true);
        const Inputs in = randomInputs(full->config());
        const auto a = full->forward(in.xr, in.sr, in.st).image;
        const auto b = single->forward(in.xr, in.sr, in.st).image;
        EXPECT(torch::allclose(a, b, 1e-5, 1e-5));
    }
}

TEST_CASE(model_cached_reference_matches_a_full_forward) {
    Generator g(tinyConfig(Deformation::Full));
    randomizeFlowHeads(*g);
    g->eval();
    const Inputs in = randomInputs(g->config(), 1);
    torch::NoGradGuard noGrad;
    const ReferenceEncoding ref = g->encodeReference(in.xr, in.sr);
    for (int i = 0; i < 2; ++i) {
        const auto target = i == 0 ? in.st : in.st.flip({3});
        const auto cached = g->synthesize(ref, target);
        const auto fresh = g->forward(in.xr, in.sr, target);
        EXPECT(torch::allclose(cached.image, fresh.image, 0.0, 1e-5));
        EXPECT(torch::allclose(cached.flow4, fresh.flow4, 0.0, 1e-5));
    }
}

TEST_CASE(model_backward_reaches_every_parameter) {
    for (auto d : {Deformation::Full, Deformation::None}) {
        Generator g(tinyConfig(d));
        randomizeFlowHeads(*g);
        Discriminator disc(g->config());
        const Inputs in = randomInputs(g->config());
        const auto out = g->forward(in.xr, in.sr, in.st);
        (out.image.square().mean() + disc(out.image).mean()).backward();
        for (const auto& p : g->named_parameters()) {
            const bool reached = p.value().grad().defined() && p.value().grad().abs().sum().item<float>() > 0.f;
            if (!reached) test::recordFailure(__FILE__, __LINE__, "no gradient reaches " + p.key());
        }
        for (const auto& p : disc->named_parameters()) EXPECT(p.value().grad().defined());
    }
}

TEST_CASE(model_parameter_names_and_shapes_match_the_golden_list) {
    // The tensor names are the weights format: a change here breaks every shipped file.
    // Both normalisations of the appearance blocks: instance is the layout of every file written before
    // the choice existed (the shipped early weights).
    for (auto n : {Normalization::Instance, Normalization::None}) {
        for (auto d : {Deformation::Full, Deformation::None}) {
            ModelConfig c = ModelConfig::body();
            c.deformation = d;
            c.appearanceNorm = n;
            Generator g(c);
            std::ostringstream listing;
            for (const auto& p : g->named_parameters()) {
                listing << p.key();
                for (auto s : p.value().sizes()) listing << ' ' << s;
                listing << '\n';
            }
            const std::string golden = std::string("golden_keys_") + toString(d) + "_body_c32" +
                                       (n == Normalization::None ? "_appearance_norm_none" : "") + ".txt";
            if (std::getenv("MARIONETTE_UPDATE_GOLDEN"))
                files::writeAtomically(test::dataPath("model/" + golden), listing.str());
            EXPECT(listing.str() == readFixture(golden));
        }
    }
    Generator g(ModelConfig::body());
    Discriminator disc(ModelConfig::body());
    std::cerr << "    parameters at c = 32, K = 64, body: generator " << parameterCount(*g) << ", discriminator "
              << parameterCount(*disc) << '\n';
}

TEST_CASE(model_config_json_round_trip_and_errors) {
    ModelConfig c = ModelConfig::small(ModelConfig::face());
    c.deformation = Deformation::Flow;
    const ModelConfig back = ModelConfig::fromJson(c.toJson());
    EXPECT_EQ(back.toJson(), c.toJson());
    EXPECT_EQ(back.width, 16);
    EXPECT_THROWS(Error, ModelConfig::fromJson("{\"semantics\":\"body\"}"), "incomplete");
    EXPECT_THROWS(Error, ModelConfig::fromJson(R"({"semantics":"cat","c":8,"K":8,"H":64,"W":64,"deformation":"full"})"),
                  "cat");
    EXPECT_THROWS(Error,
                  ModelConfig::fromJson(R"({"semantics":"body","c":8,"K":8,"H":65,"W":64,"deformation":"full"})"),
                  "multiple of 16");
    EXPECT_THROWS(Error,
                  ModelConfig::fromJson(R"({"semantics":"body","P":9,"c":8,"K":8,"H":64,"W":64,"deformation":"full"})"),
                  "P is 9");
    // New models leave the appearance blocks unnormalised; files without the key are the older layout.
    EXPECT(ModelConfig::body().appearanceNorm == Normalization::None);
    EXPECT(back.appearanceNorm == Normalization::None);
    const std::string older = R"({"semantics":"body","c":8,"K":8,"H":64,"W":64,"deformation":"full"})";
    EXPECT(ModelConfig::fromJson(older).appearanceNorm == Normalization::Instance);
    EXPECT_THROWS(
        Error,
        ModelConfig::fromJson(
            R"({"semantics":"body","c":8,"K":8,"H":64,"W":64,"deformation":"full","appearance_norm":"batch"})"),
        "batch", "instance or none");
}

TEST_CASE(model_instance_norm_hides_the_reference_colour_and_the_unnormalised_encoder_keeps_it) {
    // The reason the appearance blocks are unnormalised: instance norm after a convolution removes any
    // colour added to the whole image (only the zero-padded border leaks it), so a decoder behind it cannot
    // tell a pink wall from a grey one.
    torch::manual_seed(21);
    const auto image = torch::rand({1, 3, 128, 96}) * 1.2 - 0.8;
    const auto shifted = image + torch::tensor({0.4f, -0.1f, 0.2f}).view({1, 3, 1, 1});
    auto change = [&](Normalization n) {
        FeatureEncoder encoder(3, 8, n);
        torch::NoGradGuard noGrad;
        const auto a = encoder(image).s4, b = encoder(shifted).s4;
        const auto interior = [](const at::Tensor& t) {
            return t.narrow(2, 2, t.size(2) - 4).narrow(3, 2, t.size(3) - 4);
        };
        return ((interior(a) - interior(b)).abs().mean() / interior(a).abs().mean()).item<double>();
    };
    const double instance = change(Normalization::Instance), none = change(Normalization::None);
    std::cerr << "    relative change of s4 features for a colour shift: instance norm " << instance << ", none "
              << none << '\n';
    EXPECT(none > 0.05);
    EXPECT(instance < 0.1 * none);
}

// ---- the flow prior (model.md, "Flow prior") --------------------------------------------------------------

namespace {

ModelConfig priorConfig(Deformation d, SemanticsKind kind = SemanticsKind::Body) {
    ModelConfig c = tinyConfig(d, kind);
    c.flowPrior = true;
    return c;
}

// A smooth prior of a few pixels: random at s8, brought to the canvas.
torch::Tensor smoothCanvasFlow(const ModelConfig& c, int64_t n, double pixels) {
    torch::manual_seed(17);
    return upsampleFlow(torch::randn({n, 2, c.height / 8, c.canvasWidth / 8}) * (pixels / 8.0), c.height,
                        c.canvasWidth);
}

// Every weight of a generator drawn afresh (the zero-initialised heads too), so that copies are told apart.
void randomizeEverything(GeneratorImpl& g) {
    torch::NoGradGuard noGrad;
    for (auto& p : g.parameters()) p.normal_(0.0, 0.1);
}

SafetensorsContent inMemory(GeneratorImpl& g) {
    const std::map<std::string, std::string> meta{
        {"marionette.format",
         std::to_string(g.config().usesFlowPrior() ? kFlowPriorWeightsFormatVersion : kPlainWeightsFormatVersion)},
        {"marionette.config", g.config().toJson()}};
    return parseSafetensors(serializeSafetensors(moduleState(g, StoredPrecision::Float32), meta), "memory.safetensors");
}

}  // namespace

TEST_CASE(model_flow_prior_untrained_residual_and_visibility_one_reproduce_the_prior_warp) {
    for (const auto& [d, kind] :
         {std::pair{Deformation::Full, SemanticsKind::Body}, std::pair{Deformation::Flow, SemanticsKind::Body},
          std::pair{Deformation::Full, SemanticsKind::Face}}) {
        Generator g(priorConfig(d, kind));
        g->eval();
        const Inputs in = randomInputs(g->config());
        const auto canvasFlow = smoothCanvasFlow(g->config(), 2, 6.0);
        const FlowPrior prior = flowPriorFromCanvas(canvasFlow);
        torch::NoGradGuard noGrad;
        const GeneratorOutput out = g->forward(in.xr, in.sr, in.st, canvasFlow);
        // Zero residual: F returns the prior at both scales and at the canvas, bit for bit.
        EXPECT(torch::equal(out.flow8, prior.s8));
        EXPECT(torch::equal(out.flow4, prior.s4));
        EXPECT(torch::equal(out.flowCanvas, canvasFlow));
        // V = 1: the output is the reference warped by the prior at the canvas, exactly.
        EXPECT(torch::equal(out.visibility, torch::ones({2, 1, g->config().height, g->config().canvasWidth})));
        EXPECT(torch::equal(out.image, warpFlow(in.xr, canvasFlow)));
        EXPECT(out.decoded.sizes() == out.image.sizes());
        EXPECT_EQ(out.mask4.defined(), d == Deformation::Full);  // m between attention and flow stays (eq. 7)
    }
    // The prior is required by such a model and refused by others, with a sentence.
    Generator g(priorConfig(Deformation::Full));
    const Inputs in = randomInputs(g->config(), 1);
    EXPECT_THROWS(Error, g->forward(in.xr, in.sr, in.st), "refines a flow prior");
    EXPECT_THROWS(Error, g->forward(in.xr, in.sr, in.st, torch::zeros({1, 2, 8, 8})), "flow prior must be");
    Generator plain(tinyConfig(Deformation::Full));
    EXPECT_THROWS(Error, plain->forward(in.xr, in.sr, in.st, torch::zeros({1, 2, 64, 48})), "takes no flow prior");
}

TEST_CASE(model_flow_prior_thresholded_visibility_picks_each_pixel_from_the_warp_or_the_decoder) {
    Generator g(priorConfig(Deformation::Full));
    g->eval();
    const Inputs in = randomInputs(g->config());
    const auto canvasFlow = smoothCanvasFlow(g->config(), 2, 6.0);
    torch::NoGradGuard noGrad;
    // Untrained, V = 1: the prior warp itself.
    EXPECT(torch::equal(composeByThresholdedVisibility(g->forward(in.xr, in.sr, in.st, canvasFlow)),
                        warpFlow(in.xr, canvasFlow)));
    // Trained weights (drawn at random here): each pixel is the warp's or the decoder's, as V is above or below 0.5.
    randomizeEverything(*g);
    const GeneratorOutput out = g->forward(in.xr, in.sr, in.st, canvasFlow);
    const auto kept = (out.visibility >= 0.5).expand_as(out.image);
    const auto composed = composeByThresholdedVisibility(out);
    EXPECT(kept.any().item<bool>() && (~kept).any().item<bool>());
    EXPECT(torch::equal(composed.masked_select(kept), out.canvasWarped.masked_select(kept)));
    EXPECT(torch::equal(composed.masked_select(~kept), out.decoded.masked_select(~kept)));
    // A model without the prior has no V to threshold.
    Generator plain(tinyConfig(Deformation::Full));
    plain->eval();
    EXPECT_THROWS(Error, composeByThresholdedVisibility(plain->forward(in.xr, in.sr, in.st)), "visibility map");
}

TEST_CASE(model_flow_prior_scales_are_cell_averages_in_each_grids_pixels) {
    // A uniform shift of 8 canvas pixels is 2 pixels at s4 and 1 at s8; upsampling gives the canvas back.
    auto flow = torch::zeros({1, 2, 64, 48});
    flow.select(1, 0).fill_(8.f);
    const FlowPrior p = flowPriorFromCanvas(flow);
    EXPECT(torch::allclose(p.s4, torch::full({1, 2, 16, 12}, 2.f) * torch::tensor({1.f, 0.f}).view({1, 2, 1, 1})));
    EXPECT(torch::allclose(p.s8.select(1, 0), torch::ones({1, 8, 6})));
    EXPECT(torch::allclose(upsampleFlow(p.s4, 64, 48), flow));
    EXPECT_THROWS(Error, flowAtScale(torch::zeros({1, 2, 60, 48}), 8), "cells of 8");
}

TEST_CASE(model_flow_prior_loads_weights_without_one_and_keeps_their_output) {
    // What is checked: a model without the prior (random weights, its flow heads too) saved and loaded into the
    // flow-prior variant. Given the old model's own flows as the prior (s8 and s4 exactly, the canvas as w4
    // upsampled), the new model's flows equal the old flows and its decoder's image G equals the old model's
    // output, because the new input convolutions and heads are zero; its output is then the canvas warp (V = 1).
    Generator old(tinyConfig(Deformation::Full));
    randomizeEverything(*old);
    old->eval();
    const SafetensorsContent file = inMemory(*old);
    Generator upgraded(priorConfig(Deformation::Full));
    const auto fresh = loadGeneratorState(*upgraded, file, "memory.safetensors");
    EXPECT_EQ(fresh.size(),
              std::size_t(10));  // prior_in8, prior_in4, residual8, residual4, visibility: weight and bias
    for (const auto& name : fresh) {
        const at::Tensor t = upgraded->named_parameters()[name];
        EXPECT_EQ(t.abs().sum().item<float>(), 0.f);
    }
    upgraded->eval();
    const Inputs in = randomInputs(old->config());
    torch::NoGradGuard noGrad;
    const GeneratorOutput before = old->forward(in.xr, in.sr, in.st);
    const ReferenceEncoding ref = upgraded->encodeReference(in.xr, in.sr);
    const FlowPrior own{upsampleFlow(before.flow4, 64, 48), before.flow4, before.flow8};
    const GeneratorOutput after = upgraded->synthesize(ref, in.st, own);
    EXPECT(torch::allclose(after.flow8, before.flow8, 0.0, 1e-6));
    EXPECT(torch::allclose(after.flow4, before.flow4, 0.0, 1e-6));
    EXPECT(torch::allclose(after.mask4, before.mask4, 0.0, 1e-5));
    EXPECT(torch::allclose(after.decoded, before.image, 0.0, 1e-5));
    EXPECT(torch::allclose(after.image, warpFlow(in.xr, own.canvas), 0.0, 1e-6));
    // The other way is refused with a sentence; a file of the variant records it (format 3, "flow_prior").
    Generator plain(tinyConfig(Deformation::Full));
    const SafetensorsContent priorFile = inMemory(*upgraded);
    EXPECT_THROWS(Error, loadGeneratorState(*plain, priorFile, "prior.safetensors"), "prior.safetensors",
                  "refine a flow prior");
    EXPECT(configFromMetadata(priorFile, "prior.safetensors").usesFlowPrior());
    EXPECT(loadGeneratorWeights(priorFile, "prior.safetensors").generator->config().usesFlowPrior());
    const std::string priorPath = test::tempPath("flow_prior.safetensors"),
                      plainPath = test::tempPath("plain.safetensors");
    saveGeneratorWeights(priorPath, *upgraded, "{}", StoredPrecision::Float32);
    EXPECT_EQ(readSafetensors(priorPath).metadata.at("marionette.format"), std::string("3"));
    saveGeneratorWeights(plainPath, *plain, "{}", StoredPrecision::Float32);
    EXPECT_EQ(readSafetensors(plainPath).metadata.at("marionette.format"), std::string("2"));
}

TEST_CASE(model_flow_prior_config_round_trip_and_errors) {
    ModelConfig c = priorConfig(Deformation::Flow);
    EXPECT(ModelConfig::fromJson(c.toJson()).usesFlowPrior());
    EXPECT(c.toJson().find("flow_prior") != std::string::npos);
    // Configurations without it keep their text (checkpoints compare it).
    EXPECT(tinyConfig(Deformation::Full).toJson().find("flow_prior") == std::string::npos);
    EXPECT(!ModelConfig::fromJson(tinyConfig(Deformation::Full).toJson()).usesFlowPrior());
    ModelConfig attention = priorConfig(Deformation::Attention);
    EXPECT_THROWS(Error, attention.validate(), "flow prior needs a variant with flow");
    priorConfig(Deformation::Full, SemanticsKind::Face).validate();  // portraits: the landmarks' spline
    EXPECT(ModelConfig::fromJson(priorConfig(Deformation::Full, SemanticsKind::Face).toJson()).usesFlowPrior());
}

TEST_CASE(model_flow_prior_gradients_reach_the_residual_and_the_visibility_head) {
    Generator g(priorConfig(Deformation::Full));
    const Inputs in = randomInputs(g->config());
    const auto out = g->forward(in.xr, in.sr, in.st, smoothCanvasFlow(g->config(), 2, 4.0));
    (out.image - in.st.narrow(1, 0, 3)).abs().mean().backward();
    for (const char* name : {"flow.residual4.weight", "dec.visibility.weight", "dec.visibility.bias"}) {
        const auto grad = g->named_parameters()[name].grad();
        if (!grad.defined() || grad.abs().sum().item<float>() == 0.f)
            test::recordFailure(__FILE__, __LINE__, std::string("no gradient reaches ") + name);
    }
}

TEST_CASE(model_config_refuses_sizes_beyond_int) {
    // A size beyond int's range was converted without a check (undefined behaviour): now a sentence.
    std::string text = ModelConfig::body().toJson();
    const auto at = text.find("\"c\":");
    EXPECT(at != std::string::npos);
    const auto end = text.find_first_of(",}", at);
    text.replace(at, end - at, "\"c\": 1e300");
    EXPECT_THROWS(Error, ModelConfig::fromJson(text), "the model configuration's c", "out of range");
    EXPECT_EQ(ModelConfig::fromJson(ModelConfig::body().toJson()).width, ModelConfig::body().width);
    // A fraction was cut to a whole number (16.5 read as 16): now refused; 16.0 is a whole number.
    text.replace(text.find("1e300"), 5, "16.5");
    EXPECT_THROWS(Error, ModelConfig::fromJson(text), "the model configuration's c", "not a whole number");
    text.replace(text.find("16.5"), 4, "16.0");
    EXPECT_EQ(ModelConfig::fromJson(text).width, 16);
}

#include "check.h"

#include "marionette/engine/engine.h"
#include "marionette/engine/op_profile.h"
#include "marionette/model/warps.h"
#include "marionette/model/weights.h"
#include "marionette/util/error.h"
#include "marionette/util/files.h"

#include <torch/types.h>

#include <cstdio>

using namespace marionette;
using namespace marionette::engine;

namespace {

model::ModelConfig tinyBody() {
    model::ModelConfig c;
    c.width = 4;
    c.keyChannels = 8;
    c.height = 64;
    c.canvasWidth = 48;
    return c;
}

model::Generator tinyGenerator() {
    torch::manual_seed(3);
    model::Generator g(tinyBody());
    torch::NoGradGuard noGrad;
    g->flow->head4->weight.normal_(0.0, 0.05);  // a non-trivial flow
    g->flow->head8->weight.normal_(0.0, 0.05);
    return g;
}

}  // namespace

TEST_CASE(engine_cached_synthesis_matches_the_generator) {
    auto g = tinyGenerator();
    const std::string path = test::tempPath("engine.safetensors");
    model::saveGeneratorWeights(path, *g, "{}", model::StoredPrecision::Float32);
    Engine engine(path, {Device::Cpu, 0});
    EXPECT(!engine.isPrepared());
    EXPECT_THROWS(Error, engine.synthesize(torch::zeros({18, 64, 48})), "prepare");

    torch::manual_seed(4);
    const auto xr = torch::rand({3, 64, 48}) * 2 - 1;
    const auto sr = torch::rand({18, 64, 48});
    engine.prepare(xr, sr);
    g->eval();
    for (int i = 0; i < 3; ++i) {
        const auto st = torch::rand({18, 64, 48});
        const auto result = engine.synthesize(st);
        torch::NoGradGuard noGrad;
        const auto expected = g->forward(xr.unsqueeze(0), sr.unsqueeze(0), st.unsqueeze(0)).image.squeeze(0);
        EXPECT(torch::allclose(result.image, expected, 0.0, 1e-5));
        EXPECT(!result.timings.empty());
        EXPECT(result.totalMilliseconds > 0.0);
    }
    EXPECT_THROWS(Error, engine.prepare(torch::zeros({3, 32, 32}), sr), "reference image", "[3, 64, 48]");
    EXPECT_THROWS(Error, engine.synthesize(torch::zeros({9, 64, 48})), "target semantics");
}

TEST_CASE(engine_cuda_graph_replays_match_eager_edits) {
    if (!cudaAvailable()) {
        std::printf("engine_cuda_graph_replays_match_eager_edits: no CUDA device, the CPU path is checked instead\n");
        Engine engine(tinyGenerator(), {Device::Cpu, 0, /*cudaGraph=*/true, /*half=*/true});
        engine.prepare(torch::zeros({3, 64, 48}), torch::zeros({18, 64, 48}));
        engine.synthesize(torch::zeros({18, 64, 48}));
        EXPECT(!engine.replaysCudaGraph());
        EXPECT(!engine.halfPrecision());  // fp16 is for CUDA only
        return;
    }
    auto g = tinyGenerator();
    Engine eager(g, {Device::Cuda, 0, /*cudaGraph=*/false});
    Engine graph(g, {Device::Cuda, 0, /*cudaGraph=*/true});
    Engine half(tinyGenerator(), {Device::Cuda, 0, /*cudaGraph=*/true, /*half=*/true});
    EXPECT(half.halfPrecision());
    torch::manual_seed(5);
    const auto xr = torch::rand({3, 64, 48}) * 2 - 1;
    const auto sr = torch::rand({18, 64, 48});
    for (int photo = 0; photo < 2; ++photo) {  // a new reference records a new graph
        eager.prepare(xr + 0.1 * photo, sr);
        graph.prepare(xr + 0.1 * photo, sr);
        half.prepare(xr + 0.1 * photo, sr);
        for (int i = 0; i < 3; ++i) {
            const auto st = torch::rand({18, 64, 48});
            const auto expected = eager.synthesize(st).image;
            const auto replayed = graph.synthesize(st).image;
            EXPECT(graph.replaysCudaGraph());
            EXPECT(torch::allclose(replayed, expected, 1e-4, 1e-4));
            EXPECT(torch::allclose(half.synthesize(st).image, expected, 0.0, 2e-2));  // fp16: about 3 decimal digits
        }
        // Maps need the eager path's intermediate results: it is still taken when they are asked for.
        MapRequest maps;
        maps.flow = true;
        EXPECT(graph.synthesize(sr, maps).flow.defined());
    }
}

TEST_CASE(engine_operator_profile_counts_outermost_operators_of_an_edit) {
    Engine engine(tinyGenerator(), {Device::Cpu, 0});
    engine.prepare(torch::zeros({3, 64, 48}), torch::zeros({18, 64, 48}));
    std::vector<OpTime> totals;
    {
        OpProfile profile(/*withShapes=*/true);
        EXPECT_THROWS(Error, OpProfile(), "one operator profile");
        engine.synthesize(torch::zeros({18, 64, 48}));
        engine.synthesize(torch::zeros({18, 64, 48}));
        totals = profile.totals();
    }
    EXPECT(!totals.empty());
    long convolutions = 0;
    for (std::size_t i = 0; i < totals.size(); ++i) {
        if (i > 0) EXPECT(totals[i - 1].milliseconds >= totals[i].milliseconds);  // most expensive first
        if (totals[i].name.rfind("aten::conv2d [1,", 0) == 0) {
            convolutions += totals[i].calls;
            EXPECT(totals[i].flops > 0.0);
        }
        EXPECT(totals[i].name.find("aten::_convolution") == std::string::npos);  // called by conv2d: not outermost
    }
    EXPECT(convolutions > 0 && convolutions % 2 == 0);  // the same convolutions in both edits
    const std::string table = operatorTable(totals, 2, "edit", 3);
    EXPECT(table.find("ms/edit") != std::string::npos);
    EXPECT(table.find(totals[0].name) != std::string::npos);
    EXPECT(table.find("(all operators)") != std::string::npos);
    EXPECT(table.find("GFLOP/s") != std::string::npos);
    OpProfile again;  // the first one has ended
}

TEST_CASE(engine_operator_flops_counted_by_hand) {
    using c10::IValue;
    const auto conv = [](at::Tensor x, at::Tensor w, std::vector<int64_t> stride, IValue padding,
                         std::vector<int64_t> dilation, int64_t groups) {
        return operatorFlops("aten::conv2d",
                             {x, w, IValue(), IValue(stride), padding, IValue(dilation), IValue(groups)});
    };
    // 3 x 3, 8 -> 16 channels, 10 x 12, padding 1: 2 * 16 * 8 * 9 per output pixel, 120 pixels.
    EXPECT_NEAR(conv(torch::zeros({1, 8, 10, 12}), torch::zeros({16, 8, 3, 3}), {1, 1},
                     IValue(std::vector<int64_t>{1, 1}), {1, 1}, 1),
                2.0 * 16 * 8 * 9 * 120, 0.5);
    // Stride 2 without padding: (10 - 3) / 2 + 1 = 4 rows, (12 - 3) / 2 + 1 = 5 columns; batch 2.
    EXPECT_NEAR(conv(torch::zeros({2, 8, 10, 12}), torch::zeros({16, 8, 3, 3}), {2, 2},
                     IValue(std::vector<int64_t>{0, 0}), {1, 1}, 1),
                2.0 * 2 * 16 * 8 * 9 * 20, 0.5);
    // Groups: the weight holds 8 / 4 input channels per output channel; "same" keeps the size.
    EXPECT_NEAR(
        conv(torch::zeros({1, 8, 10, 12}), torch::zeros({16, 2, 3, 3}), {1, 1}, IValue(std::string("same")), {1, 1}, 4),
        2.0 * 16 * 2 * 9 * 120, 0.5);
    // Dilation 2: a 3 x 3 kernel spans 5, so (10 - 5) + 1 = 6 rows, 8 columns.
    EXPECT_NEAR(conv(torch::zeros({1, 8, 10, 12}), torch::zeros({16, 8, 3, 3}), {1, 1},
                     IValue(std::vector<int64_t>{0, 0}), {2, 2}, 1),
                2.0 * 16 * 8 * 9 * 48, 0.5);
    EXPECT_NEAR(operatorFlops("aten::mm", {torch::zeros({3, 4}), torch::zeros({4, 5})}), 2.0 * 3 * 4 * 5, 1e-9);
    EXPECT_NEAR(operatorFlops("aten::bmm", {torch::zeros({2, 3, 4}), torch::zeros({2, 4, 5})}), 2.0 * 2 * 3 * 4 * 5,
                1e-9);
    EXPECT_NEAR(operatorFlops("aten::addmm", {torch::zeros({5}), torch::zeros({3, 4}), torch::zeros({4, 5})}),
                2.0 * 3 * 4 * 5, 1e-9);
    EXPECT_NEAR(operatorFlops("aten::matmul", {torch::zeros({7, 3, 4}), torch::zeros({4, 5})}), 2.0 * 7 * 3 * 4 * 5,
                1e-9);
    EXPECT_NEAR(operatorFlops("aten::linear", {torch::zeros({6, 4}), torch::zeros({5, 4}), IValue()}), 2.0 * 6 * 4 * 5,
                1e-9);
    EXPECT_NEAR(operatorFlops("aten::softmax", {torch::zeros({3, 4})}), 0.0, 0.0);
    EXPECT_NEAR(operatorFlops("aten::conv2d", {torch::zeros({1, 8, 10, 12})}), 0.0, 0.0);  // malformed: not counted
}

TEST_CASE(engine_maps_on_request) {
    Engine engine(tinyGenerator(), {Device::Cpu, 0});
    torch::manual_seed(5);
    engine.prepare(torch::rand({3, 64, 48}) * 2 - 1, torch::rand({18, 64, 48}));
    const auto plain = engine.synthesize(torch::rand({18, 64, 48}));
    EXPECT(!plain.flow.defined() && !plain.attention.defined() && !plain.combination.defined());
    MapRequest maps;
    maps.flow = maps.combination = maps.attentionWarped = maps.flowWarped = true;
    maps.attentionPoint = Point2{20.f, 30.f};
    const auto r = engine.synthesize(torch::rand({18, 64, 48}), maps);
    EXPECT(r.flow.sizes() == torch::IntArrayRef({2, 64, 48}));
    EXPECT(r.combination.sizes() == torch::IntArrayRef({64, 48}));
    EXPECT(r.attention.sizes() == torch::IntArrayRef({64, 48}));
    EXPECT(r.attentionWarped.sizes() == torch::IntArrayRef({3, 64, 48}));
    EXPECT(r.flowWarped.sizes() == torch::IntArrayRef({3, 64, 48}));
    EXPECT(r.combination.min().item<float>() >= 0.f && r.combination.max().item<float>() <= 1.f);
    EXPECT(r.attention.min().item<float>() >= 0.f);
    // The attention column is a distribution over the reference: its mean over the upsampled map is 1/HW4.
    EXPECT_NEAR(r.attention.mean().item<float>(), 1.0 / (16 * 12), 1e-4);
}

TEST_CASE(engine_gives_a_flow_priors_visibility_map) {
    model::ModelConfig config = tinyBody();
    config.flowPrior = true;
    Engine engine(model::Generator(config), {Device::Cpu, 0});
    torch::manual_seed(6);
    engine.prepare(torch::rand({3, 64, 48}) * 2 - 1, torch::rand({18, 64, 48}));
    MapRequest maps;
    maps.visibility = true;
    const auto r = engine.synthesize(torch::rand({18, 64, 48}), torch::zeros({2, 64, 48}), maps);
    // Untrained, V is 1 everywhere: the output is the warped reference.
    EXPECT(r.visibility.sizes() == torch::IntArrayRef({64, 48}));
    EXPECT_NEAR(r.visibility.min().item<float>(), 1.0, 0.0);
    // Models without the prior have no V to show.
    Engine plain(tinyGenerator(), {Device::Cpu, 0});
    plain.prepare(torch::rand({3, 64, 48}) * 2 - 1, torch::rand({18, 64, 48}));
    EXPECT(!plain.synthesize(torch::rand({18, 64, 48}), maps).visibility.defined());
}

TEST_CASE(engine_device_and_weights_errors) {
    if (!cudaAvailable()) {
        EXPECT_THROWS(Error, Engine(tinyGenerator(), {Device::Cuda, 0}), "CUDA was requested but is not available");
    }
    EXPECT_THROWS(Error, parseDevice("tpu"), "tpu");
    for (const Device d : {Device::Auto, Device::Cpu, Device::Cuda}) EXPECT(parseDevice(toString(d)) == d);
    const std::string junk = test::tempPath("junk.safetensors");
    files::writeAtomically(junk, "this is not a weights file at all");
    EXPECT_THROWS(Error, Engine(junk, {}), "cannot load the weights", "junk.safetensors");
}

TEST_CASE(engine_preview_is_the_reference_moved_by_the_flow) {
    Engine engine(tinyGenerator(), {Device::Cpu, 0});
    EXPECT(engine.hasPreview());
    EXPECT_THROWS(Error, engine.preview(torch::rand({18, 64, 48})), "prepare");
    torch::manual_seed(6);
    const auto xr = torch::rand({3, 64, 48}) * 2 - 1;
    engine.prepare(xr, torch::rand({18, 64, 48}));
    const auto st = torch::rand({18, 64, 48});
    MapRequest maps;
    maps.flow = true;
    const auto full = engine.synthesize(st, maps);  // its flow map is w4 upsampled to canvas pixels
    const auto preview = engine.preview(st);
    EXPECT(preview.image.sizes() == torch::IntArrayRef({3, 64, 48}));
    const auto expected = model::warpFlow(xr.unsqueeze(0), full.flow.unsqueeze(0)).squeeze(0);
    EXPECT(torch::allclose(preview.image, expected, 1e-4, 1e-5));
    EXPECT(!torch::allclose(preview.image, full.image, 1e-2, 1e-2));
    EXPECT(!preview.timings.empty());
    EXPECT_THROWS(Error, engine.preview(torch::zeros({9, 64, 48})), "target semantics");
}

// core/detect: the TensorFlow.js graph reader and executor (op by op against hand-computed values, and whole
// MoveNet models against outputs recorded with TensorFlow.js), MoveNet's crop strategy, the COCO-17 mapping,
// accuracy on the bundled sample photo, and the detect verb.
#include "check.h"

#include "cli/command.h"
#include "marionette/detect/accuracy.h"
#include "marionette/detect/movenet.h"
#include "marionette/detect/person_segmenter.h"
#include "marionette/graph/graph_executor.h"
#include "marionette/image/image_io.h"
#include "marionette/pose/openpose_json.h"
#include "marionette/util/error.h"
#include "marionette/util/files.h"

#include <torch/types.h>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <cstring>
#include <filesystem>
#include <sstream>

using namespace marionette;
using namespace marionette::detect;
using namespace marionette::graph;
using nlohmann::json;
using pose::JointId;

namespace {

// ---- a tiny TF.js graph model written by the tests -------------------------------------------------------

std::string base64(const std::string& bytes) {
    static const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    std::size_t k = 0;
    for (; k + 2 < bytes.size(); k += 3) {
        const unsigned v =
            (unsigned char)bytes[k] << 16 | (unsigned char)bytes[k + 1] << 8 | (unsigned char)bytes[k + 2];
        for (int s = 18; s >= 0; s -= 6) out += alphabet[(v >> s) & 63];
    }
    if (k < bytes.size()) {
        const unsigned v =
            (unsigned char)bytes[k] << 16 | (k + 1 < bytes.size() ? (unsigned char)bytes[k + 1] << 8 : 0);
        out += alphabet[(v >> 18) & 63];
        out += alphabet[(v >> 12) & 63];
        out += k + 1 < bytes.size() ? alphabet[(v >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

json ints(std::vector<int> v) {
    json list = json::array();
    for (int x : v) list.push_back(std::to_string(x));
    return {{"list", {{"i", list}}}};
}
json str(const std::string& s) { return {{"s", base64(s)}}; }
json strs(const std::vector<std::string>& v) {
    json list = json::array();
    for (const auto& s : v) list.push_back(base64(s));
    return {{"list", {{"s", list}}}};
}
json type(const std::string& t) { return {{"type", t}}; }
json integer(int v) { return {{"i", std::to_string(v)}}; }
json flag(bool b) { return {{"b", b}}; }

class TinyGraph {
public:
    TinyGraph& placeholder(const std::string& name, const std::string& dtype, std::vector<int> shape) {
        json dims = json::array();
        for (int d : shape) dims.push_back({{"size", std::to_string(d)}});
        m_nodes.push_back({{"name", name},
                           {"op", "Placeholder"},
                           {"attr", {{"dtype", type(dtype)}, {"shape", {{"shape", {{"dim", dims}}}}}}}});
        return *this;
    }
    TinyGraph& floats(const std::string& name, const std::vector<float>& v, std::vector<int> shape) {
        addConst(name, "DT_FLOAT", shape, {{"dtype", "float32"}},
                 std::string(reinterpret_cast<const char*>(v.data()), v.size() * 4));
        return *this;
    }
    TinyGraph& int32s(const std::string& name, const std::vector<std::int32_t>& v, std::vector<int> shape) {
        addConst(name, "DT_INT32", shape, {{"dtype", "int32"}},
                 std::string(reinterpret_cast<const char*>(v.data()), v.size() * 4));
        return *this;
    }
    // A float constant stored quantised: `stored` are the raw bytes, `quantization` the manifest entry.
    TinyGraph& quantised(const std::string& name, const std::string& stored, std::vector<int> shape,
                         json quantization) {
        addConst(name, "DT_FLOAT", shape, {{"dtype", "float32"}, {"quantization", quantization}}, stored);
        return *this;
    }
    // An int32 constant stored quantised, as the converter writes integer weights with --quantize_*.
    TinyGraph& quantisedInt32s(const std::string& name, const std::string& stored, std::vector<int> shape,
                               json quantization) {
        addConst(name, "DT_INT32", shape, {{"dtype", "int32"}, {"quantization", quantization}}, stored);
        return *this;
    }
    TinyGraph& node(const std::string& name, const std::string& op, std::vector<std::string> inputs,
                    json attr = json::object()) {
        m_nodes.push_back({{"name", name}, {"op", op}, {"input", inputs}, {"attr", attr}});
        return *this;
    }
    json document() const {
        json manifest = json::array();
        if (!m_weights.empty()) manifest.push_back({{"paths", {"weights.bin"}}, {"weights", m_weights}});
        return {{"format", "graph-model"}, {"modelTopology", {{"node", m_nodes}}}, {"weightsManifest", manifest}};
    }
    // Writes model.json and weights.bin into a fresh folder; returns the model.json path.
    std::string save(const std::string& folder, const std::optional<json>& doc = std::nullopt) const {
        const std::string dir = test::tempPath(folder);
        std::filesystem::create_directories(dir);
        files::writeAtomically(dir + "/model.json", (doc ? *doc : document()).dump());
        if (!m_bytes.empty()) files::writeAtomically(dir + "/weights.bin", m_bytes);
        return dir + "/model.json";
    }
    std::vector<torch::Tensor> run(const std::string& folder,
                                   const std::vector<std::pair<std::string, torch::Tensor>>& feeds,
                                   const std::vector<std::string>& outputs) const {
        return GraphExecutor(readGraphModel(save(folder))).run(feeds, outputs);
    }

private:
    void addConst(const std::string& name, const std::string& dtype, const std::vector<int>& shape, json entry,
                  const std::string& bytes) {
        m_nodes.push_back({{"name", name}, {"op", "Const"}, {"attr", {{"dtype", type(dtype)}}}});
        entry["name"] = name;
        entry["shape"] = shape;
        m_weights.push_back(entry);
        m_bytes += bytes;
    }
    json m_nodes = json::array();
    json m_weights = json::array();
    std::string m_bytes;
};

torch::Tensor floats(std::vector<float> v, std::vector<std::int64_t> shape) {
    return torch::tensor(v, torch::kFloat32).reshape(shape);
}

void expectValues(const torch::Tensor& t, const std::vector<float>& expected, double tolerance = 1e-5) {
    const auto flat = t.to(torch::kFloat32).contiguous().reshape({-1});
    EXPECT_EQ(flat.numel(), static_cast<std::int64_t>(expected.size()));
    if (flat.numel() != static_cast<std::int64_t>(expected.size())) return;
    for (std::size_t k = 0; k < expected.size(); ++k)
        EXPECT_NEAR(flat[static_cast<std::int64_t>(k)].item<float>(), expected[k], tolerance);
}

std::string shapeOf(const torch::Tensor& t) {
    std::ostringstream s;
    s << t.sizes();
    return s.str();
}

std::string source(const std::string& relative) { return std::string(MARIONETTE_SOURCE_DIR) + "/" + relative; }

// A copy of a bundled model's folder, to damage.
std::string copyModel(const std::string& variant, const std::string& folder) {
    const std::string dir = test::tempPath(folder);
    std::filesystem::create_directories(dir);
    std::filesystem::copy(source("models/movenet-" + variant), dir,
                          std::filesystem::copy_options::recursive | std::filesystem::copy_options::overwrite_existing);
    return dir;
}

}  // namespace

// ---- the executor, op by op --------------------------------------------------------------------------

TEST_CASE(detect_conv2d_same_padding_puts_the_odd_pixel_after_like_tensorflow) {
    // 4x4 input 1..16, 3x3 filter of ones, stride 2: SAME pads 0 rows above and 1 below (not 1 and 1).
    std::vector<float> input(16);
    for (int k = 0; k < 16; ++k) input[static_cast<std::size_t>(k)] = float(k + 1);
    TinyGraph g;
    g.placeholder("x", "DT_FLOAT", {1, 4, 4, 1})
        .floats("w", std::vector<float>(9, 1.f), {3, 3, 1, 1})
        .floats("b", {-50.f}, {1})
        .node("plain", "Conv2D", {"x", "w"}, {{"strides", ints({1, 2, 2, 1})}, {"padding", str("SAME")}})
        .node("relu", "_FusedConv2D", {"x", "w", "b"},
              {{"strides", ints({1, 2, 2, 1})},
               {"padding", str("SAME")},
               {"fused_ops", strs({"BiasAdd", "Relu"})},
               {"num_args", integer(1)}})
        .node("relu6", "_FusedConv2D", {"x", "w", "b"},
              {{"strides", ints({1, 2, 2, 1})},
               {"padding", str("SAME")},
               {"fused_ops", strs({"BiasAdd", "Relu6"})},
               {"num_args", integer(1)}})
        .node("valid", "Conv2D", {"x", "w"}, {{"strides", ints({1, 1, 1, 1})}, {"padding", str("VALID")}});
    const auto out = g.run("conv", {{"x", floats(input, {1, 4, 4, 1})}}, {"plain", "relu", "relu6", "valid"});
    EXPECT_EQ(shapeOf(out[0]), "[1, 2, 2, 1]");
    expectValues(out[0], {54, 45, 72, 54});
    expectValues(out[1], {4, 0, 22, 4});
    expectValues(out[2], {4, 0, 6, 4});
    expectValues(out[3], {54, 63, 90, 99});  // 3x3 sums of the four VALID windows
}

TEST_CASE(detect_conv2d_backprop_input_is_the_gradient_of_a_strided_same_convolution) {
    // The 2x2 result of a 3x3, stride-2 SAME convolution of a 4x4 image (rows 0-2 and 2-3 + padding) sent back:
    // each input pixel collects the values of the windows that read it.
    TinyGraph g;
    g.placeholder("dy", "DT_FLOAT", {1, 2, 2, 1})
        .placeholder("dz", "DT_FLOAT", {1, 1, 1, 3})
        .int32s("sizes", {1, 4, 4, 1}, {4})
        .int32s("pointSizes", {1, 1, 1, 2}, {4})
        .floats("ones", std::vector<float>(9, 1.f), {3, 3, 1, 1})
        .floats("w", {1, 2, 3, 4, 5, 6}, {1, 1, 2, 3})
        .node("up", "Conv2DBackpropInput", {"sizes", "ones", "dy"},
              {{"strides", ints({1, 2, 2, 1})}, {"padding", str("SAME")}})
        .node("channels", "Conv2DBackpropInput", {"pointSizes", "w", "dz"},
              {{"strides", ints({1, 1, 1, 1})}, {"padding", str("VALID")}});
    const auto out = g.run("backprop-input",
                           {{"dy", floats({1, 2, 3, 4}, {1, 2, 2, 1})}, {"dz", floats({1, 10, 100}, {1, 1, 1, 3})}},
                           {"up", "channels"});
    EXPECT_EQ(shapeOf(out[0]), "[1, 4, 4, 1]");
    expectValues(out[0], {1, 1, 3, 2, 1, 1, 3, 2, 4, 4, 10, 6, 3, 3, 7, 4});
    expectValues(out[1], {321, 654});  // input channel i collects sum_o w[i][o] * dz_o
}

TEST_CASE(detect_avg_pool_counts_only_pixels_inside_the_image) {
    std::vector<float> image(9);
    for (int k = 0; k < 9; ++k) image[static_cast<std::size_t>(k)] = float(k + 1);
    TinyGraph g;
    g.placeholder("img", "DT_FLOAT", {1, 3, 3, 1})
        .node("same", "AvgPool", {"img"},
              {{"ksize", ints({1, 3, 3, 1})}, {"strides", ints({1, 1, 1, 1})}, {"padding", str("SAME")}})
        .node("valid", "AvgPool", {"img"},
              {{"ksize", ints({1, 2, 2, 1})}, {"strides", ints({1, 1, 1, 1})}, {"padding", str("VALID")}});
    const auto out = g.run("avg-pool", {{"img", floats(image, {1, 3, 3, 1})}}, {"same", "valid"});
    expectValues(out[0], {3, 3.5, 4, 4.5, 5, 5.5, 6, 6.5, 7});  // the corner averages 1, 2, 4, 5 only
    expectValues(out[1], {3, 4, 6, 7});
}

TEST_CASE(detect_conv2d_filter_layout_maps_input_and_output_channels) {
    // A 1x1 filter [h, w, in, out]: out_o = sum_i x_i * w[i][o].
    TinyGraph g;
    g.placeholder("x", "DT_FLOAT", {1, 1, 1, 2})
        .floats("w", {1, 2, 3, 4, 5, 6}, {1, 1, 2, 3})
        .node("y", "Conv2D", {"x", "w"}, {{"strides", ints({1, 1, 1, 1})}, {"padding", str("VALID")}});
    expectValues(g.run("conv-layout", {{"x", floats({1, 10}, {1, 1, 1, 2})}}, {"y"})[0], {41, 52, 63});
}

TEST_CASE(detect_depthwise_convolution_with_multiplier_and_fused_bias) {
    TinyGraph g;
    std::vector<float> image(9);
    for (int k = 0; k < 9; ++k) image[static_cast<std::size_t>(k)] = float(k + 1);
    g.placeholder("x", "DT_FLOAT", {1, 1, 1, 2})
        .placeholder("img", "DT_FLOAT", {1, 3, 3, 1})
        .floats("w", {1, 2, 3, 4}, {1, 1, 2, 2})
        .floats("ones", std::vector<float>(9, 1.f), {3, 3, 1, 1})
        .floats("b", {-10.f}, {1})
        .node("dw", "DepthwiseConv2dNative", {"x", "w"}, {{"strides", ints({1, 1, 1, 1})}, {"padding", str("SAME")}})
        .node("fused", "FusedDepthwiseConv2dNative", {"img", "ones", "b"},
              {{"strides", ints({1, 1, 1, 1})},
               {"padding", str("SAME")},
               {"fused_ops", strs({"BiasAdd", "Relu6"})},
               {"num_args", integer(1)}});
    const auto out = g.run("depthwise", {{"x", floats({1, 10}, {1, 1, 1, 2})}, {"img", floats(image, {1, 3, 3, 1})}},
                           {"dw", "fused"});
    expectValues(out[0], {1, 2, 30, 40});  // channel c, multiplier m -> output c * 2 + m
    // 3x3 box sums minus 10, clamped to [0, 6]: corners 12, edges 21 or 27, centre 45.
    expectValues(out[1], {2, 6, 6, 6, 6, 6, 6, 6, 6});
}

TEST_CASE(detect_resize_bilinear_follows_tensorflow_coordinates) {
    TinyGraph g;
    g.placeholder("x", "DT_FLOAT", {1, 2, 2, 1})
        .placeholder("row", "DT_FLOAT", {1, 1, 2, 1})
        .int32s("size", {4, 4}, {2})
        .int32s("size14", {1, 4}, {2})
        .int32s("size13", {1, 3}, {2})
        .node("half", "ResizeBilinear", {"x", "size"},
              {{"half_pixel_centers", flag(true)}, {"align_corners", flag(false)}})
        .node("legacy", "ResizeBilinear", {"row", "size14"},
              {{"half_pixel_centers", flag(false)}, {"align_corners", flag(false)}})
        .node("corners", "ResizeBilinear", {"row", "size13"}, {{"align_corners", flag(true)}});
    const auto out = g.run("resize", {{"x", floats({0, 1, 2, 3}, {1, 2, 2, 1})}, {"row", floats({0, 1}, {1, 1, 2, 1})}},
                           {"half", "legacy", "corners"});
    // Half-pixel centres sample 1-D [0, 1] at -0.25, 0.25, 0.75, 1.25 -> 0, 0.25, 0.75, 1; value = 2 f(row) + f(col).
    const std::vector<float> f{0, 0.25f, 0.75f, 1};
    std::vector<float> expected;
    for (float r : f)
        for (float c : f) expected.push_back(2 * r + c);
    expectValues(out[0], expected);
    expectValues(out[1], {0, 0.5f, 1, 1});  // legacy: source = out * in / size, clamped at the last pixel
    expectValues(out[2], {0, 0.5f, 1});     // align_corners: the corners' pixel centres meet
}

TEST_CASE(detect_elementwise_arithmetic_broadcasts) {
    TinyGraph g;
    g.placeholder("x", "DT_FLOAT", {3})
        .floats("two", {2.f}, {})
        .node("sub", "Sub", {"x", "two"})
        .node("mul", "Mul", {"x", "two"})
        .node("add", "AddV2", {"x", "two"})
        .node("div", "RealDiv", {"x", "two"})
        .node("sqdiff", "SquaredDifference", {"x", "two"})
        .node("sqrt", "Sqrt", {"x"})
        .node("sigmoid", "Sigmoid", {"sub"});
    const auto out =
        g.run("arith", {{"x", floats({1, 4, 9}, {3})}}, {"sub", "mul", "add", "div", "sqdiff", "sqrt", "sigmoid"});
    expectValues(out[0], {-1, 2, 7});
    expectValues(out[1], {2, 8, 18});
    expectValues(out[2], {3, 6, 11});
    expectValues(out[3], {0.5f, 2, 4.5f});
    expectValues(out[4], {1, 4, 49});
    expectValues(out[5], {1, 2, 3});
    expectValues(out[6], {1 / (1 + std::exp(1.f)), 1 / (1 + std::exp(-2.f)), 1 / (1 + std::exp(-7.f))});
}

TEST_CASE(detect_integer_ops_cast_floordiv_argmax) {
    TinyGraph g;
    g.placeholder("f", "DT_FLOAT", {2})
        .placeholder("i", "DT_INT32", {2})
        .placeholder("m", "DT_FLOAT", {2, 3})
        .int32s("two", {2}, {})
        .int32s("axis", {1}, {})
        .node("toInt", "Cast", {"f"}, {{"DstT", type("DT_INT32")}, {"SrcT", type("DT_FLOAT")}})
        .node("toFloat", "Cast", {"i"}, {{"DstT", type("DT_FLOAT")}, {"SrcT", type("DT_INT32")}})
        .node("floordiv", "FloorDiv", {"i", "two"})
        .node("argmax", "ArgMax", {"m", "axis"}, {{"output_type", type("DT_INT32")}});
    const auto out = g.run("ints",
                           {{"f", floats({1.7f, -1.7f}, {2})},
                            {"i", torch::tensor({7, -7}, torch::kInt32)},
                            {"m", floats({1, 5, 3, 7, 2, 7}, {2, 3})}},
                           {"toInt", "toFloat", "floordiv", "argmax"});
    EXPECT(out[0].scalar_type() == torch::kInt32);
    expectValues(out[0], {1, -1});  // truncation towards zero
    EXPECT(out[1].scalar_type() == torch::kFloat32);
    expectValues(out[2], {3, -4});  // rounds down, also for negatives
    EXPECT(out[3].scalar_type() == torch::kInt32);
    expectValues(out[3], {1, 0});  // the first of two equal maxima
}

TEST_CASE(detect_gather_nd_and_shape_ops) {
    std::vector<float> values(12);
    for (int k = 0; k < 12; ++k) values[static_cast<std::size_t>(k)] = float(k);
    TinyGraph g;
    g.placeholder("p", "DT_FLOAT", {2, 3, 2})
        .int32s("pairs", {0, 1, 1, 2}, {2, 2})
        .int32s("triple", {1, 0, 1}, {1, 3})
        .int32s("shape", {3, -1}, {2})
        .int32s("minusOne", {-1}, {})
        .int32s("zero", {0}, {})
        .node("gather2", "GatherNd", {"p", "pairs"})
        .node("gather3", "GatherNd", {"p", "triple"})
        .node("reshape", "Reshape", {"p", "shape"})
        .node("unpack", "Unpack", {"reshape"}, {{"axis", integer(1)}, {"num", integer(4)}})
        .node("pack", "Pack", {"unpack", "unpack:3"}, {{"axis", integer(1)}, {"N", integer(2)}})
        .node("expand", "ExpandDims", {"pack", "minusOne"})
        .node("squeeze", "Squeeze", {"expand"}, {{"squeeze_dims", ints({-1})}})
        .node("concat", "ConcatV2", {"pack", "squeeze", "zero"}, {{"N", integer(2)}})
        .node("same", "Identity", {"concat"});
    const auto out = g.run("shapes", {{"p", floats(values, {2, 3, 2})}},
                           {"gather2", "gather3", "reshape", "unpack:2", "pack", "expand", "squeeze", "same"});
    expectValues(out[0], {2, 3, 10, 11});
    EXPECT_EQ(shapeOf(out[0]), "[2, 2]");
    expectValues(out[1], {7});
    EXPECT_EQ(shapeOf(out[2]), "[3, 4]");
    expectValues(out[3], {2, 6, 10});           // column 2 of the 3x4 reshape
    expectValues(out[4], {0, 3, 4, 7, 8, 11});  // columns 0 and 3 side by side
    EXPECT_EQ(shapeOf(out[5]), "[3, 2, 1]");
    EXPECT_EQ(shapeOf(out[6]), "[3, 2]");
    EXPECT_EQ(shapeOf(out[7]), "[6, 2]");
    expectValues(out[7], {0, 3, 4, 7, 8, 11, 0, 3, 4, 7, 8, 11});
}

TEST_CASE(detect_strided_slice_follows_tensorflow_masks) {
    std::vector<float> values(24);
    for (int k = 0; k < 24; ++k) values[static_cast<std::size_t>(k)] = float(k);
    TinyGraph g;
    g.placeholder("x", "DT_FLOAT", {2, 3, 4})
        .int32s("b01", {0, 1}, {2})
        .int32s("e23", {2, 3}, {2})
        .int32s("s11", {1, 1}, {2})
        .int32s("b00", {0, 0}, {2})
        .int32s("e00", {0, 0}, {2})
        .int32s("s12", {1, 2}, {2})
        .int32s("e01", {0, 1}, {2})
        .int32s("bm1", {-1}, {1})
        .int32s("e0", {0}, {1})
        .int32s("sm1", {-1}, {1})
        .node("shrink", "StridedSlice", {"x", "b01", "e23", "s11"}, {{"shrink_axis_mask", integer(1)}})  // x[0, 1:3]
        .node("every2", "StridedSlice", {"x", "b00", "e00", "s12"},
              {{"begin_mask", integer(3)}, {"end_mask", integer(3)}})                                   // x[:, ::2]
        .node("ellipsis", "StridedSlice", {"x", "b00", "e01", "s11"}, {{"ellipsis_mask", integer(1)}})  // x[..., 0:1]
        .node("newaxis", "StridedSlice", {"x", "b00", "e00", "s11"},
              {{"new_axis_mask", integer(1)}, {"begin_mask", integer(2)}, {"end_mask", integer(2)}})  // x[None, :]
        .node("reversed", "StridedSlice", {"x", "bm1", "e0", "sm1"}, {{"end_mask", integer(1)}});     // x[::-1]
    const auto out =
        g.run("strided", {{"x", floats(values, {2, 3, 4})}}, {"shrink", "every2", "ellipsis", "newaxis", "reversed"});
    EXPECT_EQ(shapeOf(out[0]), "[2, 4]");
    expectValues(out[0], {4, 5, 6, 7, 8, 9, 10, 11});
    EXPECT_EQ(shapeOf(out[1]), "[2, 2, 4]");
    expectValues(out[1], {0, 1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 15, 20, 21, 22, 23});
    EXPECT_EQ(shapeOf(out[2]), "[2, 3, 1]");
    expectValues(out[2], {0, 4, 8, 12, 16, 20});
    EXPECT_EQ(shapeOf(out[3]), "[1, 2, 3, 4]");
    EXPECT_EQ(shapeOf(out[4]), "[2, 3, 4]");
    EXPECT_NEAR(out[4][0][0][0].item<float>(), 12, 1e-6);
}

TEST_CASE(detect_pooling_top_k_select_and_reductions) {
    std::vector<float> negatives(9);
    for (int k = 0; k < 9; ++k) negatives[static_cast<std::size_t>(k)] = -float(k + 1);
    TinyGraph g;
    g.placeholder("img", "DT_FLOAT", {1, 3, 3, 1})
        .placeholder("v", "DT_FLOAT", {5})
        .placeholder("m", "DT_FLOAT", {2, 2})
        .int32s("k", {3}, {})
        .int32s("axis0", {0}, {})
        .int32s("axis1", {1}, {1})
        .int32s("dims", {2, 2}, {2})
        .int32s("multiples", {2, 1}, {2})
        .int32s("start", {0}, {})
        .int32s("limit", {5}, {})
        .int32s("delta", {2}, {})
        .floats("seven", {7.f}, {})
        .floats("three", {3.f}, {})
        .node("pool", "MaxPool", {"img"},
              {{"ksize", ints({1, 3, 3, 1})}, {"strides", ints({1, 1, 1, 1})}, {"padding", str("SAME")}})
        .node("top", "TopKV2", {"v", "k"}, {{"sorted", flag(true)}})
        .node("big", "Greater", {"v", "three"})
        .node("small", "Less", {"v", "three"})
        .node("atLeast", "GreaterEqual", {"v", "three"})
        .node("same", "Equal", {"v", "three"})
        .node("both", "LogicalAnd", {"atLeast", "small"})
        .placeholder("c", "DT_BOOL", {2})
        .node("rows", "Select", {"c", "m", "fill"})
        .node("sum", "Sum", {"m", "axis1"}, {{"keep_dims", flag(false)}})
        .node("max", "Max", {"m", "axis0"}, {{"keep_dims", flag(true)}})
        .node("fill", "Fill", {"dims", "seven"})
        .node("tile", "Tile", {"m", "multiples"})
        .node("range", "Range", {"start", "limit", "delta"})
        .node("shape", "Shape", {"tile"}, {{"out_type", type("DT_INT32")}})
        .node("size", "Size", {"tile"}, {{"out_type", type("DT_INT32")}})
        .node("halves", "Split", {"axis1", "m"}, {{"num_split", integer(2)}})
        .node("addn", "AddN", {"m", "m", "fill"}, {{"N", integer(3)}})
        .node("negate", "Sub", {"v", "v"})
        .node("choose", "Select", {"big", "negate", "v"});
    const auto out = g.run("misc",
                           {{"img", floats(negatives, {1, 3, 3, 1})},
                            {"v", floats({3, 1, 4, 1, 5}, {5})},
                            {"m", floats({1, 2, 3, 4}, {2, 2})},
                            {"c", torch::tensor({true, false})}},
                           {"pool", "top", "top:1", "big", "small", "same", "both", "choose", "sum", "max", "fill",
                            "tile", "range", "shape", "size", "halves:1", "addn", "rows"});
    expectValues(out[0], {-1, -1, -2, -1, -1, -2, -4, -4, -5});  // padding never wins: it is -infinity
    expectValues(out[1], {5, 4, 3});
    EXPECT(out[2].scalar_type() == torch::kInt32);
    expectValues(out[2], {4, 2, 0});
    expectValues(out[3], {0, 0, 1, 0, 1});
    expectValues(out[4], {0, 1, 0, 1, 0});
    expectValues(out[5], {1, 0, 0, 0, 0});
    expectValues(out[6], {0, 0, 0, 0, 0});
    expectValues(out[7], {3, 1, 0, 1, 0});
    expectValues(out[8], {3, 7});
    EXPECT_EQ(shapeOf(out[9]), "[1, 2]");
    expectValues(out[9], {3, 4});
    expectValues(out[10], {7, 7, 7, 7});
    expectValues(out[11], {1, 2, 3, 4, 1, 2, 3, 4});
    expectValues(out[12], {0, 2, 4});
    expectValues(out[13], {4, 2});
    expectValues(out[14], {8});
    expectValues(out[15], {2, 4});
    expectValues(out[16], {9, 11, 13, 15});
    expectValues(out[17], {1, 2, 7, 7});  // a vector condition picks whole rows
}

TEST_CASE(detect_gather_nd_refuses_an_index_out_of_range) {
    TinyGraph g;
    g.placeholder("p", "DT_FLOAT", {2, 2}).int32s("bad", {0, 2}, {1, 2}).node("gather", "GatherNd", {"p", "bad"});
    const std::string path = g.save("gather-bad");
    const GraphExecutor exec(readGraphModel(path));
    EXPECT_THROWS(Error, exec.run({{"p", torch::zeros({2, 2})}}, {"gather"}), "node 'gather' (GatherNd)",
                  "out of range");
}

TEST_CASE(detect_reader_dequantises_float16_uint8_and_uint16_weights) {
    const std::string halves("\x00\x3e\x00\xc0\x00\x3c", 6);  // float16 1.5, -2, 1 (little-endian)
    const std::string bytes8("\x00\x01\xff", 3);
    const std::uint16_t raw16[2] = {0, 40000};
    TinyGraph g;
    g.quantised("h", halves, {3}, {{"dtype", "float16"}, {"original_dtype", "float32"}})
        .quantised("u8", bytes8, {3}, {{"dtype", "uint8"}, {"min", -1.0}, {"scale", 0.5}})
        .quantised("u16", std::string(reinterpret_cast<const char*>(raw16), 4), {2},
                   {{"dtype", "uint16"}, {"min", 0.0}, {"scale", 0.001}})
        .int32s("i", {-5, 123456}, {2})
        .node("hOut", "Identity", {"h"});
    const GraphModel model = readGraphModel(g.save("quantised"));
    expectValues(model.constants.at("h"), {1.5f, -2.f, 1.f});
    expectValues(model.constants.at("u8"), {-1.f, -0.5f, 126.5f});
    expectValues(model.constants.at("u16"), {0.f, 40.f}, 1e-4);
    EXPECT(model.constants.at("i").scalar_type() == torch::kInt32);
    expectValues(model.constants.at("i"), {-5, 123456});
    expectValues(GraphExecutor(model).run({}, {"hOut"})[0], {1.5f, -2.f, 1.f});

    // Integers stored quantised come back as int32; values the range cannot hold are refused before the
    // conversion (undefined for them), not turned into garbage.
    TinyGraph ints;
    ints.quantisedInt32s("q", std::string(reinterpret_cast<const char*>(raw16), 4), {2},
                         {{"dtype", "uint16"}, {"min", -7.0}, {"scale", 1.0}});
    const GraphModel intModel = readGraphModel(ints.save("quantised-ints"));
    EXPECT(intModel.constants.at("q").scalar_type() == torch::kInt32);
    expectValues(intModel.constants.at("q"), {-7, 39993});
    TinyGraph huge;
    huge.quantisedInt32s("q", std::string(reinterpret_cast<const char*>(raw16), 4), {2},
                         {{"dtype", "uint16"}, {"min", 0.0}, {"scale", 1e6}});
    const std::string hugePath = huge.save("quantised-ints-huge");
    EXPECT_THROWS(Error, readGraphModel(hugePath), "'q'", "outside the int32 range");
}

TEST_CASE(detect_unknown_operations_are_refused_by_name_when_the_model_loads) {
    TinyGraph g;
    g.placeholder("x", "DT_FLOAT", {2}).node("a", "Erf", {"x"}).node("b", "Banana", {"a"}).node("c", "Sqrt", {"b"});
    const std::string path = g.save("unknown-op");
    const GraphModel model = readGraphModel(path);  // reading is fine; preparing to run is not
    EXPECT_THROWS(Error, GraphExecutor(model), path, "cannot run", "Banana (node 'b')", "Erf (node 'a')");

    const auto refusedAttribute = [&](const std::string& folder, json attr, std::vector<std::string> fragments) {
        TinyGraph t;
        t.placeholder("x", "DT_FLOAT", {1, 2, 2, 1}).floats("w", {1}, {1, 1, 1, 1}).floats("b", {0}, {1});
        attr["num_args"] = integer(1);
        t.node("conv", "_FusedConv2D", {"x", "w", "b"}, attr);
        const std::string p = t.save(folder);
        bool threw = false;
        try {
            GraphExecutor executor(readGraphModel(p));
        } catch (const Error& e) {
            threw = true;
            for (const auto& f : fragments) {
                if (std::string(e.what()).find(f) == std::string::npos)
                    test::recordFailure(__FILE__, __LINE__, std::string(e.what()) + " lacks " + f);
            }
        }
        EXPECT(threw);
    };
    const json ok = {{"strides", ints({1, 1, 1, 1})}, {"padding", str("SAME")}, {"fused_ops", strs({"BiasAdd"})}};
    json weird = ok;
    weird["padding"] = str("WEIRD");
    refusedAttribute("bad-padding", weird, {"node 'conv'", "padding 'WEIRD'"});
    json nchw = ok;
    nchw["data_format"] = str("NCHW");
    refusedAttribute("bad-format", nchw, {"NCHW"});
    json batchNorm = ok;
    batchNorm["fused_ops"] = strs({"FusedBatchNorm"});
    refusedAttribute("bad-fused", batchNorm, {"FusedBatchNorm"});
    json strides = ok;
    strides["strides"] = ints({2, 1, 1, 1});
    refusedAttribute("bad-strides", strides, {"strides"});
}

TEST_CASE(detect_corrupt_or_truncated_model_files_are_refused_with_clear_messages) {
    const std::string dir = copyModel("lightning", "damaged");
    const std::string modelJson = dir + "/model.json";
    const std::string shard = dir + "/movenet-lightning.bin";
    const std::string text = files::readAll(modelJson, kMaxModelJsonBytes);
    const std::string weights = files::readAll(shard, kMaxWeightShardBytes);

    files::writeAtomically(modelJson, text.substr(0, text.size() / 2));
    EXPECT_THROWS(Error, readGraphModel(modelJson), modelJson, "not valid JSON", "truncated");

    files::writeAtomically(modelJson, text);
    files::writeAtomically(shard, weights.substr(0, weights.size() - 1000));
    EXPECT_THROWS(Error, readGraphModel(modelJson), modelJson, "movenet-lightning.bin", "truncated", "4649216",
                  "4650216");

    files::writeAtomically(shard, weights + "extra");
    EXPECT_THROWS(Error, readGraphModel(modelJson), "movenet-lightning.bin", "4650221", "not the shard");

    std::filesystem::remove(shard);
    EXPECT_THROWS(Error, readGraphModel(modelJson), shard, "no such file");

    // Weights that decode to NaN: a shard of the right size but the wrong content.
    files::writeAtomically(shard, std::string(weights.size(), '\xff'));
    EXPECT_THROWS(Error, readGraphModel(modelJson), "NaN", "corrupt");
    files::writeAtomically(shard, weights);
    EXPECT(readGraphModel(modelJson).nodes.size() == 331u);

    json doc = json::parse(text);
    const auto refusedDoc = [&](const json& d, std::vector<std::string> fragments) {
        files::writeAtomically(modelJson, d.dump());
        bool threw = false;
        try {
            GraphExecutor executor(readGraphModel(modelJson));
        } catch (const Error& e) {
            threw = true;
            for (const auto& f : fragments)
                if (std::string(e.what()).find(f) == std::string::npos)
                    test::recordFailure(__FILE__, __LINE__, std::string(e.what()) + " lacks " + f);
        }
        EXPECT(threw);
    };
    json noTopology = doc;
    noTopology.erase("modelTopology");
    refusedDoc(noTopology, {modelJson, "modelTopology"});
    json layers = doc;
    layers["format"] = "layers-model";
    refusedDoc(layers, {"only graph models"});
    json escaping = doc;
    escaping["weightsManifest"][0]["paths"][0] = "../movenet-lightning.bin";
    refusedDoc(escaping, {"outside the model's folder"});
    json dangling = doc;
    dangling["modelTopology"]["node"][5]["input"][0] = "no/such/node";
    refusedDoc(dangling, {"no/such/node", "which no node of the graph produces"});
    json strings = doc;
    strings["weightsManifest"][0]["weights"][0]["dtype"] = "string";
    refusedDoc(strings, {"dtype 'string'"});
    json wrongShape = doc;  // the manifest no longer matches the shard
    wrongShape["weightsManifest"][0]["weights"][1]["shape"] = {3, 3, 24, 2};
    refusedDoc(wrongShape, {"truncated"});
    json unknownOp = doc;
    unknownOp["modelTopology"]["node"][200]["op"] = "FancyConv";
    refusedDoc(unknownOp, {"FancyConv"});
    files::writeAtomically(modelJson, text);

    const GraphExecutor exec(readGraphModel(modelJson));
    EXPECT_THROWS(Error, exec.run(torch::zeros({1, 100, 100, 3}, torch::kInt32)), "input 'input'", "[1, 192, 192, 3]");
    EXPECT_THROWS(Error, exec.run(torch::zeros({1, 192, 192, 3})), "input 'input'", "DT_INT32");
    EXPECT_THROWS(Error, MoveNet(dir + "/missing.json"), "missing.json", "no such file");
}

// ---- whole models against TensorFlow.js ----------------------------------------------------------------

namespace {

void expectMatchesReference(const std::string& variant, int size) {
    const json reference =
        json::parse(files::readAll(test::dataPath("detect/movenet-" + variant + "-reference.json"), 1 << 20));
    const cv::Mat rgb = [&] {
        cv::Mat bgr =
            cv::imread(test::dataPath("detect/movenet-input-" + std::to_string(size) + ".ppm"), cv::IMREAD_COLOR);
        cv::Mat out;
        cv::cvtColor(bgr, out, cv::COLOR_BGR2RGB);
        return out;
    }();
    EXPECT_EQ(rgb.rows, size);
    const GraphExecutor exec(readGraphModel(bundledModelPath(*variantFromName(variant))));
    std::vector<std::string> names{"Identity"};
    for (const auto& [name, probe] : reference["probes"].items()) names.push_back(name);
    const auto input = torch::from_blob(rgb.data, {1, size, size, 3}, torch::kUInt8).to(torch::kInt32);
    const auto out = exec.run({{"input", input}}, names);

    // The output: 17 x (y, x, score) (MultiPose: per proposal, then a box and a score). Positions are decoded
    // from an arg max over heatmaps, so they match exactly or not at all; scores are heatmap values.
    const auto want = reference["output"]["values"].get<std::vector<float>>();
    if (variant != "multipose") {
        expectValues(out[0], want, 2e-4);
    } else {
        // Proposals scoring about 0 come from tied heatmap values, whose order is arbitrary: compare the others.
        const auto got = out[0].reshape({6, 56});
        for (std::int64_t p = 0; p < 6; ++p) {
            const float score = want[static_cast<std::size_t>(p * 56 + 55)];
            EXPECT_NEAR(got[p][55].item<float>(), score, 2e-4);
            if (score < 0.01f) continue;
            expectValues(got[p], std::vector<float>(want.begin() + p * 56, want.begin() + (p + 1) * 56), 2e-4);
        }
    }
    double worstRelative = 0.0;
    for (std::size_t k = 1; k < names.size(); ++k) {
        const json& probe = reference["probes"][names[k]];
        const auto t = out[k].to(torch::kFloat64).contiguous().reshape({-1});
        const auto shape = probe["shape"].get<std::vector<std::int64_t>>();
        EXPECT_EQ(out[k].sizes().vec() == shape, true);
        const double absSum = probe["absSum"].get<double>();
        EXPECT_NEAR(t.sum().item<double>(), probe["sum"].get<double>(), 1e-4 * absSum);
        EXPECT_NEAR(t.abs().sum().item<double>(), absSum, 1e-4 * absSum);
        const double scale = absSum / double(t.numel());  // the tensor's typical magnitude
        for (const auto& sample : probe["samples"]) {
            const double got = t[sample[0].get<std::int64_t>()].item<double>();
            const double want = sample[1].get<double>();
            worstRelative = std::max(worstRelative, std::abs(got - want) / (scale + std::abs(want)));
            EXPECT_NEAR(got, want, 1e-3 * (scale + std::abs(want)));
        }
    }
    std::cerr << "    " << variant << ": largest relative difference to TensorFlow.js in the probes " << worstRelative
              << '\n';
}

}  // namespace

TEST_CASE(detect_lightning_matches_tensorflow_js) { expectMatchesReference("lightning", 192); }
TEST_CASE(detect_thunder_matches_tensorflow_js) { expectMatchesReference("thunder", 256); }
TEST_CASE(detect_multipose_matches_tensorflow_js) { expectMatchesReference("multipose", 256); }

// ---- MoveNet's crop strategy and the COCO-18 mapping -----------------------------------------------------

namespace {

CocoKeypoints keypointsAt(std::initializer_list<std::pair<JointId, ScoredPoint>> points) {
    CocoKeypoints k{};
    for (auto& p : k) p = {{0, 0}, 0.f};
    const auto& order = cocoKeypointJoints();
    for (const auto& [joint, point] : points)
        k[static_cast<std::size_t>(std::find(order.begin(), order.end(), joint) - order.begin())] = point;
    return k;
}

}  // namespace

TEST_CASE(detect_coco_order_and_neck_from_the_shoulders) {
    const auto& order = cocoKeypointJoints();
    EXPECT(order[0] == JointId::Nose);
    EXPECT(order[1] == JointId::LeftEye);
    EXPECT(order[5] == JointId::LeftShoulder);
    EXPECT(order[16] == JointId::RightAnkle);
    EXPECT(std::find(order.begin(), order.end(), JointId::Neck) == order.end());
    for (int k = 0; k < pose::kJointCount; ++k)  // every COCO-18 joint but the neck appears exactly once
        EXPECT_EQ(std::count(order.begin(), order.end(), pose::jointAt(k)), pose::jointAt(k) == JointId::Neck ? 0 : 1);

    const ImageSize photo{100, 100};
    auto k = keypointsAt({{JointId::LeftShoulder, {{60, 40}, 0.9f}},
                          {JointId::RightShoulder, {{40, 44}, 0.5f}},
                          {JointId::Nose, {{50, 20}, 0.1f}},
                          {JointId::LeftAnkle, {{50, 101}, 0.9f}},
                          {JointId::RightAnkle, {{-0.3f, 99.4f}, 0.9f}}});
    pose::Pose p = cocoToPose(k, 0.2f, photo);
    EXPECT(p.has(JointId::Neck));
    EXPECT_NEAR(p.at(JointId::Neck).position.x, 50, 1e-6);
    EXPECT_NEAR(p.at(JointId::Neck).position.y, 42, 1e-6);
    EXPECT_NEAR(p.at(JointId::Neck).confidence, 0.5, 1e-6);
    EXPECT(!p.has(JointId::Nose));       // below the score threshold
    EXPECT(!p.has(JointId::LeftAnkle));  // below the photo
    EXPECT(p.has(JointId::RightAnkle));  // within half a pixel of the edge: kept, moved inside
    EXPECT_NEAR(p.at(JointId::RightAnkle).position.x, 0, 1e-6);
    EXPECT_EQ(p.presentCount(), 4);
    k[6].score = 0.1f;  // right shoulder no longer confident: no neck
    EXPECT(!cocoToPose(k, 0.2f, photo).has(JointId::Neck));
}

TEST_CASE(detect_crop_regions_follow_movenet) {
    // The first region pads the photo to a centred square.
    const Box first = initialRegion({548, 342});
    EXPECT_NEAR(first.x, 0, 1e-9);
    EXPECT_NEAR(first.y, -103, 1e-9);
    EXPECT_NEAR(first.width, 548, 1e-9);
    EXPECT_NEAR(first.height, 548, 1e-9);

    // Hips centred at edge-based (200, 300); shoulders 100 above; a wrist 150 to the right.
    const ImageSize photo{1000, 1000};
    auto k = keypointsAt({{JointId::LeftHip, {{209.5f, 299.5f}, 0.9f}},
                          {JointId::RightHip, {{189.5f, 299.5f}, 0.9f}},
                          {JointId::LeftShoulder, {{219.5f, 199.5f}, 0.9f}},
                          {JointId::RightShoulder, {{179.5f, 199.5f}, 0.9f}},
                          {JointId::LeftWrist, {{349.5f, 249.5f}, 0.8f}},
                          {JointId::RightWrist, {{900, 900}, 0.1f}}});
    Box next = nextRegion(k, photo);
    // Torso reach 100 * 1.9 = 190 beats body reach 150 * 1.2 = 180 (the unconfident wrist does not count).
    EXPECT_NEAR(next.x, 200 - 190, 1e-4);
    EXPECT_NEAR(next.y, 300 - 190, 1e-4);
    EXPECT_NEAR(next.width, 380, 1e-4);
    k[9].position = {449.5f, 249.5f};  // the left wrist 250 away: body reach 300 wins
    next = nextRegion(k, photo);
    EXPECT_NEAR(next.width, 600, 1e-4);
    EXPECT_NEAR(next.x, -100, 1e-4);  // reaching past the photo's edge is fine

    // No confident hip: back to the whole photo.
    k[11].score = k[12].score = 0.1f;
    next = nextRegion(k, photo);
    EXPECT_NEAR(next.width, 1000, 1e-9);
    EXPECT_NEAR(next.x, 0, 1e-9);
}

TEST_CASE(detect_region_to_input_maps_pixels_like_box_to_canvas) {
    // A photo with one bright pixel: the network's input shows it where BoxToCanvas puts it, black outside.
    cv::Mat photo(100, 200, CV_8UC3, cv::Scalar(40, 40, 40));
    photo.at<cv::Vec3b>(30, 50) = {255, 0, 0};  // pure blue in BGR
    const Box region{20, 10, 64, 64};
    const cv::Mat input = regionToInput(photo, region, 64);  // 1:1
    EXPECT_EQ(input.rows, 64);
    const cv::Vec3b spot = input.at<cv::Vec3b>(30 - 10, 50 - 20);
    EXPECT_EQ(int(spot[2]), 255);  // RGB now: blue is the last channel
    EXPECT_EQ(int(spot[0]), 0);
    const cv::Mat padded = regionToInput(photo, initialRegion({200, 100}), 50);  // shrinking, black bands
    EXPECT_EQ(int(padded.at<cv::Vec3b>(2, 25)[0]), 0);
    EXPECT_EQ(int(padded.at<cv::Vec3b>(25, 25)[0]), 40);
    EXPECT_EQ(int(padded.at<cv::Vec3b>(47, 25)[1]), 0);
    EXPECT_THROWS(Error, regionToInput(cv::Mat(), region, 64), "8-bit colour photo");
}

// ---- accuracy on the bundled sample photo ------------------------------------------------------------

TEST_CASE(detect_finds_the_sample_skeleton_within_pck_bounds) {
    const cv::Mat photo = image::loadImage(source("resources/samples/messi5.jpg"));
    const pose::Pose truth = pose::readOpenPoseJson(source("resources/samples/messi5.jpg.pose.json")).at(0);
    for (const auto variant : {MoveNetVariant::Lightning, MoveNetVariant::Thunder}) {
        const MoveNet net(bundledModelPath(variant));
        EXPECT_EQ(net.inputSize(), variant == MoveNetVariant::Lightning ? 192 : 256);
        const BodyDetection found = net.detect(photo);
        EXPECT(found.found);
        EXPECT_EQ(found.regions.size(), 2u);  // the padded photo, then a crop around the person
        const PckResult result = pck(found.pose, truth, 0.2);
        double meanError = 0.0;
        int matched = 0;
        for (int j = 0; j < pose::kJointCount; ++j) {
            const auto t = truth.find(pose::jointAt(j)), d = found.pose.find(pose::jointAt(j));
            if (!t || !d) continue;
            meanError += std::hypot(t->position.x - d->position.x, t->position.y - d->position.y);
            ++matched;
        }
        meanError /= std::max(matched, 1);
        std::cerr << "    " << variantName(variant) << ": PCK@0.2 " << result.correct << "/" << result.compared
                  << " (threshold " << result.threshold << " px), mean joint error " << meanError << " px\n";
        EXPECT_EQ(result.compared, 17);
        EXPECT(result.fraction() >= 15.0 / 17.0);
        EXPECT(meanError < 15.0);
        EXPECT(pck(found.pose, truth, 0.1).fraction() >= 0.5);
    }
}

TEST_CASE(detect_multipose_finds_each_person) {
    const cv::Mat photo = image::loadImage(source("resources/samples/messi5.jpg"));
    const pose::Pose truth = pose::readOpenPoseJson(source("resources/samples/messi5.jpg.pose.json")).at(0);
    const MoveNet net(bundledModelPath(MoveNetVariant::MultiPose));
    EXPECT(net.multiPose());
    const auto alone = net.detectPeople(photo);
    EXPECT_EQ(alone.size(), 1u);
    if (alone.size() == 1) {
        const PckResult result = pck(alone[0].pose, truth, 0.2);
        std::cerr << "    multipose: PCK@0.2 " << result.correct << "/" << result.compared << '\n';
        EXPECT(result.fraction() >= 14.0 / 17.0);
    }
    // The photo beside its mirror image: two people, one in each half, each with the mirrored skeleton.
    cv::Mat mirrored, pair;
    cv::flip(photo, mirrored, 1);
    cv::hconcat(photo, mirrored, pair);
    const auto people = net.detectPeople(pair);
    EXPECT_EQ(people.size(), 2u);
    int left = 0, right = 0;
    for (const auto& person : people) {
        const auto box = person.pose.bounds();
        EXPECT(box.has_value());
        if (!box) continue;
        const double centre = box->x + box->width / 2;
        (centre < photo.cols ? left : right)++;
        // Column x of the photo is column 2W - 1 - x of the pair's right half: a mirror about x = W - 1/2.
        const pose::Pose expected = centre < photo.cols ? truth : truth.mirrored(photo.cols - 0.5f);
        EXPECT(pck(person.pose, expected, 0.2).fraction() >= 12.0 / 17.0);
    }
    EXPECT_EQ(left, 1);
    EXPECT_EQ(right, 1);
}

TEST_CASE(detect_pck_counts_missing_and_far_joints_as_wrong) {
    pose::Pose truth;
    truth.set(JointId::LeftShoulder, 0, 0);
    truth.set(JointId::RightHip, 30, 40);  // torso 50 -> threshold 10 at 0.2
    truth.set(JointId::Nose, 100, 100);
    pose::Pose found = truth;
    found.set(JointId::Nose, 108, 106);  // 10 px away: correct
    found.remove(JointId::RightHip);
    auto r = pck(found, truth, 0.2);
    EXPECT_EQ(r.compared, 3);
    EXPECT_EQ(r.correct, 2);
    EXPECT_NEAR(r.threshold, 10, 1e-9);
    found.set(JointId::Nose, 108, 107);
    EXPECT_EQ(pck(found, truth, 0.2).correct, 1);
    EXPECT_THROWS(Error, pck(found, pose::Pose{}, 0.2), "shoulder");
}

// ---- the detect verb ---------------------------------------------------------------------------------

TEST_CASE(detect_cli_writes_openpose_json) {
    std::ostringstream out, err;
    const std::string path = test::tempPath("detected.json");
    const std::string preview = test::tempPath("detected.png");
    const int code = cli::runCli({"detect", "--image", source("resources/samples/messi5.jpg"), "--out", path, "--model",
                                  "lightning", "--threads", "2", "--refine", "0", "--preview", preview},
                                 out, err);
    EXPECT_EQ(code, cli::kExitOk);
    EXPECT(out.str().find("1 person") != std::string::npos);
    const auto people = pose::readOpenPoseJson(path);
    EXPECT_EQ(people.size(), 1u);
    EXPECT(people.at(0).presentCount() >= 15);
    const cv::Mat drawn = image::loadImage(preview);
    const cv::Mat photo = image::loadImage(source("resources/samples/messi5.jpg"));
    EXPECT_EQ(drawn.size(), photo.size());
    EXPECT(cv::norm(drawn, photo, cv::NORM_L1) > 0.0);  // the skeleton was drawn

    std::ostringstream o2, e2;
    EXPECT_EQ(cli::runCli({"detect", "--image", "x.jpg", "--out", path, "--model", "blazing"}, o2, e2),
              cli::kExitUsage);
    EXPECT(e2.str().find("thunder, lightning or multipose") != std::string::npos);
    std::ostringstream o3, e3;
    const std::string never = test::tempPath("never.json");
    EXPECT_EQ(cli::runCli({"detect", "--image", source("resources/samples/missing.jpg"), "--out", never}, o3, e3),
              cli::kExitFailure);
    EXPECT(e3.str().find("missing.jpg") != std::string::npos);
    EXPECT(!std::filesystem::exists(never));
}

TEST_CASE(detect_cli_on_a_folder_writes_one_file_per_photo) {
    namespace fs = std::filesystem;
    const fs::path photos = test::tempPath("detect-folder");
    fs::create_directories(photos);
    fs::copy_file(source("resources/samples/messi5.jpg"), photos / "messi5.jpg");
    files::writeAtomically((photos / "broken.png").string(), "not a PNG");
    files::writeAtomically((photos / "notes.txt").string(), "not a photo: left alone");
    const fs::path outFolder = test::tempPath("detect-folder-out");
    std::ostringstream out, err;
    const int code = cli::runCli({"detect", "--image", photos.string(), "--out", outFolder.string(), "--model",
                                  "lightning", "--threads", "2", "--refine", "0"},
                                 out, err);
    EXPECT_EQ(code, cli::kExitFailure);  // one photo failed; the other was still done
    EXPECT(pose::readOpenPoseJson((outFolder / "messi5.jpg.pose.json").string()).at(0).presentCount() >= 15);
    EXPECT(!fs::exists(outFolder / "broken.png.pose.json"));
    EXPECT(!fs::exists(outFolder / "notes.txt.pose.json"));
    EXPECT(out.str().find("1 done, 1 failed") != std::string::npos);
    EXPECT(err.str().find("broken.png: FAILED") != std::string::npos);
    std::ostringstream o2, e2;
    EXPECT_EQ(
        cli::runCli({"detect", "--image", photos.string(), "--out", outFolder.string(), "--preview", "x.png"}, o2, e2),
        cli::kExitUsage);
}

TEST_CASE(detect_reports_no_person_on_a_blank_photo) {
    const MoveNet net(bundledModelPath(MoveNetVariant::Lightning));
    const BodyDetection found = net.detect(cv::Mat(120, 160, CV_8UC3, cv::Scalar(128, 128, 128)));
    EXPECT(!found.found);
    EXPECT(found.score < kMinPersonScore);
}

// ---- person segmentation -------------------------------------------------------------------------------

TEST_CASE(detect_segmenter_covers_the_sample_person_and_not_the_corners) {
    const PersonSegmenter segmenter;
    const cv::Mat photo = image::loadImage(source("resources/samples/messi5.jpg"));
    const cv::Mat mask = segmenter.segment(photo);
    EXPECT_EQ(mask.type(), CV_32FC1);
    EXPECT_EQ(mask.rows, photo.rows);
    EXPECT_EQ(mask.cols, photo.cols);
    double lowest = 0, highest = 0;
    cv::minMaxLoc(mask, &lowest, &highest);
    EXPECT(lowest >= 0.0 && highest <= 1.0);
    // The annotated skeleton's torso and head joints lie on the person; the crowd in the corners does not.
    const pose::Pose person = pose::readOpenPoseJson(source("resources/samples/messi5.jpg.pose.json")).at(0);
    int on = 0, present = 0;
    for (const auto j :
         {pose::JointId::Nose, pose::JointId::Neck, pose::JointId::RightShoulder, pose::JointId::LeftShoulder,
          pose::JointId::RightHip, pose::JointId::LeftHip, pose::JointId::RightKnee, pose::JointId::LeftKnee}) {
        if (!person.has(j)) continue;
        const Point2 p = person.at(j).position;
        ++present;
        on += mask.at<float>(static_cast<int>(p.y), static_cast<int>(p.x)) > 0.5f;
    }
    EXPECT(present >= 6);
    EXPECT(on >= present - 1);
    EXPECT(cv::mean(mask(cv::Rect(0, 0, 60, 60)))[0] < 0.1);
    EXPECT(cv::mean(mask(cv::Rect(photo.cols - 60, 0, 60, 60)))[0] < 0.1);
    EXPECT_THROWS(Error, segmenter.segment(cv::Mat()), "8-bit colour");
    // MoveNet is a graph model too, but not this kind.
    EXPECT_THROWS(Error, PersonSegmenter(bundledModelPath(MoveNetVariant::Lightning)),
                  "not a person segmentation model");
}

TEST_CASE(detect_segmenter_matches_tensorflow_js) {
    // The network itself on the MoveNet fixture (messi5 in 256 x 256), fed as PersonSegmenter feeds it.
    const json reference = json::parse(files::readAll(test::dataPath("detect/selfie-reference.json"), 1 << 20));
    cv::Mat bgr = cv::imread(test::dataPath("detect/movenet-input-256.ppm"), cv::IMREAD_COLOR), rgb;
    cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
    const GraphExecutor exec(readGraphModel(bundledSegmenterPath()));
    std::vector<std::string> names;
    for (const auto& [name, node] : reference["nodes"].items()) names.push_back(name);
    const auto input = torch::from_blob(rgb.data, {1, 256, 256, 3}, torch::kUInt8).to(torch::kFloat32) / 255.0;
    const auto out = exec.run({{"input_1", input}}, names);
    for (std::size_t k = 0; k < names.size(); ++k) {
        const json& node = reference["nodes"][names[k]];
        const auto t = out[k].to(torch::kFloat64).contiguous().reshape({-1});
        EXPECT_EQ(out[k].sizes().vec() == node["shape"].get<std::vector<std::int64_t>>(), true);
        const double absSum = node["absSum"].get<double>();
        EXPECT_NEAR(t.sum().item<double>(), node["sum"].get<double>(), 1e-4 * absSum);
        EXPECT_NEAR(t.abs().sum().item<double>(), absSum, 1e-4 * absSum);
        const double scale = absSum / double(t.numel());
        for (const auto& sample : node["samples"]) {
            const double got = t[sample[0].get<std::int64_t>()].item<double>();
            const double want = sample[1].get<double>();
            EXPECT_NEAR(got, want, 1e-3 * (scale + std::abs(want)));
        }
    }
}

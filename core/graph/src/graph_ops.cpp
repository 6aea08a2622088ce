#include "graph_ops.h"

#include "marionette/util/error.h"

#include <torch/types.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace marionette::graph::ops {
namespace {

using torch::Tensor;

// ---- helpers -------------------------------------------------------------------------------------------

void requireInputs(const NodeContext& c, std::size_t count) {
    if (c.inputCount() != count)
        throw Error("takes " + std::to_string(count) + " inputs, the graph gives it " + std::to_string(c.inputCount()));
}

void requireAtLeastInputs(const NodeContext& c, std::size_t count) {
    if (c.inputCount() < count)
        throw Error("needs at least " + std::to_string(count) + " inputs, the graph gives it " +
                    std::to_string(c.inputCount()));
}

torch::ScalarType scalarType(const std::string& tfType) {
    if (tfType == "DT_FLOAT") return torch::kFloat32;
    if (tfType == "DT_INT32") return torch::kInt32;
    if (tfType == "DT_INT64") return torch::kInt64;
    if (tfType == "DT_BOOL") return torch::kBool;
    throw Error("uses type " + tfType + "; only DT_FLOAT, DT_INT32, DT_INT64 and DT_BOOL are supported");
}

// The values of a small integer tensor (shapes, axes, sizes).
std::vector<std::int64_t> integers(const Tensor& t, const char* what) {
    if (t.is_floating_point() || t.scalar_type() == torch::kBool) throw Error(std::string(what) + " must be integers");
    if (t.dim() > 1) throw Error(std::string(what) + " must be a scalar or a list");
    const auto longs = t.to(torch::kInt64).contiguous();
    return {longs.data_ptr<std::int64_t>(), longs.data_ptr<std::int64_t>() + longs.numel()};
}

std::int64_t integer(const Tensor& t, const char* what) {
    const auto v = integers(t, what);
    if (v.size() != 1) throw Error(std::string(what) + " must be one integer");
    return v[0];
}

// An axis in [-rank, rank) to [0, rank).
std::int64_t normaliseAxis(std::int64_t axis, std::int64_t rank) {
    if (axis < -rank || axis >= rank)
        throw Error("axis " + std::to_string(axis) + " is out of range for a tensor of rank " + std::to_string(rank));
    return axis < 0 ? axis + rank : axis;
}

void requireSameType(const Tensor& a, const Tensor& b) {
    if (a.scalar_type() != b.scalar_type())
        throw Error(std::string("its inputs have different types (") + c10::toString(a.scalar_type()) + " and " +
                    c10::toString(b.scalar_type()) + ")");
}

void requireFloat(const Tensor& t) {
    if (t.scalar_type() != torch::kFloat32) throw Error("needs a float32 input");
}

template <typename F>
Kernel unary(const NodeContext& c, F f) {
    requireInputs(c, 1);
    return [f](const std::vector<Tensor>& in) { return std::vector<Tensor>{f(in[0])}; };
}

template <typename F>
Kernel binary(const NodeContext& c, F f) {
    requireInputs(c, 2);
    return [f](const std::vector<Tensor>& in) {
        requireSameType(in[0], in[1]);
        return std::vector<Tensor>{f(in[0], in[1])};
    };
}

// ---- convolutions --------------------------------------------------------------------------------------

// Where and how a 2D window slides over an NHWC image (TensorFlow's strides / dilations / padding).
struct WindowGeometry {
    std::array<std::int64_t, 2> stride{1, 1};
    std::array<std::int64_t, 2> dilation{1, 1};
    std::string padding;                         // SAME, VALID, EXPLICIT
    std::array<std::int64_t, 4> explicitPads{};  // top, bottom, left, right

    // Padding before and after along one axis, as TensorFlow computes it (SAME puts the odd pixel after).
    std::pair<std::int64_t, std::int64_t> pads(int axis, std::int64_t inputExtent, std::int64_t kernelExtent) const {
        const auto a = static_cast<std::size_t>(axis);
        if (padding == "VALID") return {0, 0};
        if (padding == "EXPLICIT") return {explicitPads[2 * a], explicitPads[2 * a + 1]};
        const std::int64_t effectiveKernel = (kernelExtent - 1) * dilation[a] + 1;
        const std::int64_t output = (inputExtent + stride[a] - 1) / stride[a];
        const std::int64_t total = std::max<std::int64_t>((output - 1) * stride[a] + effectiveKernel - inputExtent, 0);
        return {total / 2, total - total / 2};
    }
};

std::array<std::int64_t, 2> spatialPair(const GraphNode& node, const std::string& key) {
    const auto v = node.intsAttr(key, std::vector<std::int64_t>{1, 1, 1, 1});
    if (v.size() != 4 || v[0] != 1 || v[3] != 1 || v[1] < 1 || v[2] < 1)
        throw Error("has " + key + " that are not [1, h, w, 1]");
    return {v[1], v[2]};
}

WindowGeometry readGeometry(const GraphNode& node) {
    if (node.stringAttr("data_format", "NHWC") != "NHWC")
        throw Error("uses data_format " + node.stringAttr("data_format") + "; only NHWC graphs are supported");
    WindowGeometry g;
    g.stride = spatialPair(node, "strides");
    g.dilation = spatialPair(node, "dilations");
    g.padding = node.stringAttr("padding");
    if (g.padding == "EXPLICIT") {
        const auto p = node.intsAttr("explicit_paddings");
        if (p.size() != 8 || p[0] || p[1] || p[6] || p[7])
            throw Error("has explicit_paddings that do not pad only height and width");
        g.explicitPads = {p[2], p[3], p[4], p[5]};
    } else if (g.padding != "SAME" && g.padding != "VALID") {
        throw Error("has padding '" + g.padding + "'; expected SAME, VALID or EXPLICIT");
    }
    return g;
}

// What a fused convolution does after the convolution: add the bias, then an activation.
struct Epilogue {
    enum class Activation { None, Relu, Relu6, Elu, LeakyRelu, Sigmoid, Prelu } activation = Activation::None;
    bool bias = false;
    double alpha = 0.2;  // LeakyRelu
};

Epilogue readEpilogue(const NodeContext& c, std::size_t fixedInputs) {
    const GraphNode& node = c.node;
    const auto fused = node.stringsAttr("fused_ops", std::vector<std::string>{});
    Epilogue e;
    std::size_t k = 0;
    if (k < fused.size() && fused[k] == "BiasAdd") {
        e.bias = true;
        ++k;
    }
    if (k < fused.size()) {
        const std::string& act = fused[k];
        using A = Epilogue::Activation;
        if (act == "Relu")
            e.activation = A::Relu;
        else if (act == "Relu6")
            e.activation = A::Relu6;
        else if (act == "Elu")
            e.activation = A::Elu;
        else if (act == "Sigmoid")
            e.activation = A::Sigmoid;
        else if (act == "Prelu")
            e.activation = A::Prelu;
        else if (act == "LeakyRelu") {
            e.activation = A::LeakyRelu;
            e.alpha = node.floatAttr("leakyrelu_alpha", 0.2);
        } else {
            throw Error("fuses '" + act +
                        "', which is not supported (BiasAdd then Relu, Relu6, Elu, LeakyRelu, "
                        "Sigmoid or Prelu are)");
        }
        ++k;
    }
    if (k != fused.size()) {
        std::string all;
        for (const auto& f : fused) all += (all.empty() ? "" : ", ") + f;
        throw Error("fuses [" + all + "], which is not supported (BiasAdd then one activation is)");
    }
    const std::size_t extra = (e.bias ? 1 : 0) + (e.activation == Epilogue::Activation::Prelu ? 1 : 0);
    requireInputs(c, fixedInputs + extra);
    return e;
}

Tensor activate(Tensor y, const Epilogue& e, const Tensor& preluAlpha) {
    using A = Epilogue::Activation;
    switch (e.activation) {
        case A::None:
            return y;
        case A::Relu:
            return y.relu_();
        case A::Relu6:
            return y.clamp_(0.0, 6.0);
        case A::Elu:
            return torch::elu(y);
        case A::LeakyRelu:
            return torch::leaky_relu(y, e.alpha);
        case A::Sigmoid:
            return y.sigmoid_();
        case A::Prelu:
            return torch::where(y > 0, y, y * preluAlpha);
    }
    return y;
}

// Runs a convolution on NHWC data. The input is padded the TensorFlow way (asymmetric SAME padding becomes an
// explicit pad), then viewed as NCHW: LibTorch sees a channels-last tensor and its result, viewed back, is NHWC.
Tensor convolveNhwc(const Tensor& x, const Tensor& weightOihw, const c10::optional<Tensor>& bias,
                    const WindowGeometry& g, std::int64_t groups) {
    requireFloat(x);
    if (x.dim() != 4) throw Error("needs a 4-D NHWC input, got " + std::to_string(x.dim()) + "-D");
    if (x.size(3) != weightOihw.size(1) * groups)
        throw Error("gets " + std::to_string(x.size(3)) + " input channels, its filter expects " +
                    std::to_string(weightOihw.size(1) * groups));
    const auto [top, bottom] = g.pads(0, x.size(1), weightOihw.size(2));
    const auto [left, right] = g.pads(1, x.size(2), weightOihw.size(3));
    Tensor input = x;
    std::vector<std::int64_t> padding{top, left};
    if (top != bottom || left != right) {
        input = at::constant_pad_nd(x, {0, 0, left, right, top, bottom});
        padding = {0, 0};
    }
    const Tensor y = at::convolution(input.permute({0, 3, 1, 2}), weightOihw, bias, {g.stride[0], g.stride[1]}, padding,
                                     {g.dilation[0], g.dilation[1]}, false, {0, 0}, groups);
    return y.permute({0, 2, 3, 1});
}

// TensorFlow filters to LibTorch's [out, in / groups, h, w], stored channels-last like the activations.
Tensor conv2dFilter(const Tensor& hwio) {
    if (hwio.dim() != 4) throw Error("needs a 4-D filter [h, w, in, out]");
    return hwio.to(torch::kFloat32).permute({3, 2, 0, 1}).contiguous(at::MemoryFormat::ChannelsLast);
}

Tensor depthwiseFilter(const Tensor& hwcm) {
    if (hwcm.dim() != 4) throw Error("needs a 4-D filter [h, w, channels, multiplier]");
    const auto h = hwcm.size(0), w = hwcm.size(1);
    // Output channel c * multiplier + m, as in TensorFlow; LibTorch's groups keep the same order.
    return hwcm.to(torch::kFloat32)
        .reshape({h, w, hwcm.size(2) * hwcm.size(3)})
        .permute({2, 0, 1})
        .unsqueeze(1)
        .contiguous(at::MemoryFormat::ChannelsLast);
}

template <bool Depthwise>
Kernel makeConvolution(const NodeContext& c, bool fused) {
    const WindowGeometry g = readGeometry(c.node);
    const Epilogue e = fused ? readEpilogue(c, 2) : Epilogue{};
    if (!fused) requireInputs(c, 2);
    const auto convert = [](const Tensor& filter) {
        return Depthwise ? depthwiseFilter(filter) : conv2dFilter(filter);
    };
    c10::optional<Tensor> constantFilter;
    if (const Tensor* f = c.constant(1)) constantFilter = convert(*f);
    c10::optional<Tensor> constantBias;
    if (e.bias)
        if (const Tensor* b = c.constant(2)) constantBias = b->to(torch::kFloat32).contiguous();
    return [=](const std::vector<Tensor>& in) {
        const Tensor filter = constantFilter ? *constantFilter : convert(in[1]);
        c10::optional<Tensor> bias;
        if (e.bias) bias = constantBias ? *constantBias : in[2].to(torch::kFloat32);
        if (bias && (bias->dim() != 1 || bias->size(0) != filter.size(0)))
            throw Error("has a bias of " + std::to_string(bias->numel()) + " values for " +
                        std::to_string(filter.size(0)) + " output channels");
        const std::int64_t groups = Depthwise ? in[0].size(-1) : 1;
        if (Depthwise && (in[0].dim() != 4 || filter.size(0) % std::max<std::int64_t>(groups, 1) != 0))
            throw Error("has a filter for other channels than its input's " + std::to_string(groups));
        Tensor y = convolveNhwc(in[0], filter, bias, g, groups);
        const Tensor alpha = e.activation == Epilogue::Activation::Prelu ? in.back() : Tensor();
        return std::vector<Tensor>{activate(y, e, alpha)};
    };
}

// Conv2DBackpropInput(input_sizes, filter [h, w, in, out], out_backprop): the gradient of a Conv2D with respect
// to its input, used as a learnt up-sampling. A transposed convolution with the same filter, cropped to
// input_sizes where the forward convolution's padding put them.
Kernel conv2dBackpropInput(const NodeContext& c) {
    requireInputs(c, 3);
    const WindowGeometry g = readGeometry(c.node);
    if (g.dilation[0] != 1 || g.dilation[1] != 1) throw Error("has dilations; only 1 is supported");
    c10::optional<Tensor> constantFilter;
    if (const Tensor* f = c.constant(1))
        constantFilter = conv2dFilter(*f);  // [out, in, h, w], as conv_transpose2d wants
    return [=](const std::vector<Tensor>& in) {
        const Tensor& dy = in[2];
        requireFloat(dy);
        if (dy.dim() != 4) throw Error("needs a 4-D NHWC out_backprop");
        const Tensor filter = constantFilter ? *constantFilter : conv2dFilter(in[1]);
        if (filter.size(0) != dy.size(3))
            throw Error("gets " + std::to_string(dy.size(3)) + " channels, its filter expects " +
                        std::to_string(filter.size(0)));
        const Tensor sizes = in[0].to(torch::kInt64).contiguous().reshape({-1});
        if (sizes.numel() != 4) throw Error("needs input_sizes of 4 values [n, h, w, c]");
        const std::int64_t height = sizes[1].item<std::int64_t>(), width = sizes[2].item<std::int64_t>();
        if (sizes[0].item<std::int64_t>() != dy.size(0) || sizes[3].item<std::int64_t>() != filter.size(1) ||
            height < 1 || width < 1 || height > 65536 || width > 65536)
            throw Error("has input_sizes that do not match its filter and out_backprop");
        const Tensor full = at::conv_transpose2d(dy.permute({0, 3, 1, 2}), filter, {}, {g.stride[0], g.stride[1]});
        const auto [top, bottom] = g.pads(0, height, filter.size(2));
        const auto [left, right] = g.pads(1, width, filter.size(3));
        // The forward convolution read the padded image from -top: keep [top, top + size) of the full result,
        // with zeros where its last window stopped short of the image's end.
        const Tensor y = at::constant_pad_nd(full, {0, std::max<std::int64_t>(0, left + width - full.size(3)), 0,
                                                    std::max<std::int64_t>(0, top + height - full.size(2))});
        return std::vector<Tensor>{y.narrow(2, top, height).narrow(3, left, width).permute({0, 2, 3, 1})};
    };
}

Kernel conv2d(const NodeContext& c) { return makeConvolution<false>(c, false); }
Kernel fusedConv2d(const NodeContext& c) { return makeConvolution<false>(c, true); }
Kernel depthwiseConv2d(const NodeContext& c) { return makeConvolution<true>(c, false); }
Kernel fusedDepthwiseConv2d(const NodeContext& c) { return makeConvolution<true>(c, true); }

Kernel biasAdd(const NodeContext& c) {
    if (c.node.stringAttr("data_format", "NHWC") != "NHWC") throw Error("only NHWC bias adds are supported");
    return binary(c, [](const Tensor& x, const Tensor& b) {
        if (b.dim() != 1 || x.dim() < 1 || b.size(0) != x.size(-1))
            throw Error("has a bias that does not match the last dimension of its input");
        return x + b;
    });
}

// ---- resizing ------------------------------------------------------------------------------------------

// Source rows (or columns) of each output row and the blend between them, exactly as TensorFlow's
// ResizeBilinear computes them for its three coordinate conventions.
struct Interpolation {
    Tensor lower, upper, fraction;
};

Interpolation interpolationAlong(std::int64_t in, std::int64_t out, bool alignCorners, bool halfPixelCenters) {
    const double scale = (alignCorners && out > 1) ? double(in - 1) / double(out - 1) : double(in) / double(out);
    std::vector<std::int64_t> lower(static_cast<std::size_t>(out)), upper(lower.size());
    std::vector<float> fraction(lower.size());
    for (std::int64_t o = 0; o < out; ++o) {
        const double source = halfPixelCenters ? (o + 0.5) * scale - 0.5 : o * scale;
        const double floorSource = std::floor(source);
        const auto k = static_cast<std::size_t>(o);
        lower[k] = std::clamp<std::int64_t>(static_cast<std::int64_t>(floorSource), 0, in - 1);
        upper[k] = std::clamp<std::int64_t>(static_cast<std::int64_t>(std::ceil(source)), 0, in - 1);
        fraction[k] = static_cast<float>(source - floorSource);
    }
    return {torch::tensor(lower), torch::tensor(upper), torch::tensor(fraction)};
}

Kernel resizeBilinear(const NodeContext& c) {
    requireInputs(c, 2);
    const bool alignCorners = c.node.boolAttr("align_corners", false);
    const bool halfPixelCenters = c.node.boolAttr("half_pixel_centers", false);
    if (alignCorners && halfPixelCenters) throw Error("sets both align_corners and half_pixel_centers");
    return [=](const std::vector<Tensor>& in) {
        const Tensor& x = in[0];
        requireFloat(x);
        if (x.dim() != 4) throw Error("needs a 4-D NHWC input");
        const auto size = integers(in[1], "the output size");
        if (size.size() != 2 || size[0] < 1 || size[1] < 1) throw Error("needs a positive output size [height, width]");
        const auto rows = interpolationAlong(x.size(1), size[0], alignCorners, halfPixelCenters);
        const auto cols = interpolationAlong(x.size(2), size[1], alignCorners, halfPixelCenters);
        const Tensor top = x.index_select(1, rows.lower), bottom = x.index_select(1, rows.upper);
        const Tensor blendedRows = torch::lerp(top, bottom, rows.fraction.view({1, -1, 1, 1}));
        const Tensor left = blendedRows.index_select(2, cols.lower), right = blendedRows.index_select(2, cols.upper);
        return std::vector<Tensor>{torch::lerp(left, right, cols.fraction.view({1, 1, -1, 1}))};
    };
}

// ---- shapes --------------------------------------------------------------------------------------------

Kernel reshape(const NodeContext& c) {
    requireInputs(c, 2);
    return [](const std::vector<Tensor>& in) {
        return std::vector<Tensor>{in[0].reshape(integers(in[1], "the new shape"))};
    };
}

Kernel squeeze(const NodeContext& c) {
    requireInputs(c, 1);
    const auto dims = c.node.find("squeeze_dims") ? c.node.intsAttr("squeeze_dims")
                                                  : c.node.intsAttr("axis", std::vector<std::int64_t>{});
    return [dims](const std::vector<Tensor>& in) {
        const Tensor& x = in[0];
        if (dims.empty()) return std::vector<Tensor>{x.squeeze()};
        std::vector<std::int64_t> keep;
        std::vector<bool> drop(static_cast<std::size_t>(x.dim()), false);
        for (const auto d : dims) {
            const auto axis = normaliseAxis(d, x.dim());
            if (x.size(axis) != 1)
                throw Error("cannot squeeze dimension " + std::to_string(d) + " of size " +
                            std::to_string(x.size(axis)));
            drop[static_cast<std::size_t>(axis)] = true;
        }
        for (std::int64_t k = 0; k < x.dim(); ++k)
            if (!drop[static_cast<std::size_t>(k)]) keep.push_back(x.size(k));
        return std::vector<Tensor>{x.reshape(keep)};
    };
}

Kernel expandDims(const NodeContext& c) {
    requireInputs(c, 2);
    return [](const std::vector<Tensor>& in) {
        const auto axis = normaliseAxis(integer(in[1], "the axis"), in[0].dim() + 1);
        return std::vector<Tensor>{in[0].unsqueeze(axis)};
    };
}

Kernel unpack(const NodeContext& c) {
    requireInputs(c, 1);
    const auto axisAttr = c.node.intAttr("axis", 0);
    const auto num = c.node.intAttr("num");
    return [=](const std::vector<Tensor>& in) {
        const auto axis = normaliseAxis(axisAttr, in[0].dim());
        if (in[0].size(axis) != num)
            throw Error("expects " + std::to_string(num) + " slices along axis " + std::to_string(axisAttr) + ", got " +
                        std::to_string(in[0].size(axis)));
        auto parts = in[0].unbind(axis);
        return std::vector<Tensor>(parts.begin(), parts.end());
    };
}

Kernel pack(const NodeContext& c) {
    requireAtLeastInputs(c, 1);
    const auto axisAttr = c.node.intAttr("axis", 0);
    return [=](const std::vector<Tensor>& in) {
        for (const auto& t : in) requireSameType(in[0], t);
        return std::vector<Tensor>{torch::stack(in, normaliseAxis(axisAttr, in[0].dim() + 1))};
    };
}

Kernel concat(const NodeContext& c) {
    requireAtLeastInputs(c, 2);
    return [](const std::vector<Tensor>& in) {
        std::vector<Tensor> parts(in.begin(), in.end() - 1);
        for (const auto& t : parts) requireSameType(parts[0], t);
        const auto axis = normaliseAxis(integer(in.back(), "the axis"), parts[0].dim());
        return std::vector<Tensor>{torch::cat(parts, axis)};
    };
}

Kernel cast(const NodeContext& c) {
    requireInputs(c, 1);
    const auto type = scalarType(c.node.typeAttr("DstT"));
    return [type](const std::vector<Tensor>& in) {
        if (type == torch::kBool) return std::vector<Tensor>{in[0].ne(0)};
        return std::vector<Tensor>{in[0].to(type)};  // float to int truncates towards zero, as in TensorFlow
    };
}

Kernel identity(const NodeContext& c) {
    requireInputs(c, 1);
    return [](const std::vector<Tensor>& in) { return std::vector<Tensor>{in[0]}; };
}

// ---- reductions and gathers ----------------------------------------------------------------------------

Kernel argMax(const NodeContext& c) {
    requireInputs(c, 2);
    const auto type = scalarType(c.node.typeAttr("output_type", "DT_INT64"));
    if (type != torch::kInt32 && type != torch::kInt64) throw Error("has an output_type that is not an integer type");
    return [type](const std::vector<Tensor>& in) {
        if (in[0].numel() == 0) throw Error("cannot take the arg max of an empty tensor");
        const auto axis = normaliseAxis(integer(in[1], "the dimension"), in[0].dim());
        return std::vector<Tensor>{in[0].argmax(axis).to(type)};  // the first maximum wins, as in TensorFlow
    };
}

Kernel gatherNd(const NodeContext& c) {
    requireInputs(c, 2);
    return [](const std::vector<Tensor>& in) {
        const Tensor& params = in[0];
        const Tensor& indices = in[1];
        if (indices.is_floating_point() || indices.dim() < 1) throw Error("needs integer indices");
        const std::int64_t depth = indices.size(-1);
        if (depth > params.dim())
            throw Error("has index tuples of " + std::to_string(depth) + " for a tensor of rank " +
                        std::to_string(params.dim()));
        const Tensor tuples = indices.reshape({-1, depth}).to(torch::kInt64);
        Tensor linear = torch::zeros({tuples.size(0)}, torch::kInt64);
        std::vector<std::int64_t> flatShape{1};
        for (std::int64_t k = 0; k < depth; ++k) {
            const Tensor column = tuples.select(1, k);
            if (column.numel() > 0 &&
                (column.min().item<std::int64_t>() < 0 || column.max().item<std::int64_t>() >= params.size(k)))
                throw Error("has an index out of range for dimension " + std::to_string(k) + " of size " +
                            std::to_string(params.size(k)));
            linear = linear * params.size(k) + column;
            flatShape[0] *= params.size(k);
        }
        std::vector<std::int64_t> outShape(indices.sizes().begin(), indices.sizes().end() - 1);
        for (std::int64_t k = depth; k < params.dim(); ++k) {
            flatShape.push_back(params.size(k));
            outShape.push_back(params.size(k));
        }
        return std::vector<Tensor>{params.reshape(flatShape).index_select(0, linear).reshape(outShape)};
    };
}

// ---- element-wise arithmetic ---------------------------------------------------------------------------

Kernel add(const NodeContext& c) {
    return binary(c, [](const Tensor& a, const Tensor& b) { return a + b; });
}
Kernel sub(const NodeContext& c) {
    return binary(c, [](const Tensor& a, const Tensor& b) { return a - b; });
}
Kernel mul(const NodeContext& c) {
    return binary(c, [](const Tensor& a, const Tensor& b) { return a * b; });
}
Kernel realDiv(const NodeContext& c) {
    return binary(c, [](const Tensor& a, const Tensor& b) { return a / b; });
}
Kernel floorDiv(const NodeContext& c) {
    return binary(c, [](const Tensor& a, const Tensor& b) {
        if (!a.is_floating_point() && b.eq(0).any().item<bool>()) throw Error("divides an integer by zero");
        return torch::div(a, b, "floor");
    });
}
Kernel squaredDifference(const NodeContext& c) {
    return binary(c, [](const Tensor& a, const Tensor& b) {
        const Tensor d = a - b;
        return d * d;
    });
}
Kernel maximumOp(const NodeContext& c) {
    return binary(c, [](const Tensor& a, const Tensor& b) { return torch::maximum(a, b); });
}
Kernel minimumOp(const NodeContext& c) {
    return binary(c, [](const Tensor& a, const Tensor& b) { return torch::minimum(a, b); });
}

Kernel sqrtOp(const NodeContext& c) {
    return unary(c, [](const Tensor& x) { return x.sqrt(); });
}
Kernel rsqrtOp(const NodeContext& c) {
    return unary(c, [](const Tensor& x) { return x.rsqrt(); });
}
Kernel sigmoidOp(const NodeContext& c) {
    return unary(c, [](const Tensor& x) { return x.sigmoid(); });
}
Kernel reluOp(const NodeContext& c) {
    return unary(c, [](const Tensor& x) { return x.relu(); });
}
Kernel relu6Op(const NodeContext& c) {
    return unary(c, [](const Tensor& x) { return x.clamp(0.0, 6.0); });
}
Kernel expOp(const NodeContext& c) {
    return unary(c, [](const Tensor& x) { return x.exp(); });
}
Kernel absOp(const NodeContext& c) {
    return unary(c, [](const Tensor& x) { return x.abs(); });
}
Kernel negOp(const NodeContext& c) {
    return unary(c, [](const Tensor& x) { return x.neg(); });
}
Kernel tanhOp(const NodeContext& c) {
    return unary(c, [](const Tensor& x) { return x.tanh(); });
}
Kernel squareOp(const NodeContext& c) {
    return unary(c, [](const Tensor& x) { return x * x; });
}
Kernel reciprocalOp(const NodeContext& c) {
    return unary(c, [](const Tensor& x) { return x.reciprocal(); });
}

// ---- ops of MoveNet MultiPose's decoder: shapes, slices, comparisons, reductions -------------------------

Kernel shapeOp(const NodeContext& c) {
    requireInputs(c, 1);
    const auto type = scalarType(c.node.typeAttr("out_type", "DT_INT32"));
    return [type](const std::vector<Tensor>& in) {
        return std::vector<Tensor>{torch::tensor(in[0].sizes().vec(), torch::kInt64).to(type)};
    };
}

Kernel sizeOp(const NodeContext& c) {
    requireInputs(c, 1);
    const auto type = scalarType(c.node.typeAttr("out_type", "DT_INT32"));
    return [type](const std::vector<Tensor>& in) {
        return std::vector<Tensor>{torch::scalar_tensor(in[0].numel(), torch::kInt64).to(type)};
    };
}

// TensorFlow's StridedSlice: one spec entry per begin/end/stride value, with bit masks that ignore begin or
// end, insert a new axis, take a single index (dropping the axis) or stand for all remaining axes.
Kernel stridedSlice(const NodeContext& c) {
    requireInputs(c, 4);
    const auto beginMask = c.node.intAttr("begin_mask", 0), endMask = c.node.intAttr("end_mask", 0);
    const auto ellipsisMask = c.node.intAttr("ellipsis_mask", 0), newAxisMask = c.node.intAttr("new_axis_mask", 0);
    const auto shrinkMask = c.node.intAttr("shrink_axis_mask", 0);
    if (ellipsisMask & (ellipsisMask - 1)) throw Error("has more than one ellipsis");
    return [=](const std::vector<Tensor>& in) {
        const auto begin = integers(in[1], "the begin indices"), end = integers(in[2], "the end indices");
        const auto strides = integers(in[3], "the strides");
        const auto n = static_cast<std::int64_t>(begin.size());
        if (static_cast<std::int64_t>(end.size()) != n || static_cast<std::int64_t>(strides.size()) != n)
            throw Error("has begin, end and strides of different lengths");
        const auto bit = [](std::int64_t mask, std::int64_t i) { return ((mask >> i) & 1) != 0; };
        std::int64_t consumed = 0;  // axes of the input that the entries other than ellipsis and new axis address
        for (std::int64_t i = 0; i < n; ++i)
            if (!bit(ellipsisMask, i) && !bit(newAxisMask, i)) ++consumed;
        if (consumed > in[0].dim()) throw Error("slices more axes than its input has");
        Tensor r = in[0];
        std::int64_t axis = 0;
        for (std::int64_t i = 0; i < n; ++i) {
            const auto k = static_cast<std::size_t>(i);
            if (bit(ellipsisMask, i)) {
                axis += in[0].dim() - consumed;
                continue;
            }
            if (bit(newAxisMask, i)) {
                r = r.unsqueeze(axis++);
                continue;
            }
            const std::int64_t size = r.size(axis);
            if (bit(shrinkMask, i)) {
                const std::int64_t index = begin[k] < 0 ? begin[k] + size : begin[k];
                if (index < 0 || index >= size)
                    throw Error("takes index " + std::to_string(begin[k]) + " of an axis of size " +
                                std::to_string(size));
                r = r.select(axis, index);
                continue;
            }
            const std::int64_t stride = strides[k];
            if (stride == 0) throw Error("has a stride of 0");
            const auto bound = [&](std::int64_t v) {
                if (v < 0) v += size;
                return stride > 0 ? std::clamp<std::int64_t>(v, 0, size) : std::clamp<std::int64_t>(v, -1, size - 1);
            };
            const std::int64_t b = bit(beginMask, i) ? (stride > 0 ? 0 : size - 1) : bound(begin[k]);
            const std::int64_t e = bit(endMask, i) ? (stride > 0 ? size : -1) : bound(end[k]);
            if (stride == 1) {
                r = r.slice(axis, b, std::max(b, e));
            } else {
                std::vector<std::int64_t> picked;
                for (std::int64_t v = b; stride > 0 ? v < e : v > e; v += stride) picked.push_back(v);
                r = r.index_select(axis, torch::tensor(picked, torch::kInt64));
            }
            ++axis;
        }
        return std::vector<Tensor>{r};
    };
}

// A pooling node over NHWC data: checks its window and input, pads the TensorFlow way and runs `pool` on the
// padded image (NHWC, pads in constant_pad_nd's order) with the window and strides; the result is NCHW.
template <typename Pool>
Kernel makePool(const NodeContext& c, Pool pool) {
    requireInputs(c, 1);
    const WindowGeometry g = readGeometry(c.node);
    const auto ksize = c.node.intsAttr("ksize");
    if (ksize.size() != 4 || ksize[0] != 1 || ksize[3] != 1 || ksize[1] < 1 || ksize[2] < 1)
        throw Error("has a ksize that is not [1, h, w, 1]");
    return [=](const std::vector<Tensor>& in) {
        const Tensor& x = in[0];
        requireFloat(x);
        if (x.dim() != 4) throw Error("needs a 4-D NHWC input");
        const auto [top, bottom] = g.pads(0, x.size(1), ksize[1]);
        const auto [left, right] = g.pads(1, x.size(2), ksize[2]);
        const std::vector<std::int64_t> pads{0, 0, left, right, top, bottom}, window{ksize[1], ksize[2]},
            stride{g.stride[0], g.stride[1]};
        return std::vector<Tensor>{pool(x, pads, window, stride).permute({0, 2, 3, 1})};
    };
}

using PoolArgs = const std::vector<std::int64_t>&;

// TensorFlow averages over the part of each window that lies inside the image (padding is not counted).
Kernel avgPool(const NodeContext& c) {
    return makePool(c, [](const Tensor& x, PoolArgs pads, PoolArgs window, PoolArgs stride) {
        const Tensor sums = at::avg_pool2d(at::constant_pad_nd(x, pads).permute({0, 3, 1, 2}), window, stride);
        const Tensor inside = at::avg_pool2d(
            at::constant_pad_nd(at::ones({1, x.size(1), x.size(2), 1}, x.options()), pads).permute({0, 3, 1, 2}),
            window, stride);
        return sums / inside;
    });
}

Kernel maxPool(const NodeContext& c) {
    return makePool(c, [](const Tensor& x, PoolArgs pads, PoolArgs window, PoolArgs stride) {
        // Padding never wins a maximum in TensorFlow: pad with -infinity.
        const Tensor padded = at::constant_pad_nd(x, pads, -std::numeric_limits<double>::infinity());
        return at::max_pool2d(padded.permute({0, 3, 1, 2}), window, stride);
    });
}

Kernel rangeOp(const NodeContext& c) {
    requireInputs(c, 3);
    return [](const std::vector<Tensor>& in) {
        for (const auto& t : in) requireSameType(in[0], t);
        if (in[0].numel() != 1 || in[1].numel() != 1 || in[2].numel() != 1)
            throw Error("needs scalar start, limit and delta");
        const double start = in[0].item<double>(), limit = in[1].item<double>(), delta = in[2].item<double>();
        if (delta == 0.0 || (limit - start) / delta > 1e8) throw Error("has an impossible delta or length");
        return std::vector<Tensor>{torch::arange(start, limit, delta, torch::kFloat64).to(in[0].scalar_type())};
    };
}

Kernel fill(const NodeContext& c) {
    requireInputs(c, 2);
    return [](const std::vector<Tensor>& in) {
        if (in[1].numel() != 1) throw Error("needs a scalar value");
        return std::vector<Tensor>{in[1].reshape({}).expand(integers(in[0], "the dimensions")).contiguous()};
    };
}

Kernel tile(const NodeContext& c) {
    requireInputs(c, 2);
    return [](const std::vector<Tensor>& in) {
        const auto multiples = integers(in[1], "the multiples");
        if (static_cast<std::int64_t>(multiples.size()) != in[0].dim()) throw Error("needs one multiple per axis");
        return std::vector<Tensor>{in[0].repeat(multiples)};
    };
}

Kernel topK(const NodeContext& c) {
    requireInputs(c, 2);
    const bool sorted = c.node.boolAttr("sorted", true);
    return [sorted](const std::vector<Tensor>& in) {
        const auto k = integer(in[1], "k");
        if (in[0].dim() < 1 || k < 0 || k > in[0].size(-1))
            throw Error("asks for more values than the last axis holds");
        auto [values, indices] = torch::topk(in[0], k, -1, true, sorted);
        return std::vector<Tensor>{values, indices.to(torch::kInt32)};
    };
}

Kernel split(const NodeContext& c) {
    requireInputs(c, 2);
    const auto count = c.node.intAttr("num_split");
    if (count < 1) throw Error("needs num_split of at least 1");
    return [count](const std::vector<Tensor>& in) {
        const Tensor& x = in[1];
        const auto axis = normaliseAxis(integer(in[0], "the split axis"), x.dim());
        if (x.size(axis) % count != 0)
            throw Error("cannot split an axis of size " + std::to_string(x.size(axis)) + " evenly");
        auto parts = x.chunk(count, axis);
        return std::vector<Tensor>(parts.begin(), parts.end());
    };
}

Kernel addN(const NodeContext& c) {
    requireAtLeastInputs(c, 1);
    return [](const std::vector<Tensor>& in) {
        Tensor sum = in[0].clone();
        for (std::size_t k = 1; k < in.size(); ++k) {
            requireSameType(in[0], in[k]);
            sum = sum + in[k];
        }
        return std::vector<Tensor>{sum};
    };
}

// Sum and Max over the axes given by the second input.
template <bool IsMax>
Kernel reduction(const NodeContext& c) {
    requireInputs(c, 2);
    const bool keep = c.node.boolAttr("keep_dims", false);
    return [keep](const std::vector<Tensor>& in) {
        std::vector<std::int64_t> axes;
        for (const auto a : integers(in[1], "the reduction axes")) axes.push_back(normaliseAxis(a, in[0].dim()));
        if (axes.empty()) return std::vector<Tensor>{in[0]};
        if (IsMax) return std::vector<Tensor>{torch::amax(in[0], axes, keep)};
        return std::vector<Tensor>{in[0].sum(axes, keep, in[0].scalar_type())};
    };
}
Kernel sumOp(const NodeContext& c) { return reduction<false>(c); }
Kernel maxOp(const NodeContext& c) { return reduction<true>(c); }

Kernel less(const NodeContext& c) {
    return binary(c, [](const Tensor& a, const Tensor& b) { return a < b; });
}
Kernel greater(const NodeContext& c) {
    return binary(c, [](const Tensor& a, const Tensor& b) { return a > b; });
}
Kernel greaterEqual(const NodeContext& c) {
    return binary(c, [](const Tensor& a, const Tensor& b) { return a >= b; });
}
Kernel equal(const NodeContext& c) {
    return binary(c, [](const Tensor& a, const Tensor& b) { return a == b; });
}
Kernel logicalAnd(const NodeContext& c) {
    return binary(c, [](const Tensor& a, const Tensor& b) {
        if (a.scalar_type() != torch::kBool) throw Error("needs true/false inputs");
        return a.logical_and(b);
    });
}

// Select (TensorFlow 1): a condition of the same shape picks element-wise; a vector condition picks whole
// rows along the first axis.
Kernel select(const NodeContext& c) {
    requireInputs(c, 3);
    return [](const std::vector<Tensor>& in) {
        requireSameType(in[1], in[2]);
        if (in[0].scalar_type() != torch::kBool) throw Error("needs a true/false condition");
        Tensor condition = in[0];
        if (condition.dim() == 1 && in[1].dim() > 1 && condition.size(0) == in[1].size(0)) {
            std::vector<std::int64_t> shape(static_cast<std::size_t>(in[1].dim()), 1);
            shape[0] = condition.size(0);
            condition = condition.reshape(shape);
        }
        return std::vector<Tensor>{torch::where(condition, in[1], in[2])};
    };
}

// SelectV2: numpy broadcasting of all three inputs.
Kernel selectV2(const NodeContext& c) {
    requireInputs(c, 3);
    return [](const std::vector<Tensor>& in) {
        requireSameType(in[1], in[2]);
        if (in[0].scalar_type() != torch::kBool) throw Error("needs a true/false condition");
        return std::vector<Tensor>{torch::where(in[0], in[1], in[2])};
    };
}

}  // namespace

const std::map<std::string, KernelFactory>& kernelFactories() {
    static const std::map<std::string, KernelFactory> factories{
        {"Abs", absOp},
        {"Add", add},
        {"AddN", addN},
        {"AddV2", add},
        {"ArgMax", argMax},
        {"AvgPool", avgPool},
        {"BiasAdd", biasAdd},
        {"Cast", cast},
        {"ConcatV2", concat},
        {"Conv2D", conv2d},
        {"Conv2DBackpropInput", conv2dBackpropInput},
        {"DepthwiseConv2dNative", depthwiseConv2d},
        {"Equal", equal},
        {"Exp", expOp},
        {"ExpandDims", expandDims},
        {"Fill", fill},
        {"FloorDiv", floorDiv},
        {"FusedDepthwiseConv2dNative", fusedDepthwiseConv2d},
        {"GatherNd", gatherNd},
        {"Greater", greater},
        {"GreaterEqual", greaterEqual},
        {"Identity", identity},
        {"Less", less},
        {"LogicalAnd", logicalAnd},
        {"Max", maxOp},
        {"MaxPool", maxPool},
        {"Maximum", maximumOp},
        {"Minimum", minimumOp},
        {"Mul", mul},
        {"Neg", negOp},
        {"Pack", pack},
        {"Range", rangeOp},
        {"RealDiv", realDiv},
        {"Reciprocal", reciprocalOp},
        {"Relu", reluOp},
        {"Relu6", relu6Op},
        {"Reshape", reshape},
        {"ResizeBilinear", resizeBilinear},
        {"Rsqrt", rsqrtOp},
        {"Select", select},
        {"SelectV2", selectV2},
        {"Shape", shapeOp},
        {"Sigmoid", sigmoidOp},
        {"Size", sizeOp},
        {"Split", split},
        {"Sqrt", sqrtOp},
        {"Square", squareOp},
        {"SquaredDifference", squaredDifference},
        {"Squeeze", squeeze},
        {"StridedSlice", stridedSlice},
        {"Sub", sub},
        {"Sum", sumOp},
        {"Tanh", tanhOp},
        {"Tile", tile},
        {"TopKV2", topK},
        {"Unpack", unpack},
        {"_FusedConv2D", fusedConv2d},
    };
    return factories;
}

}  // namespace marionette::graph::ops

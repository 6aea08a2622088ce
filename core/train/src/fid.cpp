#include "marionette/train/fid.h"

#include "marionette/model/safetensors.h"
#include "marionette/util/error.h"
#include "named_tensors.h"

#include <torch/nn/functional/pooling.h>
#include <torch/nn/functional/upsampling.h>
#include <torch/types.h>

namespace marionette::train {
namespace F = torch::nn::functional;
namespace {

const char* const kFidLayout = "the FID Inception-v3 layout of tools/convert_fid_inception.py";

// One BasicConv2d of torchvision's Inception3: its name, channels, kernel, stride and padding.
struct InceptionConv {
    std::string name;
    int64_t in, out, kernelH, kernelW, stride, padH, padW;
};

// Every convolution of the FID Inception-v3 up to its pool features, with torchvision's names.
std::vector<InceptionConv> inceptionConvs() {
    std::vector<InceptionConv> c;
    const auto add = [&c](const std::string& name, int64_t in, int64_t out, int64_t kh, int64_t kw, int64_t stride = 1,
                          int64_t ph = 0, int64_t pw = 0) {
        c.push_back({name, in, out, kh, kw, stride, ph, pw});
    };
    add("Conv2d_1a_3x3", 3, 32, 3, 3, 2);
    add("Conv2d_2a_3x3", 32, 32, 3, 3);
    add("Conv2d_2b_3x3", 32, 64, 3, 3, 1, 1, 1);
    add("Conv2d_3b_1x1", 64, 80, 1, 1);
    add("Conv2d_4a_3x3", 80, 192, 3, 3);
    const auto a = [&](const std::string& p, int64_t in, int64_t poolFeatures) {
        add(p + ".branch1x1", in, 64, 1, 1);
        add(p + ".branch5x5_1", in, 48, 1, 1);
        add(p + ".branch5x5_2", 48, 64, 5, 5, 1, 2, 2);
        add(p + ".branch3x3dbl_1", in, 64, 1, 1);
        add(p + ".branch3x3dbl_2", 64, 96, 3, 3, 1, 1, 1);
        add(p + ".branch3x3dbl_3", 96, 96, 3, 3, 1, 1, 1);
        add(p + ".branch_pool", in, poolFeatures, 1, 1);
    };
    a("Mixed_5b", 192, 32);
    a("Mixed_5c", 256, 64);
    a("Mixed_5d", 288, 64);
    add("Mixed_6a.branch3x3", 288, 384, 3, 3, 2);
    add("Mixed_6a.branch3x3dbl_1", 288, 64, 1, 1);
    add("Mixed_6a.branch3x3dbl_2", 64, 96, 3, 3, 1, 1, 1);
    add("Mixed_6a.branch3x3dbl_3", 96, 96, 3, 3, 2);
    const auto cBlock = [&](const std::string& p, int64_t c7) {
        add(p + ".branch1x1", 768, 192, 1, 1);
        add(p + ".branch7x7_1", 768, c7, 1, 1);
        add(p + ".branch7x7_2", c7, c7, 1, 7, 1, 0, 3);
        add(p + ".branch7x7_3", c7, 192, 7, 1, 1, 3, 0);
        add(p + ".branch7x7dbl_1", 768, c7, 1, 1);
        add(p + ".branch7x7dbl_2", c7, c7, 7, 1, 1, 3, 0);
        add(p + ".branch7x7dbl_3", c7, c7, 1, 7, 1, 0, 3);
        add(p + ".branch7x7dbl_4", c7, c7, 7, 1, 1, 3, 0);
        add(p + ".branch7x7dbl_5", c7, 192, 1, 7, 1, 0, 3);
        add(p + ".branch_pool", 768, 192, 1, 1);
    };
    cBlock("Mixed_6b", 128);
    cBlock("Mixed_6c", 160);
    cBlock("Mixed_6d", 160);
    cBlock("Mixed_6e", 192);
    add("Mixed_7a.branch3x3_1", 768, 192, 1, 1);
    add("Mixed_7a.branch3x3_2", 192, 320, 3, 3, 2);
    add("Mixed_7a.branch7x7x3_1", 768, 192, 1, 1);
    add("Mixed_7a.branch7x7x3_2", 192, 192, 1, 7, 1, 0, 3);
    add("Mixed_7a.branch7x7x3_3", 192, 192, 7, 1, 1, 3, 0);
    add("Mixed_7a.branch7x7x3_4", 192, 192, 3, 3, 2);
    const auto e = [&](const std::string& p, int64_t in) {
        add(p + ".branch1x1", in, 320, 1, 1);
        add(p + ".branch3x3_1", in, 384, 1, 1);
        add(p + ".branch3x3_2a", 384, 384, 1, 3, 1, 0, 1);
        add(p + ".branch3x3_2b", 384, 384, 3, 1, 1, 1, 0);
        add(p + ".branch3x3dbl_1", in, 448, 1, 1);
        add(p + ".branch3x3dbl_2", 448, 384, 3, 3, 1, 1, 1);
        add(p + ".branch3x3dbl_3a", 384, 384, 1, 3, 1, 0, 1);
        add(p + ".branch3x3dbl_3b", 384, 384, 3, 1, 1, 1, 0);
        add(p + ".branch_pool", in, 192, 1, 1);
    };
    e("Mixed_7b", 1280);
    e("Mixed_7c", 2048);
    return c;
}

// TensorFlow's average pool, which pytorch-fid's blocks copy: the padding does not count.
at::Tensor averagePool3x3(const at::Tensor& x) {
    return F::avg_pool2d(x, F::AvgPool2dFuncOptions(3).stride(1).padding(1).count_include_pad(false));
}

at::Tensor maxPool3x3(const at::Tensor& x, int64_t stride, int64_t padding = 0) {
    return F::max_pool2d(x, F::MaxPool2dFuncOptions(3).stride(stride).padding(padding));
}

}  // namespace

std::vector<std::pair<std::string, std::vector<int64_t>>> FidInception::layout() {
    std::vector<std::pair<std::string, std::vector<int64_t>>> tensors;
    for (const InceptionConv& s : inceptionConvs()) {
        tensors.push_back({s.name + ".conv.weight", {s.out, s.in, s.kernelH, s.kernelW}});
        for (const char* bn : {".bn.weight", ".bn.bias", ".bn.running_mean", ".bn.running_var"})
            tensors.push_back({s.name + bn, {s.out}});
    }
    return tensors;
}

FidInception::FidInception(const std::string& weightsPath) {
    torch::NoGradGuard noGrad;
    const auto content = model::readSafetensors(weightsPath);
    for (const InceptionConv& s : inceptionConvs()) {
        at::Tensor weight = torch::empty({s.out, s.in, s.kernelH, s.kernelW});
        at::Tensor gamma = torch::empty({s.out}), beta = torch::empty({s.out}), mean = torch::empty({s.out}),
                   variance = torch::empty({s.out});
        detail::copyNamedTensor(content, weightsPath, s.name + ".conv.weight", weight, kFidLayout);
        detail::copyNamedTensor(content, weightsPath, s.name + ".bn.weight", gamma, kFidLayout);
        detail::copyNamedTensor(content, weightsPath, s.name + ".bn.bias", beta, kFidLayout);
        detail::copyNamedTensor(content, weightsPath, s.name + ".bn.running_mean", mean, kFidLayout);
        detail::copyNamedTensor(content, weightsPath, s.name + ".bn.running_var", variance, kFidLayout);
        if ((variance < 0).any().item<bool>())
            throwFileError(weightsPath, "tensor \"" + s.name + ".bn.running_var\" has negative variances");
        // Batch norm in inference folded into the convolution: gamma (Wx - mean) / sqrt(var + eps) + beta.
        const auto scale = gamma / torch::sqrt(variance + 1e-3);
        m_convs[s.name] = {weight * scale.view({-1, 1, 1, 1}), beta - mean * scale, s.stride, s.stride, s.padH, s.padW};
    }
}

void FidInception::to(const c10::Device& device) {
    for (auto& [name, c] : m_convs) {
        c.weight = c.weight.to(device);
        c.bias = c.bias.to(device);
    }
}

at::Tensor FidInception::conv(const std::string& name, const at::Tensor& x) const {
    const Conv& c = m_convs.at(name);
    return torch::relu(torch::conv2d(x, c.weight, c.bias, {c.strideH, c.strideW}, {c.padH, c.padW}));
}

at::Tensor FidInception::blockA(const std::string& p, const at::Tensor& x) const {
    return torch::cat({conv(p + ".branch1x1", x), conv(p + ".branch5x5_2", conv(p + ".branch5x5_1", x)),
                       conv(p + ".branch3x3dbl_3", conv(p + ".branch3x3dbl_2", conv(p + ".branch3x3dbl_1", x))),
                       conv(p + ".branch_pool", averagePool3x3(x))},
                      1);
}

at::Tensor FidInception::blockB(const std::string& p, const at::Tensor& x) const {
    return torch::cat(
        {conv(p + ".branch3x3", x),
         conv(p + ".branch3x3dbl_3", conv(p + ".branch3x3dbl_2", conv(p + ".branch3x3dbl_1", x))), maxPool3x3(x, 2)},
        1);
}

at::Tensor FidInception::blockC(const std::string& p, const at::Tensor& x) const {
    auto seven = conv(p + ".branch7x7_3", conv(p + ".branch7x7_2", conv(p + ".branch7x7_1", x)));
    auto sevenTwice = conv(p + ".branch7x7dbl_1", x);
    for (const char* k : {"_2", "_3", "_4", "_5"}) sevenTwice = conv(p + ".branch7x7dbl" + k, sevenTwice);
    return torch::cat({conv(p + ".branch1x1", x), seven, sevenTwice, conv(p + ".branch_pool", averagePool3x3(x))}, 1);
}

at::Tensor FidInception::blockD(const std::string& p, const at::Tensor& x) const {
    auto seven = conv(p + ".branch7x7x3_1", x);
    for (const char* k : {"_2", "_3", "_4"}) seven = conv(p + ".branch7x7x3" + k, seven);
    return torch::cat({conv(p + ".branch3x3_2", conv(p + ".branch3x3_1", x)), seven, maxPool3x3(x, 2)}, 1);
}

// The last block of the FID network pools its fourth branch by maximum, not average (pytorch-fid keeps
// this quirk of the TensorFlow graph).
at::Tensor FidInception::blockE(const std::string& p, const at::Tensor& x, bool maxPoolBranch) const {
    const auto three = conv(p + ".branch3x3_1", x);
    const auto threeTwice = conv(p + ".branch3x3dbl_2", conv(p + ".branch3x3dbl_1", x));
    return torch::cat({conv(p + ".branch1x1", x), conv(p + ".branch3x3_2a", three), conv(p + ".branch3x3_2b", three),
                       conv(p + ".branch3x3dbl_3a", threeTwice), conv(p + ".branch3x3dbl_3b", threeTwice),
                       conv(p + ".branch_pool", maxPoolBranch ? maxPool3x3(x, 1, 1) : averagePool3x3(x))},
                      1);
}

at::Tensor FidInception::features(const at::Tensor& images) const {
    if (images.dim() != 4 || images.size(1) != 3) throw Error("FID features are computed from [N, 3, H, W] images");
    torch::NoGradGuard noGrad;
    const auto device = m_convs.begin()->second.weight.device();
    // pytorch-fid resizes images in [0, 1] and then maps them to [-1, 1]; resizing is linear, so images already
    // in [-1, 1] are resized as they are.
    auto x = F::interpolate(
        images.to(device, at::kFloat).clamp(-1.0, 1.0),
        F::InterpolateFuncOptions().size(std::vector<int64_t>{299, 299}).mode(torch::kBilinear).align_corners(false));
    x = maxPool3x3(conv("Conv2d_2b_3x3", conv("Conv2d_2a_3x3", conv("Conv2d_1a_3x3", x))), 2);
    x = maxPool3x3(conv("Conv2d_4a_3x3", conv("Conv2d_3b_1x1", x)), 2);
    for (const char* b : {"Mixed_5b", "Mixed_5c", "Mixed_5d"}) x = blockA(b, x);
    x = blockB("Mixed_6a", x);
    for (const char* b : {"Mixed_6b", "Mixed_6c", "Mixed_6d", "Mixed_6e"}) x = blockC(b, x);
    x = blockD("Mixed_7a", x);
    x = blockE("Mixed_7b", x, /*maxPoolBranch=*/false);
    x = blockE("Mixed_7c", x, /*maxPoolBranch=*/true);
    return x.mean({2, 3});  // the adaptive average pool to 1 x 1
}

void FeatureStatistics::add(const at::Tensor& features) {
    if (features.dim() != 2 || (m_sum.defined() && features.size(1) != m_sum.size(0)))
        throw Error("feature statistics take [N, D] batches of one D");
    const auto x = features.detach().to(at::kCPU, at::kDouble);
    if (!m_sum.defined()) {
        m_sum = torch::zeros({x.size(1)}, x.options());
        m_outer = torch::zeros({x.size(1), x.size(1)}, x.options());
    }
    m_sum += x.sum(0);
    m_outer += x.t().mm(x);
    m_count += x.size(0);
}

at::Tensor FeatureStatistics::mean() const {
    if (m_count < 1) throw Error("no features to take the mean of");
    return m_sum / static_cast<double>(m_count);
}

at::Tensor FeatureStatistics::covariance() const {
    if (m_count < 2) throw Error("a covariance needs at least two feature vectors");
    const auto mu = mean();
    return (m_outer - static_cast<double>(m_count) * torch::outer(mu, mu)) / static_cast<double>(m_count - 1);
}

double frechetDistance(const at::Tensor& mean1, const at::Tensor& cov1, const at::Tensor& mean2,
                       const at::Tensor& cov2) {
    const int64_t d = mean1.size(0);
    if (mean2.sizes() != mean1.sizes() || cov1.sizes() != at::IntArrayRef({d, d}) || cov2.sizes() != cov1.sizes())
        throw Error("the Fréchet distance compares two Gaussians of one dimension");
    const auto s1 = cov1.to(at::kDouble), s2 = cov2.to(at::kDouble);
    // S_1^(1/2) from S_1's eigen decomposition; rounding can leave tiny negative eigenvalues, which are 0.
    const auto [values, vectors] = torch::linalg_eigh(s1);
    const auto root1 = vectors.mm(torch::diag(values.clamp_min(0).sqrt())).mm(vectors.t());
    auto middle = root1.mm(s2).mm(root1);
    middle = (middle + middle.t()) / 2;  // symmetric up to rounding
    const double traceOfRoot = torch::linalg_eigvalsh(middle).clamp_min(0).sqrt().sum().item<double>();
    const double meanTerm = (mean1.to(at::kDouble) - mean2.to(at::kDouble)).square().sum().item<double>();
    return meanTerm + s1.trace().item<double>() + s2.trace().item<double>() - 2.0 * traceOfRoot;
}

double frechetDistance(const FeatureStatistics& a, const FeatureStatistics& b) {
    return frechetDistance(a.mean(), a.covariance(), b.mean(), b.covariance());
}

}  // namespace marionette::train

#pragma once
// FID, the Fréchet Inception Distance of Heusel et al. (NeurIPS 2017, "GANs Trained by a Two Time-Scale
// Update Rule Converge to a Local Nash Equilibrium"), as pytorch-fid computes it (the paper's Table 2 reports
// it): the 2048 pool features of the FID Inception-v3 (TensorFlow's 2015-12-05 graph, which pytorch-fid
// ported as pt_inception-2015-12-05) on images resized bilinearly to 299 x 299; a Gaussian fitted to the
// features of each image set; and the distance between the two Gaussians,
//   d^2 = |mu_1 - mu_2|^2 + Tr(S_1 + S_2 - 2 (S_1 S_2)^(1/2)).
// Its weights cannot be bundled; the user supplies them as one safetensors file (tools/convert_fid_inception.py)
// with torchvision's Inception3 names, each convolution followed by its batch norm:
//   <block>.conv.weight, <block>.bn.{weight,bias,running_mean,running_var}
//   blocks Conv2d_1a_3x3 .. Conv2d_4a_3x3, Mixed_5b.branch1x1 .. Mixed_7c.branch_pool
// The fully connected layer is not used.
#include <ATen/ATen.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace marionette::train {

class FidInception {
public:
    // Refuses a file with a missing or wrongly shaped tensor, naming it.
    explicit FidInception(const std::string& weightsPath);

    void to(const c10::Device& device);
    // Images [N, 3, H, W] in [-1, 1] (the generator's range; values outside are clamped) -> features [N, 2048].
    at::Tensor features(const at::Tensor& images) const;

    // The tensors the file must hold, with their shapes, in the network's order.
    static std::vector<std::pair<std::string, std::vector<int64_t>>> layout();

    static constexpr int64_t kFeatures = 2048;
    static constexpr const char* kName = "FID (pytorch-fid's Inception-v3, 2048 pool features)";

private:
    // A convolution with its batch norm folded in (eps 0.001, as torchvision's BasicConv2d); ReLU follows.
    struct Conv {
        at::Tensor weight, bias;
        int64_t strideH = 1, strideW = 1, padH = 0, padW = 0;
    };
    at::Tensor conv(const std::string& name, const at::Tensor& x) const;
    at::Tensor blockA(const std::string& name, const at::Tensor& x) const;
    at::Tensor blockB(const std::string& name, const at::Tensor& x) const;
    at::Tensor blockC(const std::string& name, const at::Tensor& x) const;
    at::Tensor blockD(const std::string& name, const at::Tensor& x) const;
    at::Tensor blockE(const std::string& name, const at::Tensor& x, bool maxPoolBranch) const;

    std::map<std::string, Conv> m_convs;
};

// Mean and covariance of feature vectors, accumulated batch by batch in double precision.
class FeatureStatistics {
public:
    void add(const at::Tensor& features);  // [N, D]; every batch of one D
    int64_t count() const { return m_count; }
    at::Tensor mean() const;        // [D] float64
    at::Tensor covariance() const;  // [D, D] float64, unbiased (N - 1), as numpy.cov; needs two vectors

private:
    at::Tensor m_sum, m_outer;  // sum of x and of x x^T
    int64_t m_count = 0;
};

// d^2 between the Gaussians N(mean1, cov1) and N(mean2, cov2). Tr (S_1 S_2)^(1/2) is the sum of the square roots
// of the eigenvalues of S_1^(1/2) S_2 S_1^(1/2), which is symmetric: no general matrix square root is needed.
double frechetDistance(const at::Tensor& mean1, const at::Tensor& cov1, const at::Tensor& mean2,
                       const at::Tensor& cov2);
double frechetDistance(const FeatureStatistics& a, const FeatureStatistics& b);

}  // namespace marionette::train

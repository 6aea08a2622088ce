#pragma once
// LPIPS, the learned perceptual image distance of Zhang et al. (CVPR 2018, "The Unreasonable Effectiveness of
// Deep Features as a Perceptual Metric"), version 0.1 with the VGG-16 trunk, as the paper's Table 2 reports
// it. Its weights cannot be bundled; the user supplies them as one safetensors file in this layout (made by
// tools/convert_lpips.py from torchvision's VGG-16 and the lpips package's v0.1 linear layers):
//   features.<i>.weight / .bias   torchvision VGG-16 convolutions, i = 0 2 5 7 10 12 14 17 19 21 24 26 28
//   lin<k>.weight                 [1, C_k, 1, 1] non-negative channel weights, k = 0..4 for relu1_2 .. relu5_3
// d(x, y) = sum_k mean_{h,w} sum_c w_kc (n_k(x) - n_k(y))^2, n_k = unit-normalised (over channels) features.
#include <ATen/ATen.h>

#include <string>
#include <vector>

namespace marionette::train {

class Lpips {
public:
    // Refuses a file with a missing or wrongly shaped tensor, naming it.
    explicit Lpips(const std::string& weightsPath);

    void to(const c10::Device& device);
    // Images [N, 3, H, W] in [-1, 1] (the generator's range, which LPIPS expects) -> distances [N].
    at::Tensor distance(const at::Tensor& a, const at::Tensor& b) const;

    static constexpr const char* kName = "LPIPS v0.1 (VGG-16)";

private:
    std::vector<at::Tensor> features(const at::Tensor& images) const;  // the five tapped ReLU outputs

    std::vector<at::Tensor> m_weights, m_biases;  // VGG-16's 13 convolutions
    std::vector<at::Tensor> m_linear;             // five [1, C_k, 1, 1] weights
    at::Tensor m_shift, m_scale;
};

}  // namespace marionette::train

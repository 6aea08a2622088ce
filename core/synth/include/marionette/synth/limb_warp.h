#pragma once
// Training pairs from real photos: a photo with its skeleton is reposed limb by limb. Random rotations of
// limbs about their parent joints (within limits) give a second skeleton; the photo is warped to it with
// one affine map per bone (rotation, and a stretch along the bone if its length changed), blended smoothly
// between bones, and sampled with grid_sample. The network learns real textures this way.
//
// Each target pixel takes the maps of the bones near it, weighted by inverse distance to the bone; the blend
// is smooth everywhere (no seams), a limb's own pixels follow that limb, and the background next to a moved
// limb moves along with it (invisible on the plain backgrounds of fashion photos) instead of leaving a second,
// ghost limb behind. Far from every bone the picture stays where it is.
//
// Usage:
//   synth::LimbWarpPairGenerator generator;
//   synth::PairSample pair = generator.generate(photo, photoPose, seed);  // photo [3, H, W] in [-1, 1]
#include "marionette/synth/pair_sample.h"

#include <torch/types.h>

#include <cstdint>

namespace marionette::synth {

// How the bones' motions are blended: bone k weighs (d_k^2 + sigma^2)^-3 at distance d_k from a pixel (in the
// target pose), normalised over the bones and a motionless background term at distance backgroundRadius.
struct LimbBlend {
    double sigma = 6.0;              // pixels: how softly neighbouring bones blend near the joints
    double backgroundRadius = 80.0;  // pixels: beyond about this distance from every bone nothing moves (0: off)
};

struct LimbWarpConfig {
    // Largest rotation of each limb about its parent joint, in degrees (uniform in [-limit, limit]).
    double upperArmDegrees = 55.0;
    double forearmDegrees = 65.0;
    double thighDegrees = 22.0;
    double shinDegrees = 35.0;
    double headDegrees = 12.0;
    // Chance that a limb moves at all (otherwise it keeps its angle), so that pairs range from one moved
    // limb to many.
    double moveProbability = 0.6;
    // The blend between bones (see LimbBlend), in pixels at an image height of 256, scaled with the height.
    double blendSigma = 6.0;
    double backgroundRadius = 80.0;
    // Target joints must stay this many pixels inside the image; a draw that breaks it is retried with
    // smaller angles.
    double margin = 2.0;
    // True: the reference is the warped photo and the target the untouched photo, so the loss always
    // compares against a real image and the network learns to produce clean output. False: the reverse.
    bool warpedIsReference = true;

    // The blend for an image `height` pixels tall (blendSigma and backgroundRadius are given at 256).
    LimbBlend blendAt(int height) const { return {blendSigma * height / 256.0, backgroundRadius * height / 256.0}; }
};

class LimbWarpPairGenerator {
public:
    explicit LimbWarpPairGenerator(LimbWarpConfig config = {});

    const LimbWarpConfig& config() const { return m_config; }

    // A random second pose of `photoPose` (canvas pixel coordinates of `photo`) for `seed`. Only limbs whose
    // two joints are present move; absent joints stay absent.
    pose::Pose movedPose(const pose::Pose& photoPose, int height, int width, std::uint64_t seed) const;

    // The pair for `seed` on the photo's device; identical seeds give identical tensors.
    PairSample generate(const torch::Tensor& photo, const pose::Pose& photoPose, std::uint64_t seed) const;

private:
    LimbWarpConfig m_config;
};

// The image of `image` (showing pose `from`) reposed to `to`: each limb of the COCO-18 tree whose joints
// are present in both poses carries the pixels near it with the affine map that takes its bone in `from` to
// its bone in `to`, blended as `blend` says. Identical poses give the identity warp.
// image: [3, H, W] or [N, 3, H, W]; poses in its pixel coordinates.
torch::Tensor warpByLimbs(const torch::Tensor& image, const pose::Pose& from, const pose::Pose& to,
                          const LimbBlend& blend = {});

// The sampling grid of that warp: [H, W, 2] of source pixel coordinates (x, y) for each target pixel.
torch::Tensor limbWarpSourceCoordinates(const pose::Pose& from, const pose::Pose& to, int height, int width,
                                        const LimbBlend& blend = {}, const torch::Device& device = torch::kCPU);

// 1 where a pixel centre of a height x width image lies within `radius` pixels of a bone of `p` (a limb whose
// two joints are present), else 0: [H, W] float32. Where limbWarpSourceCoordinates follows the bones themselves
// rather than the background they drag along.
torch::Tensor nearBones(const pose::Pose& p, int height, int width, double radius,
                        const torch::Device& device = torch::kCPU);

// Samples `image` ([3, H, W] or [N, 3, H, W]) at source pixel coordinates [H, W, 2] (bilinear, border
// padding, align_corners = false: pixel centres at integer coordinates, as everywhere in Marionette).
torch::Tensor sampleAtPixels(const torch::Tensor& image, const torch::Tensor& sourceXY);

}  // namespace marionette::synth

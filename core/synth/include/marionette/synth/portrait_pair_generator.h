#pragma once
// Portrait training pairs: a face and its 68 landmarks (iBUG layout, face/layout.h), a second set of
// landmarks for a slightly turned head and another expression, and the face in that second state.
//
// Landmark perturbation (the same for photos and drawn faces): in the face's own frame (eye line
// horizontal, unit = half the jaw width), expression moves (jaw open, mouth corners up and out, brows
// raised, eyes closing), then a small head rotation approximated in 2D (each landmark gets a depth from a
// rounded face model with a protruding nose; yaw and pitch rotate those 3D points, orthographic), roll,
// scale and shift.
//
// Photos: the target is the photo warped by a thin-plate spline through the landmarks (and fixed anchors
// on the image border). Drawn faces (renderProceduralPortrait): the target is drawn again from the moved
// landmarks, so an opened mouth shows its inside instead of stretched lips.
//
// Usage:
//   synth::PortraitPairGenerator generator;                             // 256 x 256 on the CPU
//   synth::PairSample drawn = generator.generate(seed);                 // procedural face
//   synth::PairSample photo = generator.generate(image, landmarks, seed);  // image [3, H, W] in [-1, 1]
#include "marionette/face/landmarks.h"
#include "marionette/synth/pair_sample.h"

#include <torch/types.h>

#include <cstdint>

namespace marionette::synth {

struct PortraitGeneratorConfig {
    int height = 256;  // canvas of procedural faces (docs/model.md: portrait default 256 x 256)
    int width = 256;
    torch::Device device = torch::kCPU;
    // Intra-op threads while drawing (restored afterwards). Drawing is many operations on small tensors,
    // which more threads only slow down; for throughput run one generator per thread in parallel. 0 keeps
    // the caller's setting.
    int threads = 1;
    // Head rotation, uniform in [-limit, limit] degrees.
    double yawDegrees = 18.0;
    double pitchDegrees = 10.0;
    double rollDegrees = 10.0;
    double scaleJitter = 0.05;  // relative
    double shiftJitter = 0.04;  // fraction of the face width
    // Expression moves, uniform in [0, limit] (fractions of the face's half-width); each applied with
    // expressionProbability.
    double jawOpen = 0.35;
    double smile = 0.12;
    double browRaise = 0.12;
    double eyeClose = 0.9;  // fraction of the eye's opening
    double expressionProbability = 0.5;
    // Thin-plate spline anchors kept fixed on each side of the image border (photos).
    int borderAnchorsPerSide = 5;
    // Target landmarks closer than this (pixels) are merged before the spline is fitted (a closed mouth has
    // coinciding inner-lip points).
    double mergeDistance = 0.5;
    // Procedural faces: draw the target from its landmarks (true) or warp the drawn reference (false).
    bool redrawProceduralTarget = true;
};

// A drawn face with its landmarks (canvas pixels) and the coverage of the person.
struct ProceduralPortrait {
    torch::Tensor image;  // [3, H, W] RGB in [-1, 1]
    torch::Tensor mask;   // [1, H, W]
    face::FaceLandmarks landmarks;
};

class PortraitPairGenerator {
public:
    explicit PortraitPairGenerator(PortraitGeneratorConfig config = {});

    const PortraitGeneratorConfig& config() const { return m_config; }

    // A pair of drawn faces (same identity and background) for `seed`.
    PairSample generate(std::uint64_t seed) const;
    // A pair from a photo ([3, H, W], RGB in [-1, 1]) and its landmarks in its pixel coordinates: the
    // reference is the photo, the target its thin-plate-spline warp to perturbed landmarks.
    PairSample generate(const torch::Tensor& photo, const face::FaceLandmarks& landmarks, std::uint64_t seed) const;

    // The perturbed landmarks for `seed` (deterministic).
    face::FaceLandmarks perturbLandmarks(const face::FaceLandmarks& landmarks, std::uint64_t seed) const;

    // The drawn face of identity `seed` with landmarks `landmarks`, or with its own neutral landmarks.
    ProceduralPortrait renderProceduralPortrait(std::uint64_t seed) const;
    ProceduralPortrait renderProceduralPortrait(std::uint64_t seed, const face::FaceLandmarks& landmarks) const;

private:
    PortraitGeneratorConfig m_config;
};

// `image` ([3, H, W] or [N, 3, H, W]) with landmarks `from` warped so that they land on `to`: a thin-plate
// spline from `to` back to `from` (plus `anchorsPerSide` fixed points on each image border) gives each
// target pixel its source. Target landmarks closer than `mergeDistance` pixels are merged.
torch::Tensor warpByLandmarks(const torch::Tensor& image, const face::FaceLandmarks& from,
                              const face::FaceLandmarks& to, int anchorsPerSide = 5, double mergeDistance = 0.5);

// The sampling grid of that warp for a height x width image: [H, W, 2] of source pixel coordinates (x, y) for
// each target pixel. Also the flow prior of portrait models (train::landmarkFlowOf). Identical landmarks give the
// identity to float precision.
torch::Tensor landmarkWarpSourceCoordinates(const face::FaceLandmarks& from, const face::FaceLandmarks& to, int height,
                                            int width, int anchorsPerSide = 5, double mergeDistance = 0.5,
                                            const torch::Device& device = torch::kCPU);

}  // namespace marionette::synth

#pragma once
// Procedural people for body training pairs. A seed fixes an identity (proportions, skin, hair, clothes with
// their patterns and logo), a scene (background, lighting) and two poses; the generator draws the same
// person in both poses with tensor ops and returns both COCO-18 skeletons.
//
// The figure is a 3D skeleton (joint angles within limits, seen from the front, three-quarter, side or back)
// projected orthographically. Limbs are tapered capsules, the torso a polygon, head and hair ellipsoids;
// parts are drawn far to near so that limbs occlude each other as in a photo. Every part's texture is a
// function of coordinates in the part's own frame, so the texture moves with the limb and the flow between
// the two images is well defined.
//
// Usage:
//   synth::BodyPairGenerator generator;                    // 256 x 176 on the CPU
//   synth::PairSample pair = generator.generate(seed);      // seed from synth::kTrainingSeeds
#include "marionette/synth/pair_sample.h"

#include <torch/types.h>

#include <cstdint>

namespace marionette::synth {

struct BodyGeneratorConfig {
    int height = 256;  // canvas (docs/model.md: body default 256 x 176)
    int width = 176;
    torch::Device device = torch::kCPU;  // where the images are drawn and returned
    // Intra-op threads while drawing (restored afterwards). Drawing is many operations on small tensors,
    // which more threads only slow down; for throughput run one generator per thread in parallel. 0 keeps
    // the caller's setting.
    int threads = 1;
    // Chance that the target is seen from the same side as the reference (yaw jittered); otherwise its view
    // (front, three-quarter, side, back) is drawn afresh.
    double sameViewProbability = 0.6;
    // Chance that the target's pose comes from the reference's pose family (walking, arms raised, ...).
    double samePoseFamilyProbability = 0.3;
    double skirtProbability = 0.25;
    double longHairProbability = 0.4;
    double logoProbability = 0.5;
    // Chance that the pair is an edit, as the editor makes them: the target is the reference's pose with one or
    // two parts (an arm, a leg, the head) turned, seen through the reference's camera, so the rest of the
    // person stays where it was (PairSample::sameFraming). Other pairs frame each pose afresh. 0 keeps every
    // seed's pair as it was before edits existed.
    double editProbability = 0.0;
    // Plain studio backgrounds like DeepFashion's; the rest are rooms, wallpaper and outdoor scenes.
    double plainBackgroundProbability = 0.4;
    // False draws the scene without the person (tests compare against it).
    bool drawPerson = true;
};

class BodyPairGenerator {
public:
    explicit BodyPairGenerator(BodyGeneratorConfig config = {});

    const BodyGeneratorConfig& config() const { return m_config; }

    // The pair for `seed`: identical tensors for identical seeds. Both poses have the neck and all 12 limb joints;
    // face points (nose, eyes, ears) that face away from the camera are absent, as a detector reports them. The masks
    // (PairSample::referenceMask, targetMask) give the person's coverage.
    PairSample generate(std::uint64_t seed) const;

private:
    BodyGeneratorConfig m_config;
};

}  // namespace marionette::synth

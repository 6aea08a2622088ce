#include "marionette/synth/body_pair_generator.h"

#include "body_renderer.h"
#include "marionette/util/error.h"

#include <torch/types.h>

#include <optional>

namespace marionette::synth {

using namespace detail;

namespace {

void validate(const BodyGeneratorConfig& c) {
    if (c.height < 32 || c.width < 32 || c.height > 4096 || c.width > 4096)
        throw Error("body generator: canvas " + std::to_string(c.height) + "x" + std::to_string(c.width) +
                    " is outside 32..4096 pixels per side");
    for (double p : {c.sameViewProbability, c.samePoseFamilyProbability, c.skirtProbability, c.longHairProbability,
                     c.logoProbability, c.plainBackgroundProbability, c.editProbability})
        if (!(p >= 0.0 && p <= 1.0)) throw Error("body generator: probabilities must lie in [0, 1]");
    if (c.threads < 0) throw Error("body generator: threads must be >= 0");
}

struct PosedView {
    Figure3d figure;
    Camera camera;
};

PosedView posedView(Rng& rng, const Identity& id, double yaw, PoseFamily family, const BodyGeneratorConfig& c,
                    double shift, double bottomMargin, BodyAngles* anglesOut = nullptr) {
    const BodyAngles angles = samplePose(rng, family, yaw);
    if (anglesOut) *anglesOut = angles;
    PosedView v;
    v.figure = poseFigure(id.shape, angles);
    const double zoom = rng.uniform(0.96, 1.04);
    v.camera =
        fitCamera(v.figure, id.shape, c.width, c.height, id.heightFraction * c.height * zoom, shift, bottomMargin);
    return v;
}

// Every joint of the projected pose lies on the canvas (an edit that turns a limb out of the picture is drawn
// again: the editor's skeletons stay on the photo).
bool onCanvas(const pose::Pose& p, int width, int height) {
    const std::optional<Box> box = p.bounds();
    return box && box->x >= 0 && box->y >= 0 && box->right() <= width - 1 && box->bottom() <= height - 1;
}

// The editor's edit of a pose: one or two parts turned, the rest as they were. A part is either nudged (a
// short drag) or given the angles of a fresh pose (a long one). Nothing moves the pelvis, so the camera of the
// reference frames the target too.
BodyAngles editedPose(Rng& rng, const BodyAngles& reference) {
    BodyAngles edited = reference;
    const BodyAngles fresh = samplePose(rng, samplePoseFamily(rng), reference.yaw);
    auto nudge = [&](double& angle, double sdDeg) { angle += radians(rng.normal(0.0, sdDeg)); };
    const int parts = rng.chance(0.7) ? 1 : 2;
    for (int k = 0; k < parts; ++k) {
        const std::size_t part = rng.weighted({0.32, 0.32, 0.12, 0.12, 0.12});  // right arm, left arm, legs, head
        const bool resample = rng.chance(0.5);
        if (part == 4) {
            if (resample) {
                edited.headYaw = fresh.headYaw;
                edited.headPitch = fresh.headPitch;
                edited.headRoll = fresh.headRoll;
            } else {
                nudge(edited.headYaw, 15.0);
                nudge(edited.headPitch, 8.0);
                nudge(edited.headRoll, 8.0);
            }
            continue;
        }
        LimbAngles* limbs[] = {&edited.rightArm, &edited.leftArm, &edited.rightLeg, &edited.leftLeg};
        const LimbAngles* freshLimbs[] = {&fresh.rightArm, &fresh.leftArm, &fresh.rightLeg, &fresh.leftLeg};
        LimbAngles& limb = *limbs[part];
        if (resample) {
            limb = *freshLimbs[part];
        } else {
            const double sd = part < 2 ? 25.0 : 12.0;
            nudge(limb.abduction, sd);
            nudge(limb.flexion, sd);
            nudge(limb.bend, sd);
            nudge(limb.twist, sd / 2);
        }
    }
    return clampToLimits(edited);
}

}  // namespace

BodyPairGenerator::BodyPairGenerator(BodyGeneratorConfig config) : m_config(config) { validate(m_config); }

PairSample BodyPairGenerator::generate(std::uint64_t seed) const {
    const BodyGeneratorConfig& c = m_config;
    // Independent streams: identity, scene and each pose draw from their own generator.
    const Rng root(mix64(seed));
    Rng identityRng = root.fork(1), sceneRng = root.fork(2), referenceRng = root.fork(3), targetRng = root.fork(4);

    const Identity id = sampleIdentity(identityRng, {c.skirtProbability, c.longHairProbability, c.logoProbability});
    const Lighting light = sampleLighting(sceneRng);
    const Background background = sampleBackground(sceneRng, c.plainBackgroundProbability);
    const double shift = sceneRng.uniform(-0.7, 0.7);
    const double bottomMargin = sceneRng.uniform(2.0, 0.05 * c.height);

    const double referenceYaw = sampleViewYaw(referenceRng);
    const PoseFamily referenceFamily = samplePoseFamily(referenceRng);
    BodyAngles referenceAngles;
    const PosedView reference =
        posedView(referenceRng, id, referenceYaw, referenceFamily, c, shift, bottomMargin, &referenceAngles);

    // An edit draws from its own stream, so that pairs which are not edits stay what they were.
    Rng editRng = root.fork(5);
    std::optional<PosedView> edit;
    if (c.editProbability > 0 && editRng.chance(c.editProbability)) {
        for (int attempt = 0; attempt < 4 && !edit; ++attempt) {
            PosedView v{poseFigure(id.shape, editedPose(editRng, referenceAngles)), reference.camera};
            if (onCanvas(projectPose(v.figure, v.camera), c.width, c.height)) edit = v;
        }
    }
    const double targetYaw = targetRng.chance(c.sameViewProbability)
                                 ? referenceYaw + radians(targetRng.normal(0.0, 12.0))
                                 : sampleViewYaw(targetRng);
    const PoseFamily targetFamily =
        targetRng.chance(c.samePoseFamilyProbability) ? referenceFamily : samplePoseFamily(targetRng);
    const PosedView target = edit ? *edit : posedView(targetRng, id, targetYaw, targetFamily, c, shift, bottomMargin);

    torch::NoGradGuard noGrad;
    const IntraOpThreads threads(c.threads);
    const torch::Tensor scene =
        renderBackground(background, light, c.height, c.width, id.heightFraction * c.height, c.device);
    PairSample pair;
    pair.seed = seed;
    pair.sameFraming = edit.has_value();
    pair.referencePose = projectPose(reference.figure, reference.camera);
    pair.targetPose = projectPose(target.figure, target.camera);
    if (!c.drawPerson) {
        pair.reference = scene * 2.0 - 1.0;
        pair.target = pair.reference.clone();
        pair.referenceMask = torch::zeros({1, c.height, c.width}, scene.options());
        pair.targetMask = pair.referenceMask.clone();
        return pair;
    }
    const RenderedFigure r = renderFigure(id, reference.figure, reference.camera, light, scene);
    const RenderedFigure t = renderFigure(id, target.figure, target.camera, light, scene);
    pair.reference = r.image * 2.0 - 1.0;
    pair.target = t.image * 2.0 - 1.0;
    pair.referenceMask = r.mask;
    pair.targetMask = t.mask;
    return pair;
}

}  // namespace marionette::synth

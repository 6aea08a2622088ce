#include "marionette/synth/body_pair_generator.h"

#include "body_renderer.h"
#include "marionette/util/error.h"

#include <torch/torch.h>

namespace marionette::synth {

using namespace detail;

namespace {

void validate(const BodyGeneratorConfig& c) {
    if (c.height < 32 || c.width < 32 || c.height > 4096 || c.width > 4096)
        throw Error("body generator: canvas " + std::to_string(c.height) + "x" + std::to_string(c.width) +
                    " is outside 32..4096 pixels per side");
    for (double p : {c.sameViewProbability, c.samePoseFamilyProbability, c.skirtProbability, c.longHairProbability,
                     c.logoProbability, c.plainBackgroundProbability})
        if (!(p >= 0.0 && p <= 1.0)) throw Error("body generator: probabilities must lie in [0, 1]");
    if (c.threads < 0) throw Error("body generator: threads must be >= 0");
}

struct PosedView {
    Figure3d figure;
    Camera camera;
};

PosedView posedView(Rng& rng, const Identity& id, double yaw, PoseFamily family, const BodyGeneratorConfig& c,
                    double shift, double bottomMargin) {
    const BodyAngles angles = samplePose(rng, family, yaw);
    PosedView v;
    v.figure = poseFigure(id.shape, angles);
    const double zoom = rng.uniform(0.96, 1.04);
    v.camera =
        fitCamera(v.figure, id.shape, c.width, c.height, id.heightFraction * c.height * zoom, shift, bottomMargin);
    return v;
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
    const PosedView reference = posedView(referenceRng, id, referenceYaw, referenceFamily, c, shift, bottomMargin);

    const double targetYaw = targetRng.chance(c.sameViewProbability)
                                 ? referenceYaw + degrees(targetRng.normal(0.0, 12.0))
                                 : sampleViewYaw(targetRng);
    const PoseFamily targetFamily =
        targetRng.chance(c.samePoseFamilyProbability) ? referenceFamily : samplePoseFamily(targetRng);
    const PosedView target = posedView(targetRng, id, targetYaw, targetFamily, c, shift, bottomMargin);

    torch::NoGradGuard noGrad;
    const IntraOpThreads threads(c.threads);
    const torch::Tensor scene =
        renderBackground(background, light, c.height, c.width, id.heightFraction * c.height, c.device);
    PairSample pair;
    pair.seed = seed;
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

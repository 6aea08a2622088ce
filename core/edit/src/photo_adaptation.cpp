#include "marionette/edit/photo_adaptation.h"

#include "marionette/image/crop.h"
#include "marionette/image/tensor_image.h"
#include "marionette/train/adaptation.h"
#include "marionette/util/error.h"

namespace marionette::edit {
namespace {

static_assert(kMinimumAdaptationJoints == train::kMinimumAdaptationJoints,
              "edit and train must agree on the skeleton needed");

train::AdaptationOptions trainOptions(const AdaptationOptions& o) {
    train::AdaptationOptions t;
    t.steps = o.steps;
    t.batchSize = o.batchSize;
    t.learningRate = o.learningRate;
    t.device = o.device;
    t.threads = o.threads;
    t.seed = o.seed;
    return t;
}

// Body (PersonPhoto) or portrait (FacePhoto) weights adapted by train, with edit's progress and result.
template <class Photos>
AdaptationResult adapt(const train::AdaptationBase& base, Photos photos, const std::string& data,
                       const PhotoAdaptation& request, const std::function<bool(const AdaptationProgress&)>& progress) {
    const auto onProgress = [&progress](const train::AdaptationProgress& p) {
        return !progress || progress({p.step, p.steps, p.pixelL1, p.imagesPerSecond});
    };
    const auto result =
        train::adaptWeights(base, std::move(photos), data, request.outPath, trainOptions(request.options), onProgress);
    return result == train::AdaptationResult::Finished ? AdaptationResult::Finished : AdaptationResult::Cancelled;
}

}  // namespace

AdaptationResult adaptToPhoto(const PhotoAdaptation& request,
                              const std::function<bool(const AdaptationProgress&)>& progress) {
    if (request.photo.empty()) throw Error("there is no photo to adapt to");
    const auto base = train::AdaptationBase::read(request.weightsPath);
    const ImageSize canvas{base.config.canvasWidth, base.config.height};
    if (base.config.semantics == model::SemanticsKind::Face) {
        if (!request.face) throw Error("adapting portrait weights to a photo needs the face's landmarks");
        const auto face = image::cropFaceToCanvas(request.photo, *request.face, canvas);
        std::vector<train::FacePhoto> faces{{image::imageToTensor(face.image), face.landmarks}};
        return adapt(base, std::move(faces), "photo " + request.photoName + " (landmark-warped)", request, progress);
    }
    if (request.face && request.reference.presentCount() == 0)
        throw Error(request.weightsPath + ": adapting to a photo's face needs portrait weights; these are for body");
    if (request.reference.presentCount() < kMinimumAdaptationJoints)
        throw Error("adapting to a photo needs the person's skeleton (at least " +
                    std::to_string(kMinimumAdaptationJoints) + " joints)");
    const auto person = image::cropPersonToCanvas(request.photo, request.reference, canvas);
    std::vector<train::PersonPhoto> photos{{image::imageToTensor(person.image), person.pose}};
    return adapt(base, std::move(photos), "photo " + request.photoName + " (limb-warped)", request, progress);
}

}  // namespace marionette::edit

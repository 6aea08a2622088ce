#include "marionette/edit/photo_adaptation.h"

#include "marionette/image/crop.h"
#include "marionette/image/tensor_image.h"
#include "marionette/util/error.h"

namespace marionette::edit {

train::AdaptationResult adaptToPhoto(const PhotoAdaptation& request,
                                     const std::function<bool(const train::AdaptationProgress&)>& progress) {
    if (request.photo.empty()) throw Error("there is no photo to adapt to");
    const auto base = train::AdaptationBase::read(request.weightsPath);
    const ImageSize canvas{base.config.canvasWidth, base.config.height};
    if (base.config.semantics == model::SemanticsKind::Face) {
        if (!request.face) throw Error("adapting portrait weights to a photo needs the face's landmarks");
        const auto face = image::cropFaceToCanvas(request.photo, *request.face, canvas);
        std::vector<train::FacePhoto> faces{{image::imageToTensor(face.image), face.landmarks}};
        return train::adaptWeights(base, std::move(faces),
                                   "photo " + request.photoName + " (landmark-warped)", request.outPath, request.options, progress);
    }
    if (request.face && request.reference.presentCount() == 0)
        throw Error(request.weightsPath + ": adapting to a photo's face needs portrait weights; these are for body");
    if (request.reference.presentCount() < train::kMinimumAdaptationJoints)
        throw Error("adapting to a photo needs the person's skeleton (at least " + std::to_string(train::kMinimumAdaptationJoints) +
                    " joints)");
    const auto person = image::cropPersonToCanvas(request.photo, request.reference, canvas);
    std::vector<train::PersonPhoto> photos{{image::imageToTensor(person.image), person.pose}};
    return train::adaptWeights(base, std::move(photos),
                               "photo " + request.photoName + " (limb-warped)", request.outPath, request.options, progress);
}

}  // namespace marionette::edit

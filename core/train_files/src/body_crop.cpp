#include "body_crop.h"

#include "marionette/image/crop.h"
#include "marionette/image/image_io.h"
#include "marionette/image/tensor_image.h"
#include "marionette/util/error.h"

namespace marionette::train_files::detail {

BodyOnCanvas loadBodyOnCanvas(const std::string& path, const pose::Pose& pose, ImageSize canvas, BodyFraming framing) {
    const cv::Mat photo = image::loadImage(path);  // its errors name the path
    try {
        const ImageSize size{photo.cols, photo.rows};
        const bool sameAspect =
            static_cast<long long>(size.width) * canvas.height == static_cast<long long>(size.height) * canvas.width;
        const Box box = framing == BodyFraming::WholeImageWhenAspectMatches && sameAspect
                            ? Box{0.0, 0.0, double(size.width), double(size.height)}
                            : image::personCropBox(pose, size, canvas);
        auto person = image::cropPersonToCanvas(photo, pose, box, canvas);
        return {image::imageToTensor(person.image), std::move(person.pose)};
    } catch (const std::exception& e) {
        rethrowWithContext(path, e);
    }
}

train::PairSample loadBodyPair(const std::string& fromPath, const pose::Pose& fromPose, const std::string& toPath,
                               const pose::Pose& toPose, ImageSize canvas, BodyFraming framing) {
    auto reference = loadBodyOnCanvas(fromPath, fromPose, canvas, framing);
    auto target = loadBodyOnCanvas(toPath, toPose, canvas, framing);
    train::PairSample sample;
    sample.reference = std::move(reference.image);
    sample.referencePose = std::move(reference.pose);
    sample.target = std::move(target.image);
    sample.targetPose = std::move(target.pose);
    return sample;
}

}  // namespace marionette::train_files::detail

#pragma once
// The network sees a canvas of fixed size (256 x 176 for bodies). The person is cut out of the photo with a
// box of the canvas's aspect ratio, synthesised, and pasted back with a feathered edge.
#include "marionette/face/landmarks.h"
#include "marionette/pose/pose.h"
#include "marionette/util/geometry.h"

#include <opencv2/core.hpp>

#include <optional>

namespace marionette::image {

// Margin around the joints on every side, as a fraction of the person's larger extent (covers the top of
// the head above the eyes and the feet below the ankles).
constexpr double kPersonCropPadding = 0.2;
// Margin around 68 face landmarks, as a fraction of their box's larger side (forehead and hair).
constexpr double kFaceCropPadding = 0.45;

// A box around the present joints with the canvas's aspect ratio, in whole pixels. With a photo size the
// box is shifted into the photo along each axis where it fits; along an axis where it does not (a wide
// pose in a landscape photo), it stays centred on the person and reaches past the photo's edges, so that
// no limb is cut off: cropToCanvas fills the outside by repeating the border pixels. Without a photo size
// the box is centred on the person. Throws marionette::Error when fewer than two joints are present.
Box personCropBox(const pose::Pose& pose, std::optional<ImageSize> photo, ImageSize canvas,
                  double padding = kPersonCropPadding);

// The same for any box of interest (a face).
Box aspectCropBox(const Box& interest, std::optional<ImageSize> photo, ImageSize canvas, double padding);

// Cuts `box` out of `photo` (repeating border pixels where it reaches outside) and resizes it to the
// canvas, averaging areas when shrinking. Points map with BoxToCanvas{box, canvas.width, canvas.height}.
cv::Mat cropToCanvas(const cv::Mat& photo, const Box& box, ImageSize canvas);

// A person on the canvas: the photo cut to personCropBox around `pose` and its skeleton in canvas pixels.
struct PersonOnCanvas {
    cv::Mat image;  // 8-bit BGR, canvas size
    pose::Pose pose;
    Box box;  // photo pixels
};
PersonOnCanvas cropPersonToCanvas(const cv::Mat& photo, const pose::Pose& pose, ImageSize canvas);
// The same with a box of the caller's (which must have the canvas's aspect ratio).
PersonOnCanvas cropPersonToCanvas(const cv::Mat& photo, const pose::Pose& pose, const Box& box, ImageSize canvas);

// The box of a face's crop: its landmarks' bounds with kFaceCropPadding, of the canvas's aspect ratio
// (aspectCropBox).
Box faceCropBox(const face::FaceLandmarks& landmarks, std::optional<ImageSize> photo, ImageSize canvas);

// A face on the canvas: the photo cut to faceCropBox and the landmarks in canvas pixels.
struct FaceOnCanvas {
    cv::Mat image;  // 8-bit BGR, canvas size
    face::FaceLandmarks landmarks;
    Box box;  // photo pixels
};
FaceOnCanvas cropFaceToCanvas(const cv::Mat& photo, const face::FaceLandmarks& landmarks, ImageSize canvas);

// Resizes `canvasImage` back to `box` and blends the part that lies inside `photo` into it, in place.
// The blend weight is 1 inside, falling to 0 over `featherPixels` towards each box edge that lies inside
// the photo (an edge on or beyond the photo's border needs no seam), times `canvasMask` where one is given
// (float in [0, 1] over the canvas, resized to the box: where the pasted image may differ from the photo).
void pasteBack(cv::Mat& photo, const cv::Mat& canvasImage, const Box& box, int featherPixels,
               const cv::Mat& canvasMask = cv::Mat());

// pasteBack's blend weights over the whole box (float, 1 = pasted image), sampled at `size` pixels: at the
// box's own size they are the weights pasteBack uses; at the canvas size they let a viewer draw the crop
// over the photo the way pasteBack blends it.
cv::Mat pasteBackWeights(const Box& box, ImageSize photo, int featherPixels, cv::Size size,
                         const cv::Mat& canvasMask = cv::Mat());

}  // namespace marionette::image

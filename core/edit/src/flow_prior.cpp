#include "marionette/edit/flow_prior.h"

#include "marionette/deform/mesh_render.h"
#include "marionette/image/tensor_image.h"
#include "marionette/train/data.h"
#include "marionette/util/error.h"

#include <torch/types.h>

#include <opencv2/imgproc.hpp>

#include <array>

namespace marionette::edit {
at::Tensor limbWarpFlowOnCanvas(const pose::Pose& reference, const pose::Pose& target, const BoxToCanvas& toCanvas) {
    const auto onCanvas = [&](Point2 q) { return toCanvas.toCanvas(q); };
    return train::limbFlowOf(reference.mapped(onCanvas), target.mapped(onCanvas), toCanvas.canvasHeight,
                             toCanvas.canvasWidth);
}

at::Tensor landmarkWarpFlowOnCanvas(const face::FaceLandmarks& reference, const face::FaceLandmarks& target,
                                    const BoxToCanvas& toCanvas) {
    const auto onCanvas = [&](Point2 q) { return toCanvas.toCanvas(q); };
    return train::landmarkFlowOf(reference.mapped(onCanvas), target.mapped(onCanvas), toCanvas.canvasHeight,
                                 toCanvas.canvasWidth);
}

at::Tensor meshFlowOnCanvas(const deform::Puppet& puppet, const pose::Pose& target, const deform::DepthOrder& depth,
                            const BoxToCanvas& toCanvas) {
    const int h = toCanvas.canvasHeight, w = toCanvas.canvasWidth;
    const cv::Size photo = puppet.layer().alpha.size();
    // The photo positions the canvas pixels show, and each one's source: the identity until a part covers it.
    cv::Mat canvasX(h, w, CV_32F), canvasY(h, w, CV_32F);
    for (int y = 0; y < h; ++y) {
        for (int x = 0; x < w; ++x) {
            const Point2 p = toCanvas.fromCanvas({static_cast<float>(x), static_cast<float>(y)});
            canvasX.at<float>(y, x) = p.x;
            canvasY.at<float>(y, x) = p.y;
        }
    }
    cv::Mat sourceX = canvasX.clone(), sourceY = canvasY.clone();
    const auto vertices = puppet.deformedVertices(target);
    std::array<bool, deform::kBodyPartCount> moved{};
    for (int i = 0; i < deform::kBodyPartCount; ++i)
        moved[static_cast<std::size_t>(i)] =
            vertices[static_cast<std::size_t>(i)] != puppet.mesh(deform::bodyPartAt(i)).rest;
    for (deform::BodyPart part : puppet.drawOrder(moved, depth)) {
        const deform::PartMesh& mesh = puppet.mesh(part);
        if (mesh.empty()) continue;
        const deform::BackwardMap map = deform::rasteriseBackwardMap(
            mesh.rest, vertices[static_cast<std::size_t>(deform::index(part))], mesh.triangles, photo);
        if (map.area.empty()) continue;
        // The part's displacement (source minus pixel) read at the canvas pixels' photo positions (nearest: a
        // part's edge stays sharp) and added to them: a part that did not move gives the identity exactly.
        cv::Mat pixelX(map.area.size(), CV_32F), pixelY(map.area.size(), CV_32F);
        for (int y = 0; y < pixelX.rows; ++y)
            for (int x = 0; x < pixelX.cols; ++x) {
                pixelX.at<float>(y, x) = static_cast<float>(x + map.area.x);
                pixelY.at<float>(y, x) = static_cast<float>(y + map.area.y);
            }
        const cv::Mat shiftX = map.mapX - pixelX, shiftY = map.mapY - pixelY;
        cv::Mat readX, readY, covered;
        cv::Mat localX = canvasX - map.area.x, localY = canvasY - map.area.y;
        cv::remap(shiftX, readX, localX, localY, cv::INTER_NEAREST, cv::BORDER_CONSTANT, cv::Scalar(0));
        cv::remap(shiftY, readY, localX, localY, cv::INTER_NEAREST, cv::BORDER_CONSTANT, cv::Scalar(0));
        cv::remap(map.covered, covered, localX, localY, cv::INTER_NEAREST, cv::BORDER_CONSTANT, cv::Scalar(0));
        cv::Mat movedX = canvasX + readX, movedY = canvasY + readY;
        movedX.copyTo(sourceX, covered);
        movedY.copyTo(sourceY, covered);
    }
    // Photo sources to canvas pixels, minus the canvas pixel: the backward flow in canvas pixels.
    at::Tensor flow = torch::empty({2, h, w}, torch::kFloat32);
    auto f = flow.accessor<float, 3>();
    for (int y = 0; y < h; ++y) {
        for (int x = 0; x < w; ++x) {
            const Point2 s = toCanvas.toCanvas({sourceX.at<float>(y, x), sourceY.at<float>(y, x)});
            f[0][y][x] = s.x - static_cast<float>(x);
            f[1][y][x] = s.y - static_cast<float>(y);
        }
    }
    return flow;
}

cv::Mat movedPixels(const at::Tensor& flow, double tolerance) {
    if (flow.dim() != 3 || flow.size(0) != 2) throw Error("a canvas flow must be [2, H, W]");
    return image::tensorToFloatMap((flow.square().sum(0) > tolerance * tolerance).to(torch::kFloat32));
}

}  // namespace marionette::edit

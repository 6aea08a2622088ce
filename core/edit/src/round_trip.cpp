#include "marionette/edit/round_trip.h"

#include "marionette/image/colour_maps.h"
#include "marionette/image/crop.h"
#include "marionette/image/image_io.h"
#include "marionette/util/error.h"

#include <opencv2/imgproc.hpp>
#include <torch/torch.h>

#include <algorithm>
#include <filesystem>

namespace marionette::edit {
namespace {

Box unionBox(const Box& a, const Box& b) {
    const double x0 = std::min(a.x, b.x), y0 = std::min(a.y, b.y);
    const double x1 = std::max(a.right(), b.right()), y1 = std::max(a.bottom(), b.bottom());
    return {x0, y0, x1 - x0, y1 - y0};
}

}  // namespace

Box reposeCropBox(const pose::Pose& reference, const pose::Pose& target, ImageSize photo, ImageSize canvas) {
    if (reference.presentCount() < 2) throw Error("the reference skeleton needs at least two joints to place the person's crop");
    if (target.presentCount() < 2) throw Error("the target skeleton needs at least two joints to place the person's crop");
    return image::aspectCropBox(unionBox(*reference.bounds(), *target.bounds()), photo, canvas, image::kPersonCropPadding);
}

int pasteBackFeather(const Box& box) { return std::max(2, static_cast<int>(box.width * 0.03)); }

cv::Mat composite(const cv::Mat& photo, const cv::Mat& outputCrop, const Box& box) {
    cv::Mat edited = photo.clone();
    image::pasteBack(edited, outputCrop, box, pasteBackFeather(box));
    return edited;
}

cv::Mat pasteBackAlpha(const Box& box, ImageSize photo, ImageSize canvas) {
    const cv::Mat weights = image::pasteBackWeights(box, photo, pasteBackFeather(box), cv::Size(canvas.width, canvas.height));
    cv::Mat alpha;
    weights.convertTo(alpha, CV_8UC1, 255.0);
    return alpha;
}

std::vector<std::string> writeMapImages(const std::string& folder, const cv::Mat& referenceCrop, const cv::Mat& outputCrop,
                                        const MapImages& maps) {
    std::error_code ec;
    std::filesystem::create_directories(folder, ec);
    if (ec) throw Error(folder + ": cannot create the folder: " + ec.message());
    std::vector<std::string> written;
    const auto write = [&](const char* name, const cv::Mat& image) {
        if (image.empty()) return;
        const std::string path = (std::filesystem::path(folder) / name).string();
        image::saveImage(path, image);
        written.push_back(path);
    };
    write("reference_crop.png", referenceCrop);
    write("output_crop.png", outputCrop);
    write("flow.png", maps.flow);
    write("combination.png", maps.combination);
    write("attention.png", maps.attention);
    write("attention_warped.png", maps.attentionWarped);
    write("flow_warped.png", maps.flowWarped);
    return written;
}

cv::Mat editSheet(const cv::Mat& referenceCrop, const cv::Mat& targetSemantics, const cv::Mat& outputCrop, const MapImages& maps) {
    std::vector<cv::Mat> tiles;
    const auto add = [&](const cv::Mat& tile, const char* label) {
        if (tile.empty()) return;
        cv::Mat sized;
        if (tile.size() == referenceCrop.size()) sized = tile.clone();
        else cv::resize(tile, sized, referenceCrop.size(), 0, 0, cv::INTER_NEAREST);
        tiles.push_back(image::labelled(sized, label));
    };
    add(referenceCrop, "reference");
    add(targetSemantics, "target");
    add(outputCrop, "output");
    add(maps.flow, "flow");
    add(maps.combination, "combination");
    add(maps.attentionWarped, "attention-warped");
    add(maps.flowWarped, "flow-warped");
    cv::Mat sheet;
    cv::hconcat(tiles, sheet);
    return sheet;
}

cv::Mat flowLegend(int size) {
    if (size < 2) throw Error("a flow legend needs at least 2 x 2 pixels");
    const auto coords = torch::linspace(-1.0, 1.0, size);
    const auto grid = torch::meshgrid({coords, coords}, "ij");  // rows (y), columns (x)
    const auto flow = torch::stack({grid[1], grid[0]});          // [2, size, size]: dx, dy
    cv::Mat wheel = image::flowToColour(flow, 1.f);
    // Outside the unit circle the colours saturate; keep the legend round on a neutral grey.
    const auto outside = (grid[0].square() + grid[1].square() > 1.0).to(torch::kUInt8).mul(255).contiguous();
    const cv::Mat mask(size, size, CV_8UC1, outside.data_ptr());
    wheel.setTo(cv::Scalar(64, 64, 64), mask);
    return wheel;
}

}  // namespace marionette::edit

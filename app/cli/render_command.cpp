// marionette-cli render: draws the semantics the network will see (body heatmaps or face part maps) at the
// canvas size, over the photo's crop when a photo is given.
#include "cli/arguments.h"
#include "cli/command.h"
#include "cli/person_file.h"

#include "marionette/face/landmarks.h"
#include "marionette/face/part_maps.h"
#include "marionette/image/colour_maps.h"
#include "marionette/image/crop.h"
#include "marionette/image/image_io.h"
#include "marionette/pose/heatmap.h"
#include "marionette/util/error.h"

#include <torch/types.h>

#include <ostream>

namespace marionette::cli {
namespace {

class RenderCommand : public Command {
public:
    std::string name() const override { return "render"; }
    std::string summary() const override { return "draw the network's view of a skeleton or face landmarks to a PNG"; }

    int execute(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) override {
        Arguments a("render",
                    {
                        {"--pose", "FILE", "OpenPose JSON skeleton (COCO-18 or BODY_25)", "", false},
                        {"--landmarks", "FILE", "68-point face landmarks (.pts)", "", false},
                        {"--image", "FILE", "the photo the semantics belong to: crop it and draw over it", "", false},
                        {"--person", "N", "which person of the JSON file", "0", false},
                        {"--size", "HxW", "canvas size", defaultCanvasSizes(), false},
                        {"--out", "FILE", "output image (.png, .jpg, ...)", "", true},
                    });
        a.parse(args);
        if (a.has("--help")) {
            out << a.help();
            return kExitOk;
        }
        if (a.has("--pose") == a.has("--landmarks")) throw UsageError("give exactly one of --pose and --landmarks");
        const bool body = a.has("--pose");
        const auto [height, width] =
            a.sizeValue("--size", body ? model::ModelConfig::body() : model::ModelConfig::face());

        cv::Mat photo;
        if (a.has("--image")) photo = image::loadImage(a.value("--image"));
        // Without a photo the crop is centred on the semantics alone.
        const auto photoSize =
            photo.empty() ? std::nullopt : std::optional<ImageSize>(ImageSize{photo.cols, photo.rows});
        const ImageSize canvas{width, height};

        Box box;
        torch::Tensor semantics;
        std::vector<Rgb> colours;
        std::string described;
        if (body) {
            const pose::Pose p = readPerson(a.value("--pose"), a.intValue("--person"));
            box = image::personCropBox(p, photoSize, canvas);
            const BoxToCanvas map{box, width, height};
            semantics = pose::renderHeatmaps(p.mapped([&](Point2 q) { return map.toCanvas(q); }), height, width);
            colours = pose::jointColours();
            described = std::to_string(p.presentCount()) + " of 18 joints";
        } else {
            const auto landmarks = face::readPts(a.value("--landmarks"));
            box = image::aspectCropBox(landmarks.bounds(), photoSize, canvas, image::kFaceCropPadding);
            const BoxToCanvas map{box, width, height};
            const face::FaceLandmarks onCanvas = landmarks.mapped([&](Point2 q) { return map.toCanvas(q); });
            semantics = face::renderPartMaps(onCanvas, height, width);
            colours = face::partColours();
            described = "68 landmarks in 9 parts";
        }

        cv::Mat drawing = image::semanticsToColour(semantics, colours);
        if (!photo.empty()) {
            const cv::Mat crop = image::cropToCanvas(photo, box, canvas);
            const auto strength = std::get<0>(semantics.max(0)).contiguous();
            const cv::Mat alpha(height, width, CV_32FC1, strength.data_ptr<float>());
            drawing = image::blendOver(crop, drawing, 0.85f, alpha);
        }
        image::saveImage(a.value("--out"), drawing);
        out << "wrote " << a.value("--out") << ": " << height << "x" << width << ", " << described << ", crop box "
            << box.x << "," << box.y << " " << box.width << "x" << box.height << '\n';
        return kExitOk;
    }
};

MARIONETTE_CLI_COMMAND(RenderCommand);

}  // namespace

}  // namespace marionette::cli

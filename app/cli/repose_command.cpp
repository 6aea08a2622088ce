// marionette-cli repose: the editor's round trip, in batch. Hybrid (the default): the person's own pixels
// moved by a mesh at the photo's resolution, the network only for what the photo never showed. Network: crop
// around the person, synthesise the target pose, paste back into the photo. Optionally writes the maps.
#include "cli/arguments.h"
#include "cli/command.h"
#include "cli/person_file.h"
#include "cli/weights_argument.h"

#include "marionette/deform/body_parts.h"
#include "marionette/edit/bundled_weights.h"
#include "marionette/edit/repose_session.h"
#include "marionette/edit/round_trip.h"
#include "marionette/image/colour_maps.h"
#include "marionette/image/image_io.h"
#include "marionette/pose/heatmap.h"
#include "marionette/pose/skeleton.h"
#include "marionette/util/error.h"

#include <opencv2/core.hpp>

#include <iomanip>
#include <optional>
#include <ostream>

namespace marionette::cli {
namespace {

Point2 parsePoint(const std::string& text) {
    const auto comma = text.find(',');
    try {
        if (comma == std::string::npos) throw std::invalid_argument("no comma");
        return {std::stof(text.substr(0, comma)), std::stof(text.substr(comma + 1))};
    } catch (const std::exception&) {
        throw UsageError("--attention-point expects X,Y in photo pixels, got \"" + text + "\"");
    }
}

class ReposeCommand : public Command {
public:
    std::string name() const override { return "repose"; }
    std::string summary() const override { return "re-synthesise a person of a photo in a new pose"; }

    int execute(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) override {
        Arguments a(
            "repose",
            {
                {"--weights", "FILE", "body model weights (.safetensors)",
                 std::string("the shipped models/") + edit::kBundledBodyWeights, false},
                {"--image", "FILE", "the photo", "", true},
                {"--pose-ref", "FILE", "the person's skeleton in the photo (OpenPose JSON)", "", true},
                {"--pose-target", "FILE", "the new skeleton, in photo pixels (OpenPose JSON)", "", true},
                {"--person", "N", "which person of the JSON files", "0", false},
                {"--out", "FILE", "the edited photo", "", true},
                {"--maps", "DIR", "also write the crop, flow, attention, combination and warped images here", "",
                 false},
                {"--sheet", "FILE", "also write one image: reference crop | target pose | output | maps", "", false},
                {"--attention-point", "X,Y", "target point (photo pixels) whose attention map to draw", "right wrist",
                 false},
                {"--device", "auto|cpu|cuda", "device", "auto", false},
                {"--threads", "N", "CPU threads (0: one per processor core)", "0", false},
                {"--preview", "",
                 "write the editor's drag preview instead of the synthesis: the photo carried along the bones, no "
                 "network",
                 "", false},
                {"--method", "hybrid|network",
                 "hybrid: move the photo's pixels with a mesh, the network only for what the photo never showed; "
                 "network: the paper's synthesis pasted back",
                 "hybrid", false},
                {"--depth", "PART=front|behind,...",
                 "hybrid: limbs drawn in front of or behind the trunk (right_arm, left_arm, right_leg, left_leg)",
                 "automatic", false},
                {"--paste", "moved|person|crop",
                 "network: replace the photo only where the body moved, around the whole person (both skeletons), or "
                 "over the whole crop",
                 "moved", false},
            });
        a.parse(args);
        if (a.has("--help")) {
            out << a.help();
            return kExitOk;
        }
        const std::optional<edit::PasteExtent> paste = edit::pasteExtentFromString(a.value("--paste"));
        if (!paste) throw UsageError("--paste expects moved, person or crop, got \"" + a.value("--paste") + "\"");
        const std::optional<edit::ReposeMethod> method = edit::reposeMethodFromString(a.value("--method"));
        if (!method) throw UsageError("--method expects hybrid or network, got \"" + a.value("--method") + "\"");
        deform::DepthOrder depth;
        if (a.has("--depth")) {
            try {
                depth = deform::parseDepthOrder(a.value("--depth"));
            } catch (const Error& e) {
                throw UsageError(std::string("--depth: ") + e.what());
            }
        }
        edit::ReposeSession session(weightsArgument(a, model::SemanticsKind::Body),
                                    {a.deviceValue(), a.intValue("--threads")});

        const cv::Mat photo = image::loadImage(a.value("--image"));
        const int person = a.intValue("--person");
        const pose::Pose reference = readPerson(a.value("--pose-ref"), person);
        const pose::Pose target = readPerson(a.value("--pose-target"), person);
        if (reference.presentCount() < 2 || target.presentCount() < 2)
            throw Error("both skeletons need at least two joints");
        // The other people: the file's, else the bundled detector finds them.
        const std::vector<pose::Pose> others = readOthers(a.value("--pose-ref"), person);
        session.setPhoto(photo, reference, others.empty() ? std::nullopt : std::optional(others));

        // The same round trip as the editor's: one crop for both poses, synthesis (or the drag preview), maps,
        // and the paste-back region.
        edit::RenderRequest request;
        request.target = target;
        request.preview = a.has("--preview");
        request.paste = *paste;
        request.method = *method;
        request.depth = depth;
        const bool wantMaps = (a.has("--maps") || a.has("--sheet")) && !request.preview;
        if (wantMaps) {
            request.maps = edit::MapSelection::all(a.has("--attention-point") ? parsePoint(a.value("--attention-point"))
                                                   : target.has(pose::JointId::RightWrist)
                                                       ? target.at(pose::JointId::RightWrist).position
                                                       : *firstJoint(target));
        }
        const edit::RenderedFrame frame = session.render(request);
        for (const std::string& warning : frame.warnings) err << "warning: " << warning << '\n';
        const bool hybrid = frame.method == edit::ReposeMethod::Hybrid;
        image::saveImage(a.value("--out"), edit::editedPhoto(photo, frame));
        if (a.has("--maps")) {
            edit::writeMapImages(a.value("--maps"), frame.referenceCrop, frame.output, frame.maps);
            out << "maps in " << a.value("--maps") << '\n';
        }
        const ImageSize canvas = session.canvas();
        if (a.has("--sheet")) {
            const BoxToCanvas map{frame.cropBox, canvas.width, canvas.height};
            const auto targetSemantics = pose::renderHeatmaps(target.mapped([&](Point2 p) { return map.toCanvas(p); }),
                                                              canvas.height, canvas.width);
            const cv::Mat skeleton = image::semanticsToColour(targetSemantics, pose::jointColours());
            image::saveImage(a.value("--sheet"),
                             edit::editSheet(frame.referenceCrop, skeleton, frame.output, frame.maps));
            out << "wrote " << a.value("--sheet") << '\n';
        }

        const Box& box = frame.cropBox;
        out << "wrote " << a.value("--out") << " (crop " << box.x << "," << box.y << " " << box.width << "x"
            << box.height << " -> " << canvas.height << "x" << canvas.width << " on " << session.deviceName() << ")\n";
        out << std::fixed << std::setprecision(1);
        if (hybrid) {
            const int holes = frame.holeMask.empty() ? 0 : cv::countNonZero(frame.holeMask);
            const int network = frame.networkMask.empty() ? 0 : cv::countNonZero(frame.networkMask);
            out << "hybrid: mesh warp " << frame.deformMilliseconds << " ms, " << holes << " px uncovered, " << network
                << " px from the network"
                << (frame.flippedTriangles ? ", " + std::to_string(frame.flippedTriangles) + " folded triangles" : "")
                << '\n';
        }
        out << (frame.preview ? "preview " : "synthesis ") << frame.synthesisMilliseconds << " ms:";
        for (const auto& t : frame.timings) out << ' ' << t.stage << ' ' << t.milliseconds;
        out << '\n';
        return kExitOk;
    }

private:
    static std::optional<Point2> firstJoint(const pose::Pose& p) {
        for (int j = 0; j < pose::kJointCount; ++j) {
            if (p.has(pose::jointAt(j))) return p.at(pose::jointAt(j)).position;
        }
        return std::nullopt;
    }
};

MARIONETTE_CLI_COMMAND(ReposeCommand);

}  // namespace
}  // namespace marionette::cli

// marionette-cli portrait: the editor's portrait round trip in batch: find the face (dlib), fit the morphable
// model, edit head pose and expressions, then either move the photo's own pixels with a mesh over the landmarks
// (hybrid, the default: the network draws only what an opened mouth shows that the photo never did) or
// synthesise the face's crop from the edited landmarks' part maps and paste it back (network).
#include "cli/arguments.h"
#include "cli/command.h"

#include "marionette/edit/bundled_weights.h"
#include "marionette/edit/edit_document.h"
#include "marionette/edit/portrait.h"
#include "marionette/edit/portrait_session.h"
#include "marionette/edit/round_trip.h"
#include "marionette/face/face_parameters.h"
#include "marionette/face/landmarks.h"
#include "marionette/face/layout.h"
#include "marionette/face/part_maps.h"
#include "marionette/image/colour_maps.h"
#include "marionette/image/image_io.h"
#include "marionette/model/config.h"
#include "marionette/util/error.h"
#include "marionette/util/files.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iomanip>
#include <memory>
#include <optional>
#include <ostream>

namespace marionette::cli {
namespace {

double angleValue(const Arguments& a, const std::string& name) {
    const std::string text = a.value(name);
    char* end = nullptr;
    const double value = std::strtod(text.c_str(), &end);
    if (text.empty() || end != text.c_str() + text.size())
        throw UsageError(name + " expects degrees, got \"" + text + "\"");
    return value;
}

std::string expressionHelp() {
    const face::MorphableModel& model = face::MorphableModel::standard();
    std::string names;
    for (const auto& e : model.expressions()) names += (names.empty() ? "" : ", ") + e.name;
    std::string stems;
    for (const auto& p : edit::expressionPairs(model)) stems += (stems.empty() ? "" : ", ") + p.stem;
    return "expressions NAME=VALUE[,...], each 0 to 1 (" + names + "; " + stems +
           " set both sides, e.g. smile=0.6 is smile_left=0.6,smile_right=0.6)";
}

// The edit document the editor would save for this edit (the photo named relative to the document when beside it).
void writeEdit(const std::string& path, const std::string& imagePath, const edit::PortraitFace& face,
               const face::FaceParameters& edited, const face::FaceLandmarks& target, const Box& cropBox) {
    namespace fs = std::filesystem;
    const fs::path photo = fs::absolute(imagePath).lexically_normal();
    const fs::path relative = photo.lexically_relative(fs::absolute(path).parent_path());
    edit::EditDocument document;
    document.photoPath = !relative.empty() && *relative.begin() != ".." ? relative.string() : photo.string();
    document.mode = "portrait";
    document.portrait = edit::PortraitEdit{face.faceIndex, face.observed, target, edited};
    document.cropBox = cropBox;
    edit::writeEditDocument(path, document);
}

class PortraitCommand : public Command {
public:
    std::string name() const override { return "portrait"; }
    std::string summary() const override { return "edit the head pose and expression of a face in a photo"; }

    int execute(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) override {
        Arguments a(
            "portrait",
            {
                {"--image", "FILE", "the photo", "", true},
                {"--out", "FILE", "the edited photo", "", true},
                {"--face", "N", "which face: 0 is the largest, 1 the next, ...", "0", false},
                {"--params", "FILE", "face parameters JSON (as the editor saves them) applied over the fitted face", "",
                 false},
                {"--yaw", "DEGREES",
                 "head turn, -90 to 90 (> 0 towards the image's right); absolute, replaces the fitted value", "fitted",
                 false},
                {"--pitch", "DEGREES", "head tilt, -60 to 60 (> 0 chin up); absolute", "fitted", false},
                {"--roll", "DEGREES", "head roll, -90 to 90 (> 0 counter-clockwise in the image); absolute", "fitted",
                 false},
                {"--expr", "LIST", expressionHelp(), "fitted", false},
                {"--maps", "DIR", "also write the crops, flow, attention, combination and warped images here", "",
                 false},
                {"--sheet", "FILE", "also write one image: reference crop | target face parts | output | maps", "",
                 false},
                {"--landmarks-out", "FILE", "also write the edited 68 landmarks (.pts, photo pixels)", "", false},
                {"--edit-out", "FILE",
                 "also write the edit as the editor saves it (.marionette.json; the editor opens it)", "", false},
                {"--weights", "FILE", "portrait model weights (.safetensors)",
                 std::string("the shipped models/") + edit::kBundledPortraitWeights + " if present, else untrained",
                 false},
                {"--device", "auto|cpu|cuda", "device", "auto", false},
                {"--threads", "N", "CPU threads (0: one per processor core)", "0", false},
                {"--seed", "N", "seed of the untrained weights used when there is no portrait model", "1", false},
                {"--preview", "",
                 "write the editor's drag preview instead of the synthesis: the photo moved with its landmarks, no "
                 "network",
                 "", false},
                {"--method", "hybrid|network",
                 "hybrid: move the photo's pixels with a mesh over the landmarks, the network only for what the photo "
                 "never showed; "
                 "network: the synthesised crop pasted back",
                 "hybrid", false},
                {"--paste", "moved|face|crop",
                 "network: replace the photo only where the face's parts moved, over the whole face, or over the whole "
                 "crop",
                 "moved", false},
                {"--repeat", "N",
                 "then time N more edits (yaw moving, the reference cached) and print the latency per edit", "0",
                 false},
            });
        a.parse(args);
        if (a.has("--help")) {
            out << a.help() << "Order: the fitted face, then --params, then --yaw/--pitch/--roll, then --expr.\n";
            return kExitOk;
        }
        const int faceIndex = a.intValue("--face");
        if (faceIndex < 0) throw UsageError("--face must be 0 or more");
        // "face" is the portrait's name for the whole-person extent.
        const std::string pasteName = a.value("--paste");
        const std::optional<edit::PasteExtent> paste = pasteName == "face" ? std::optional(edit::PasteExtent::Person)
                                                       : pasteName == "person" ? std::nullopt
                                                                               : edit::pasteExtentFromString(pasteName);
        if (!paste) throw UsageError("--paste expects moved, face or crop, got \"" + pasteName + "\"");
        const std::optional<edit::ReposeMethod> method = edit::reposeMethodFromString(a.value("--method"));
        if (!method) throw UsageError("--method expects hybrid or network, got \"" + a.value("--method") + "\"");
        const int threads = a.intValue("--threads");
        if (threads < 0) throw UsageError("--threads must be 0 or more");
        const int seed = a.intValue("--seed");
        const edit::Device device = a.deviceValue();

        // Everything that can be wrong with the inputs is checked before the model loads or anything is written.
        const std::string imagePath = a.value("--image");
        const cv::Mat photo = image::loadImage(imagePath);
        const edit::PortraitFace face = edit::findPortraitFace(photo, imagePath, faceIndex);
        const face::MorphableModel& model = face::MorphableModel::standard();
        face::FaceParameters edited = face.fitted;
        if (a.has("--params")) {
            const std::string path = a.value("--params");
            edited = face::parametersFromJson(files::readAll(path, 1u << 20), model, path, edited);
        }
        if (a.has("--yaw")) edited.pose.yaw = angleValue(a, "--yaw");
        if (a.has("--pitch")) edited.pose.pitch = angleValue(a, "--pitch");
        if (a.has("--roll")) edited.pose.roll = angleValue(a, "--roll");
        if (a.has("--expr")) edit::applyExpressionList(edited, model, a.value("--expr"), "--expr");
        face::checkParameters(edited, model, "the edited face");
        const face::FaceLandmarks target = edit::portraitLandmarks(face, edited);

        const edit::SessionOptions options{device, threads};
        const std::string weights =
            a.has("--weights") ? a.value("--weights") : edit::bundledWeights(model::SemanticsKind::Face);
        std::unique_ptr<edit::PortraitSession> session;
        if (weights.empty()) {
            const auto config = model::ModelConfig::small(model::ModelConfig::face());
            err << "warning: no portrait model is installed (models/" << edit::kBundledPortraitWeights
                << "): using untrained, randomly initialised "
                   "weights (face, c = "
                << config.width << ", seed " << seed
                << "). The output shows the pipeline working, not a trained result; pass --weights for a trained "
                   "model.\n";
            session = std::make_unique<edit::PortraitSession>(config, static_cast<std::uint64_t>(seed), options);
        } else {
            session = std::make_unique<edit::PortraitSession>(weights, options);
        }
        session->setPhoto(photo, face.observed);
        edit::PortraitRenderRequest request;
        request.target = target;
        request.paste = *paste;
        request.method = *method;
        request.preview = a.has("--preview");
        const bool wantMaps = (a.has("--maps") || a.has("--sheet")) && !request.preview;
        if (wantMaps) request.maps = edit::MapSelection::all(target.points[30]);  // where the nose tip reads from
        const edit::RenderedFrame frame = session->render(request);
        for (const std::string& warning : frame.warnings) err << "warning: " << warning << '\n';

        image::saveImage(a.value("--out"), edit::editedPhoto(photo, frame));
        if (a.has("--landmarks-out")) face::writePts(a.value("--landmarks-out"), target);
        if (a.has("--edit-out")) writeEdit(a.value("--edit-out"), imagePath, face, edited, target, frame.cropBox);
        if (a.has("--maps")) {
            edit::writeMapImages(a.value("--maps"), frame.referenceCrop, frame.output, frame.maps);
            out << "maps in " << a.value("--maps") << '\n';
        }
        if (a.has("--sheet")) {
            const ImageSize canvas = session->canvas();
            const BoxToCanvas map{frame.cropBox, canvas.width, canvas.height};
            const auto parts = face::renderPartMaps(target.mapped([&](Point2 p) { return map.toCanvas(p); }),
                                                    canvas.height, canvas.width);
            image::saveImage(a.value("--sheet"),
                             edit::editSheet(frame.referenceCrop, image::semanticsToColour(parts, face::partColours()),
                                             frame.output, frame.maps));
            out << "wrote " << a.value("--sheet") << '\n';
        }

        const int repeat = a.intValue("--repeat");
        if (repeat > 0) {
            // What one slider step costs in the editor: new landmarks, then the warp (and the network where the
            // mouth opened past the photo), or part maps, synthesis and conversion.
            double total = 0.0, synthesis = 0.0, deform = 0.0;
            for (int i = 0; i < repeat; ++i) {
                face::FaceParameters step = edited;
                step.pose.yaw =
                    std::clamp(edited.pose.yaw + (i % 2 ? 1.0 : -1.0), -face::kMaxYawDegrees, face::kMaxYawDegrees);
                const auto start = std::chrono::steady_clock::now();
                edit::PortraitRenderRequest stepRequest = request;
                stepRequest.maps = {};
                stepRequest.target = edit::portraitLandmarks(face, step);
                const edit::RenderedFrame timed = session->render(stepRequest);
                total += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
                synthesis += timed.synthesisMilliseconds;
                deform += timed.deformMilliseconds;
            }
            out << std::fixed << std::setprecision(1) << "per edit: " << total / repeat << " ms (synthesis "
                << synthesis / repeat << " ms, mesh warp " << deform / repeat << " ms), mean of " << repeat << '\n';
        }

        const face::HeadPose& fitted = face.fitted.pose;
        out << std::fixed << std::setprecision(1) << imagePath << ": face " << faceIndex << " of " << face.faceCount
            << ", fitted in " << face.fitMilliseconds << " ms (rms residual " << face.rmsResidual << " px): yaw "
            << fitted.yaw << ", pitch " << fitted.pitch << ", roll " << fitted.roll << '\n';
        out << "edited: yaw " << edited.pose.yaw << ", pitch " << edited.pose.pitch << ", roll " << edited.pose.roll;
        for (std::size_t k = 0; k < edited.expression.size(); ++k) {
            if (edited.expression[k] != 0.0)
                out << ", " << model.expressions()[k].name << ' ' << std::setprecision(2) << edited.expression[k];
        }
        out << std::setprecision(1) << '\n';
        out << "wrote " << a.value("--out") << " (crop " << frame.cropBox.x << "," << frame.cropBox.y << " "
            << frame.cropBox.width << "x" << frame.cropBox.height << " -> " << session->canvas().height << "x"
            << session->canvas().width << " on " << session->deviceName() << "; synthesis "
            << frame.synthesisMilliseconds << " ms)\n";
        if (frame.method == edit::ReposeMethod::Hybrid) {
            const int unseen = frame.holeMask.empty() ? 0 : cv::countNonZero(frame.holeMask);
            const int network = frame.networkMask.empty() ? 0 : cv::countNonZero(frame.networkMask);
            out << "hybrid: mesh warp " << frame.deformMilliseconds << " ms over " << frame.changed.width << "x"
                << frame.changed.height << " px, " << unseen << " px the photo never showed, " << network
                << " px from the network"
                << (frame.flippedTriangles ? ", " + std::to_string(frame.flippedTriangles) + " folded triangles" : "")
                << '\n';
        }
        return kExitOk;
    }
};

MARIONETTE_CLI_COMMAND(PortraitCommand);

}  // namespace
}  // namespace marionette::cli

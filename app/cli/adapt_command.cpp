// marionette-cli adapt: fine-tunes body weights on one photo's person, or portrait weights on one of its
// faces (edit::adaptToPhoto), for the editor's Model > Adapt to This Photo in batch. The adapted weights then
// serve `repose --weights` or `portrait --weights` for that photo.
#include "cli/arguments.h"
#include "cli/command.h"
#include "cli/person_file.h"
#include "cli/weights_argument.h"

#include "marionette/edit/bundled_weights.h"
#include "marionette/edit/photo_adaptation.h"
#include "marionette/edit/portrait.h"
#include "marionette/face/landmarks.h"
#include "marionette/image/image_io.h"
#include "marionette/util/error.h"

#include <filesystem>
#include <iomanip>
#include <ostream>
#include <sstream>

namespace marionette::cli {
namespace {

std::string numberText(double value) {
    std::ostringstream text;
    text << value;
    return text.str();
}

class AdaptCommand : public Command {
public:
    std::string name() const override { return "adapt"; }
    std::string summary() const override {
        return "fine-tune body weights on one photo's person, or portrait weights on a face (warped copies of it)";
    }

    int execute(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) override {
        const edit::AdaptationOptions defaults;
        Arguments a(
            "adapt",
            {
                {"--weights", "FILE",
                 "weights to start from: body weights with --pose, portrait weights with --landmarks or --face",
                 std::string("the shipped models/") + edit::kBundledBodyWeights + " or models/" +
                     edit::kBundledPortraitWeights,
                 false},
                {"--image", "FILE", "the photo", "", true},
                {"--pose", "FILE", "adapt to a person: the skeleton in the photo (OpenPose JSON)", "", false},
                {"--person", "N", "which person of the JSON file", "0", false},
                {"--landmarks", "FILE", "adapt to a face: its 68 landmarks in the photo (.pts)", "", false},
                {"--face", "N", "adapt to a face found in the photo: 0 is the largest, 1 the next, ...", "", false},
                {"--out", "FILE", "the adapted weights (.safetensors)", "", true},
                {"--steps", "N", "fine-tuning steps", std::to_string(defaults.steps), false},
                {"--batch", "N", "pairs per step", std::to_string(defaults.batchSize), false},
                {"--lr", "RATE", "learning rate (Adam, betas 0.5/0.999)", numberText(defaults.learningRate), false},
                {"--device", "auto|cpu|cuda", "device", "auto", false},
                {"--threads", "N", "CPU threads (0: one per processor core)", "0", false},
            });
        a.parse(args);
        if (a.has("--help")) {
            out << a.help();
            return kExitOk;
        }
        const int subjects = int(a.has("--pose")) + int(a.has("--landmarks")) + int(a.has("--face"));
        if (subjects != 1) throw UsageError("give one of --pose (a person), --landmarks or --face (a face)");
        const bool portrait = !a.has("--pose");
        const model::SemanticsKind kind = portrait ? model::SemanticsKind::Face : model::SemanticsKind::Body;
        edit::PhotoAdaptation request;
        request.weightsPath = weightsArgument(a, kind);
        request.options.steps = a.intValue("--steps");
        if (request.options.steps < 1 || request.options.steps > 1000000)
            throw UsageError("option --steps expects 1..1000000");
        request.options.batchSize = a.intValue("--batch");
        if (request.options.batchSize < 1 || request.options.batchSize > 256)
            throw UsageError("option --batch expects 1..256");
        request.options.learningRate = a.doubleValue("--lr");
        if (!(request.options.learningRate > 0.0 && request.options.learningRate <= 1.0))
            throw UsageError("option --lr expects a rate in (0, 1]");
        request.options.device = a.deviceValue();
        request.options.threads = a.intValue("--threads");
        if (request.options.threads < 0 || request.options.threads > 256)
            throw UsageError("option --threads expects 0..256");

        request.photo = image::loadImage(a.value("--image"));
        if (a.has("--pose")) {
            request.reference = readPerson(a.value("--pose"), a.intValue("--person"));
        } else if (a.has("--landmarks")) {
            request.face = face::readPts(a.value("--landmarks"));
        } else {
            const int faceIndex = a.intValue("--face");
            if (faceIndex < 0) throw UsageError("option --face expects 0 or more");
            request.face = edit::findPortraitFace(request.photo, a.value("--image"), faceIndex).observed;
        }
        request.photoName = std::filesystem::path(a.value("--image")).filename().string();
        request.outPath = a.value("--out");

        int lastShown = 0;
        const auto result = edit::adaptToPhoto(request, [&](const edit::AdaptationProgress& p) {
            if (p.step == p.steps || p.step - lastShown >= std::max(1, p.steps / 20)) {
                lastShown = p.step;
                err << "step " << p.step << '/' << p.steps << "  pixel L1 " << std::fixed << std::setprecision(4)
                    << p.pixelL1 << "  " << std::setprecision(2) << p.imagesPerSecond << " img/s\n";
            }
            return true;
        });
        if (result == edit::AdaptationResult::Cancelled) {
            err << "adapt: stopped before the last step; nothing written\n";
            return kExitFailure;
        }
        out << "wrote " << request.outPath << " (" << request.options.steps << " steps on " << request.photoName
            << ")\n";
        return kExitOk;
    }
};

MARIONETTE_CLI_COMMAND(AdaptCommand);

}  // namespace
}  // namespace marionette::cli

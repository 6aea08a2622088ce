// marionette-cli detect: finds a person's body keypoints in a photo with MoveNet and writes them as OpenPose
// JSON (COCO-18), the skeleton every other verb reads.
#include "cli/arguments.h"
#include "cli/command.h"
#include "cli/photo_folder.h"

#include "marionette/detect/movenet.h"
#include "marionette/detect/preview.h"
#include "marionette/image/image_io.h"
#include "marionette/pose/openpose_json.h"
#include "marionette/util/cpu_threads.h"
#include "marionette/util/error.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iomanip>
#include <ostream>

namespace marionette::cli {
namespace {

class DetectCommand : public Command {
public:
    std::string name() const override { return "detect"; }
    std::string summary() const override {
        return "find a person's body keypoints in a photo (MoveNet) and write OpenPose JSON";
    }

    int execute(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) override {
        Arguments a(
            "detect",
            {
                {"--image", "FILE|DIR", "the photo, or a folder of photos", "", true},
                {"--out", "FILE|DIR",
                 "OpenPose JSON to write (COCO-18); for a folder of photos, the folder for <photo>.pose.json", "",
                 true},
                {"--model", "NAME",
                 "thunder (one person, most accurate), lightning (one person, fast) or multipose (up to six people)",
                 "thunder", false},
                {"--model-file", "FILE", "a MoveNet model.json to use instead of the bundled one", "", false},
                {"--threads", "N", "CPU threads (0: one per processor core)", "0", false},
                {"--min-score", "S", "leave out keypoints scoring below S (0 to 1)", "0.2", false},
                {"--refine", "N", "look again at a crop around the person N times", "1", false},
                {"--preview", "FILE", "also draw the skeleton over the photo to this image", "", false},
                {"--repeat", "N", "run the detection N times and report the median time (benchmark)", "1", false},
            });
        a.parse(args);
        if (a.has("--help")) {
            out << a.help();
            return kExitOk;
        }
        const auto variant = detect::variantFromName(a.value("--model"));
        if (!variant)
            throw UsageError("--model must be thunder, lightning or multipose, not '" + a.value("--model") + "'");
        const int threads = a.intValue("--threads");
        if (threads < 0 || threads > 256) throw UsageError("--threads must be between 0 and 256");
        const int repeat = a.intValue("--repeat");
        if (repeat < 1 || repeat > 1000) throw UsageError("--repeat must be between 1 and 1000");
        const int refine = a.intValue("--refine");
        if (refine < 0 || refine > 8) throw UsageError("--refine must be between 0 and 8");
        detect::DetectOptions options;
        options.refinePasses = refine;
        options.minJointScore = minScore(a.value("--min-score"));
        cpu_threads::configure(threads);

        const std::string modelPath =
            a.has("--model-file") ? a.value("--model-file") : detect::bundledModelPath(*variant);
        std::error_code ec;
        if (std::filesystem::is_directory(a.value("--image"), ec)) {
            if (a.has("--preview") || repeat > 1)
                throw UsageError("--preview and --repeat take one photo, not a folder");
            return detectFolder(detect::MoveNet(modelPath), options, a.value("--image"), a.value("--out"), out, err);
        }
        const cv::Mat photo = image::loadImage(a.value("--image"));
        const detect::MoveNet net(modelPath);
        std::vector<detect::BodyDetection> found;
        std::vector<double> times;
        for (int run = 0; run < repeat; ++run) {
            const auto start = std::chrono::steady_clock::now();
            found = net.detectPeople(photo, options);
            times.push_back(
                std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
        }
        // The first run also prepares LibTorch's kernels; with repeats, report the median of the others.
        if (times.size() > 1) times.erase(times.begin());
        std::nth_element(times.begin(), times.begin() + times.size() / 2, times.end());
        const double ms = times[times.size() / 2];

        pose::People people;
        for (const auto& person : found) people.push_back(person.pose);
        pose::writeOpenPoseJson(a.value("--out"), people);
        if (a.has("--preview")) {
            cv::Mat drawing = photo;
            for (const auto& person : found) drawing = detect::drawDetection(drawing, person);
            image::saveImage(a.value("--preview"), drawing);
        }
        out << "wrote " << a.value("--out") << ": ";
        if (found.empty())
            out << "no person found";
        else if (found.size() == 1)
            out << "1 person, " << found[0].pose.presentCount() << " of 18 joints";
        else
            out << found.size() << " people";
        out << std::fixed << std::setprecision(2) << " (score " << (found.empty() ? 0.f : found[0].score)
            << "; MoveNet " << detect::variantName(*variant) << ", "
            << (found.empty() ? std::size_t{0} : found[0].regions.size()) << " passes, " << std::setprecision(1) << ms
            << " ms" << (repeat > 1 ? " median of " + std::to_string(times.size()) + " runs" : "") << ", "
            << at::get_num_threads() << " threads)\n";
        if (found.empty()) err << "no person was found in " << a.value("--image") << "\n";
        return kExitOk;
    }

private:
    // Every photo of `folder` to <outFolder>/<photo file name>.pose.json, the network loaded once; a photo
    // that fails is reported and the others go on (exit code 1).
    static int detectFolder(const detect::MoveNet& net, const detect::DetectOptions& options, const std::string& folder,
                            const std::string& outFolder, std::ostream& out, std::ostream& err) {
        return forEachPhotoIn(
            folder, outFolder, pose::kPoseFileSuffix,
            [&](const std::string& photo, const std::string& output) {
                const auto found = net.detectPeople(image::loadImage(photo), options);
                pose::People people;
                for (const auto& person : found) people.push_back(person.pose);
                pose::writeOpenPoseJson(output, people);
                return output + (found.empty() ? " (no person found)" : "");
            },
            out, err);
    }

    static float minScore(const std::string& text) {
        char* end = nullptr;
        const float v = std::strtof(text.c_str(), &end);
        if (text.empty() || *end != '\0' || !(v >= 0.f && v <= 1.f))
            throw UsageError("--min-score must be a number from 0 to 1, not '" + text + "'");
        return v;
    }
};

MARIONETTE_CLI_COMMAND(DetectCommand);

}  // namespace
}  // namespace marionette::cli

// marionette-cli synth: writes generated training pairs as PNGs (reference | target, then both with their
// skeletons or landmarks drawn) so that a person can look at the data the trainer sees.
#include "cli/arguments.h"
#include "cli/command.h"

#include "marionette/face/landmarks.h"
#include "marionette/image/image_io.h"
#include "marionette/image/tensor_image.h"
#include "marionette/pose/openpose_json.h"
#include "marionette/synth/body_pair_generator.h"
#include "marionette/synth/limb_warp.h"
#include "marionette/synth/portrait_pair_generator.h"
#include "marionette/synth/seeds.h"
#include "marionette/util/error.h"

#include <torch/types.h>
#include <opencv2/imgproc.hpp>

#include <chrono>
#include <exception>
#include <filesystem>
#include <mutex>
#include <ostream>
#include <thread>

namespace marionette::cli {
namespace {

std::uint64_t parseSeed(const std::string& text) {
    std::uint64_t v = 0;
    if (text.empty() || text.size() > 20)
        throw UsageError("option --seed expects a whole number >= 0, got \"" + text + "\"");
    for (char ch : text) {
        if (ch < '0' || ch > '9') throw UsageError("option --seed expects a whole number >= 0, got \"" + text + "\"");
        const std::uint64_t digit = static_cast<std::uint64_t>(ch - '0');
        if (v > (UINT64_MAX - digit) / 10) throw UsageError("option --seed is larger than 2^64 - 1: \"" + text + "\"");
        v = v * 10 + digit;
    }
    return v;
}

cv::Scalar bgr(Rgb c) { return cv::Scalar(c.b, c.g, c.r); }

void drawSkeleton(cv::Mat& image, const pose::Pose& p) {
    const int thickness = std::max(1, image.rows / 128);
    for (const pose::Limb& limb : pose::limbs()) {
        const auto a = p.find(limb.parent), b = p.find(limb.child);
        if (!a || !b) continue;
        cv::line(image, cv::Point2f(a->position.x, a->position.y), cv::Point2f(b->position.x, b->position.y),
                 bgr(pose::jointColour(limb.child)), thickness, cv::LINE_AA);
    }
    for (int j = 0; j < pose::kJointCount; ++j) {
        const auto k = p.find(pose::jointAt(j));
        if (k)
            cv::circle(image, cv::Point2f(k->position.x, k->position.y), thickness + 1,
                       bgr(pose::jointColour(pose::jointAt(j))), -1, cv::LINE_AA);
    }
}

void drawLandmarks(cv::Mat& image, const face::FaceLandmarks& f) {
    for (const auto& part : face::faceParts()) {
        for (int i = part.first; i <= part.last; ++i) {
            const int next = i < part.last ? i + 1 : (part.closed ? part.first : -1);
            const Point2& a = f.points[static_cast<std::size_t>(i)];
            if (next >= 0) {
                const Point2& b = f.points[static_cast<std::size_t>(next)];
                cv::line(image, cv::Point2f(a.x, a.y), cv::Point2f(b.x, b.y), bgr(part.colour), 1, cv::LINE_AA);
            }
            cv::circle(image, cv::Point2f(a.x, a.y), 1, bgr(part.colour), -1, cv::LINE_AA);
        }
    }
}

// reference | target | reference with its semantics | target with its semantics
cv::Mat pairPanel(const synth::PairSample& pair) {
    const cv::Mat reference = image::tensorToImage(pair.reference), target = image::tensorToImage(pair.target);
    cv::Mat referenceMarked = reference * 0.6 + cv::Scalar(40, 40, 40),
            targetMarked = target * 0.6 + cv::Scalar(40, 40, 40);
    if (pair.referenceFace) {
        drawLandmarks(referenceMarked, *pair.referenceFace);
        drawLandmarks(targetMarked, *pair.targetFace);
    } else {
        drawSkeleton(referenceMarked, pair.referencePose);
        drawSkeleton(targetMarked, pair.targetPose);
    }
    cv::Mat row;
    const cv::Mat gap(reference.rows, 4, CV_8UC3, cv::Scalar(255, 255, 255));
    cv::hconcat(std::vector<cv::Mat>{reference, gap, target, gap, referenceMarked, gap, targetMarked}, row);
    return row;
}

class SynthCommand : public Command {
public:
    std::string name() const override { return "synth"; }
    std::string summary() const override { return "write generated training pairs to PNGs to look at"; }

    int execute(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) override {
        Arguments a(
            "synth",
            {
                {"--kind", "KIND",
                 "body (procedural people), body-edits (the same people edited: a part or two turned, the camera "
                 "kept), portrait (procedural faces), photo (a photo reposed limb by limb: "
                 "needs --image and --pose) or face-photo (needs --image and --landmarks)",
                 "body", false},
                {"--seed", "S", "first seed", "0", false},
                {"--split", "NAME",
                 "read --seed as an index into the training, validation or report seeds (see synth/seeds.h)", "",
                 false},
                {"--count", "N", "number of pairs", "4", false},
                {"--size", "HxW", "canvas size", defaultCanvasSizes("body, photo", "portrait"), false},
                {"--image", "FILE", "photo for --kind photo / face-photo", "", false},
                {"--pose", "FILE", "OpenPose JSON of the photo (canvas = the photo)", "", false},
                {"--landmarks", "FILE", "68-point landmarks (.pts) of the photo", "", false},
                {"--grid", "FILE", "also write all pairs stacked into one image", "", false},
                {"--jobs", "N", "generate on N threads in parallel (one generator each)", "1", false},
                {"--threads", "N", "intra-op threads of each generator (body, portrait)", "1", false},
                {"--bench", "", "only measure: generate the pairs, write nothing, print pairs/s", "", false},
                {"--out", "DIR", "output folder (created if missing; not needed with --bench)", "", false},
            });
        a.parse(args);
        if (a.has("--help")) {
            out << a.help();
            return kExitOk;
        }
        const std::string kind = a.value("--kind");
        if (kind != "body" && kind != "body-edits" && kind != "portrait" && kind != "photo" && kind != "face-photo")
            throw UsageError("option --kind expects body, body-edits, portrait, photo or face-photo, got \"" + kind +
                             "\"");
        const int count = a.intValue("--count");
        if (count < 1 || count > 10000) throw UsageError("option --count expects 1..10000");
        std::uint64_t first = parseSeed(a.value("--seed"));
        if (a.has("--split")) {
            const std::string split = a.value("--split");
            const synth::SeedRange range =
                split == "training"     ? synth::kTrainingSeeds
                : split == "validation" ? synth::kValidationSeeds
                : split == "report"     ? synth::kReportSeeds
                                        : throw UsageError("option --split expects training, validation or report");
            first = range.at(first);
        }
        const bool portraitKind = kind == "portrait" || kind == "face-photo";
        const int threads = a.intValue("--threads");
        if (threads < 1 || threads > 256) throw UsageError("option --threads expects 1..256");
        const auto [height, width] =
            a.sizeValue("--size", portraitKind ? model::ModelConfig::face() : model::ModelConfig::body());

        std::function<synth::PairSample(std::uint64_t)> generate;
        if (kind == "body" || kind == "body-edits") {
            synth::BodyGeneratorConfig config;
            config.height = height;
            config.width = width;
            config.threads = threads;
            if (kind == "body-edits") config.editProbability = 1.0;
            generate = [g = synth::BodyPairGenerator(config)](std::uint64_t s) { return g.generate(s); };
        } else if (kind == "portrait") {
            synth::PortraitGeneratorConfig config;
            config.height = height;
            config.width = width;
            config.threads = threads;
            generate = [g = synth::PortraitPairGenerator(config)](std::uint64_t s) { return g.generate(s); };
        } else if (kind == "photo") {
            if (!a.has("--image") || !a.has("--pose")) throw UsageError("--kind photo needs --image and --pose");
            const torch::Tensor photo = image::imageToTensor(image::loadImage(a.value("--image")));
            const auto people = pose::readOpenPoseJson(a.value("--pose"));
            if (people.empty()) throw Error(a.value("--pose") + ": has no person");
            generate = [g = synth::LimbWarpPairGenerator(), photo, p = people.front()](std::uint64_t s) {
                return g.generate(photo, p, s);
            };
        } else {
            if (!a.has("--image") || !a.has("--landmarks"))
                throw UsageError("--kind face-photo needs --image and --landmarks");
            const torch::Tensor photo = image::imageToTensor(image::loadImage(a.value("--image")));
            const face::FaceLandmarks landmarks = face::readPts(a.value("--landmarks"));
            generate = [g = synth::PortraitPairGenerator(), photo, landmarks](std::uint64_t s) {
                return g.generate(photo, landmarks, s);
            };
        }

        const int jobs = a.intValue("--jobs");
        if (jobs < 1 || jobs > 256) throw UsageError("option --jobs expects 1..256");
        const bool bench = a.has("--bench");
        if (!bench && !a.has("--out")) throw UsageError("missing option --out DIR");
        const std::filesystem::path folder(bench ? "" : a.value("--out"));
        if (!bench) {
            std::error_code ec;
            std::filesystem::create_directories(folder, ec);
            if (ec) throw Error(folder.string() + ": cannot create the output folder: " + ec.message());
        }
        std::vector<cv::Mat> rows(a.has("--grid") ? static_cast<std::size_t>(count) : 0);
        std::vector<std::string> written(static_cast<std::size_t>(count));
        std::mutex failureMutex;
        std::exception_ptr failure;
        // Worker k generates pairs k, k + jobs, ...; each writes its own files.
        auto work = [&](int k) {
            try {
                for (int i = k; i < count; i += jobs) {
                    const std::uint64_t seed = first + static_cast<std::uint64_t>(i);
                    const synth::PairSample pair = generate(seed);
                    if (bench) continue;
                    const cv::Mat panel = pairPanel(pair);
                    const std::string path = (folder / (kind + "_" + std::to_string(seed) + ".png")).string();
                    image::saveImage(path, panel);
                    written[static_cast<std::size_t>(i)] = path;
                    if (!rows.empty()) rows[static_cast<std::size_t>(i)] = panel;
                }
            } catch (...) {
                const std::lock_guard<std::mutex> lock(failureMutex);
                if (!failure) failure = std::current_exception();
            }
        };
        const auto start = std::chrono::steady_clock::now();
        if (jobs == 1) {
            work(0);
        } else {
            std::vector<std::thread> threads;
            for (int k = 0; k < jobs; ++k) threads.emplace_back(work, k);
            for (std::thread& t : threads) t.join();
        }
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (failure) std::rethrow_exception(failure);
        for (int i = 0; i < count; ++i) {
            const std::uint64_t seed = first + static_cast<std::uint64_t>(i);
            if (!bench)
                out << "wrote " << written[static_cast<std::size_t>(i)] << " (seed " << seed << ", "
                    << synth::seedSplitName(seed) << ")\n";
        }
        if (a.has("--grid")) {
            cv::Mat grid;
            const cv::Mat gap(4, rows.front().cols, CV_8UC3, cv::Scalar(255, 255, 255));
            std::vector<cv::Mat> stacked;
            for (const cv::Mat& r : rows) {
                if (!stacked.empty()) stacked.push_back(gap);
                stacked.push_back(r);
            }
            cv::vconcat(stacked, grid);
            image::saveImage(a.value("--grid"), grid);
            out << "wrote " << a.value("--grid") << '\n';
        }
        (bench ? out : err) << "generated " << count << " " << kind << " pairs of " << height << "x" << width << " in "
                            << seconds << " s: " << count / std::max(seconds, 1e-9) << " pairs/s with " << jobs
                            << " job(s) of " << threads << " thread(s)" << (bench ? "" : ", including writing the PNGs")
                            << "\n";
        return kExitOk;
    }
};

MARIONETTE_CLI_COMMAND(SynthCommand);

}  // namespace

}  // namespace marionette::cli

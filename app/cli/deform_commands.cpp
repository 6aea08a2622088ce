// marionette-cli bench-deform and evaluate-repose: the speed of re-posing by the mesh warp, and figures that
// judge an edited photo with no ground truth, for the hybrid method and the network side by side.
#include "cli/arguments.h"
#include "cli/bench_stats.h"
#include "cli/command.h"
#include "cli/person_file.h"
#include "cli/weights_argument.h"

#include "marionette/deform/face_warp.h"
#include "marionette/deform/hole_fill.h"
#include "marionette/deform/person_layer.h"
#include "marionette/deform/puppet.h"
#include "marionette/deform/quality.h"
#include "marionette/detect/movenet.h"
#include "marionette/detect/person_segmenter.h"
#include "marionette/edit/bundled_weights.h"
#include "marionette/edit/portrait.h"
#include "marionette/edit/portrait_session.h"
#include "marionette/edit/repose_session.h"
#include "marionette/face/landmarks.h"
#include "marionette/image/image_io.h"
#include "marionette/pose/openpose_json.h"
#include "marionette/util/bundled_files.h"
#include "marionette/util/cpu_threads.h"
#include "marionette/util/error.h"
#include "marionette/util/text.h"

#include <torch/torch.h>
#include <opencv2/imgproc.hpp>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <iomanip>
#include <map>
#include <ostream>
#include <sstream>

namespace marionette::cli {
namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

struct Edit {
    cv::Mat photo;
    pose::Pose reference, target;
    std::vector<pose::Pose> others;  // the other people in the photo, who stay
};

std::vector<Option> editOptions() {
    return {
        {"--image", "FILE", "the photo", "the bundled sample messi5.jpg", false},
        {"--pose-ref", "FILE", "the person's skeleton in the photo (OpenPose JSON)", "the sample's", false},
        {"--pose-target", "FILE", "the new skeleton (OpenPose JSON)", "the sample's", false},
        {"--upscale", "F", "enlarge the photo and skeletons F times first (a larger person)", "1", false},
        {"--weights", "FILE", "body model weights", std::string("the shipped models/") + edit::kBundledBodyWeights,
         false},
        {"--threads", "N", "CPU threads (0: one per processor core)", "0", false},
    };
}

Edit readEdit(const Arguments& a) {
    Edit e;
    const std::string image = a.has("--image") ? a.value("--image") : bundled::samplePath("messi5.jpg");
    e.photo = image::loadImage(image);
    const std::string referenceFile = a.has("--pose-ref") ? a.value("--pose-ref") : image + pose::kPoseFileSuffix;
    e.reference = readPerson(referenceFile, 0);
    e.others = readOthers(referenceFile, 0);
    e.target = readPerson(a.has("--pose-target") ? a.value("--pose-target") : image + ".target.json", 0);
    const double scale = a.has("--upscale") ? std::stod(a.value("--upscale")) : 1.0;
    if (!(scale > 0 && scale <= 8)) throw UsageError("--upscale expects a factor in (0, 8]");
    if (scale != 1.0) {
        cv::resize(e.photo, e.photo, cv::Size(), scale, scale, cv::INTER_CUBIC);
        const auto grow = [scale](Point2 p) {
            return Point2{static_cast<float>((p.x + 0.5) * scale - 0.5), static_cast<float>((p.y + 0.5) * scale - 0.5)};
        };
        e.reference = e.reference.mapped(grow);
        for (auto& other : e.others) other = other.mapped(grow);
        e.target = e.target.mapped(grow);
    }
    return e;
}

// The same pose halfway to the target: a drag's intermediate update.
pose::Pose halfway(const pose::Pose& a, const pose::Pose& b) {
    pose::Pose out = b;
    for (int j = 0; j < pose::kJointCount; ++j) {
        const auto joint = pose::jointAt(j);
        if (!a.has(joint) || !b.has(joint)) continue;
        const Point2 p = a.at(joint).position, q = b.at(joint).position;
        out.set(joint, (p.x + q.x) / 2, (p.y + q.y) / 2);
    }
    return out;
}

// --portrait: the face warp on a portrait (the bundled astronaut.jpg unless --image names one; its landmarks from
// FILE.landmarks.pts beside it, else from the face detector), the head turned by 15 degrees and the mouth opened:
// the mesh and its factorisation once, slider updates at the photo's full resolution, then the hybrid result with
// the network where the mouth opened past the photo.
int benchPortrait(const Arguments& a, int repeat, std::ostream& out) {
    const std::string image = a.has("--image") ? a.value("--image") : bundled::samplePath("astronaut.jpg");
    cv::Mat photo = image::loadImage(image);
    const std::string pts = image + ".landmarks.pts";
    face::FaceLandmarks observed =
        std::filesystem::exists(pts) ? face::readPts(pts) : edit::findPortraitFace(photo, image).observed;
    const double scale = a.has("--upscale") ? std::stod(a.value("--upscale")) : 1.0;
    if (!(scale > 0 && scale <= 8)) throw UsageError("--upscale expects a factor in (0, 8]");
    if (scale != 1.0) {
        cv::resize(photo, photo, cv::Size(), scale, scale, cv::INTER_CUBIC);
        observed = observed.mapped([scale](Point2 p) {
            return Point2{static_cast<float>((p.x + 0.5) * scale - 0.5), static_cast<float>((p.y + 0.5) * scale - 0.5)};
        });
    }
    const edit::PortraitFace face = edit::fitPortraitFace(observed, ImageSize{photo.cols, photo.rows});
    face::FaceParameters edited = face.fitted;
    edited.pose.yaw = std::clamp(edited.pose.yaw + 15, -face::kMaxYawDegrees, face::kMaxYawDegrees);
    edit::setExpressionByName(edited, face::MorphableModel::standard(), "jaw_open", 0.6);
    const face::FaceLandmarks target = edit::portraitLandmarks(face, edited);
    const auto points = [](const face::FaceLandmarks& f) {
        std::vector<cv::Point2f> out;
        for (const Point2& p : f.points) out.emplace_back(p.x, p.y);
        return out;
    };
    std::vector<cv::Point2f> middle = points(observed);
    for (std::size_t i = 0; i < middle.size(); ++i) middle[i] = (middle[i] + points(target)[i]) * 0.5f;

    out << std::fixed << std::setprecision(1) << "portrait " << photo.cols << " x " << photo.rows << ", "
        << at::get_num_threads() << " threads\n";
    auto t = Clock::now();
    const deform::FaceWarp warp(photo, points(observed));
    const double build = since(t);
    out << "face mesh + factorising      " << build << " ms (" << warp.mesh().rest.size() << " vertices, "
        << warp.mesh().triangles.size() << " triangles, face " << warp.faceWidth() << " px wide)\n";
    std::vector<double> warpTimes, pasteTimes;
    deform::FaceWarpFrame frame;
    for (int i = 0; i < repeat; ++i) {
        t = Clock::now();
        frame = warp.warp(i % 2 ? middle : points(target));
        warpTimes.push_back(since(t));
        t = Clock::now();
        (void)deform::pasteInto(photo, frame);
        pasteTimes.push_back(since(t));
    }
    const Stats update = statsOf(warpTimes), paste = statsOf(pasteTimes);
    out << "slider update (warp + render) " << update.mean << " ± " << update.sd << " ms over " << repeat
        << " (changed " << frame.changed.width << " x " << frame.changed.height << "), + " << paste.mean
        << " ms into a copy of the photo\n";

    edit::PortraitSession session(weightsArgument(a, model::SemanticsKind::Face),
                                  {edit::Device::Cpu, a.intValue("--threads")});
    session.setPhoto(photo, observed);
    edit::PortraitRenderRequest request;
    request.target = target;
    (void)session.render(request);  // warm: the reference encoded
    t = Clock::now();
    const auto result = session.render(request);
    out << "hybrid result, network incl. " << since(t) << " ms ("
        << (result.holeMask.empty() ? 0 : cv::countNonZero(result.holeMask)) << " px the photo never showed, "
        << (result.networkMask.empty() ? 0 : cv::countNonZero(result.networkMask)) << " px from the network)\n";
    return kExitOk;
}

class BenchDeformCommand : public Command {
public:
    std::string name() const override { return "bench-deform"; }
    std::string summary() const override {
        return "time re-posing by the mesh warp: mesh build, drag updates, fills, the hybrid result";
    }

    int execute(const std::vector<std::string>& args, std::ostream& out, std::ostream& /*err*/) override {
        auto options = editOptions();
        options.push_back({"--repeat", "N", "drag updates to time", "30", false});
        options.push_back(
            {"--portrait", "",
             "time the face warp on a portrait instead (--image: a portrait, --weights: portrait weights)", "", false});
        Arguments a("bench-deform", options);
        a.parse(args);
        if (a.has("--help")) {
            out << a.help();
            return kExitOk;
        }
        if (a.has("--portrait")) {
            cpu_threads::configure(a.intValue("--threads"));
            return benchPortrait(a, std::max(1, a.intValue("--repeat")), out);
        }
        const Edit e = readEdit(a);
        const int repeat = std::max(1, a.intValue("--repeat"));
        cpu_threads::configure(a.intValue("--threads"));
        out << std::fixed << std::setprecision(1) << "photo " << e.photo.cols << " x " << e.photo.rows << ", "
            << at::get_num_threads() << " threads\n";
        const detect::PersonSegmenter segmenter;
        auto t = Clock::now();
        const cv::Mat mask = segmenter.segment(e.photo);
        out << "person segmentation          " << since(t) << " ms\n";
        t = Clock::now();
        deform::PuppetOptions puppetOptions;
        puppetOptions.layer.others = e.others;
        deform::Puppet puppet(e.photo, mask, e.reference, puppetOptions);
        const double build = since(t);
        int vertices = 0;
        for (int i = 0; i < deform::kBodyPartCount; ++i)
            vertices += static_cast<int>(puppet.mesh(deform::bodyPartAt(i)).rest.size());
        const cv::Rect box = puppet.layer().box;
        out << "layer + meshes + factorising " << build << " ms (" << vertices << " vertices, person " << box.width
            << " x " << box.height << " = " << std::setprecision(2) << box.area() / 1e6 << " Mpx; "
            << std::setprecision(1);
        for (std::size_t i = 0; i < puppet.buildStages().size(); ++i)
            out << (i ? ", " : "") << puppet.buildStages()[i].stage << ' ' << puppet.buildStages()[i].milliseconds;
        out << ")\n" << std::setprecision(1);
        const pose::Pose middle = halfway(e.reference, e.target);
        std::vector<double> times;
        std::map<std::string, double> stageTotals;
        std::vector<std::string> stageOrder;
        for (int i = 0; i < repeat; ++i) {
            t = Clock::now();
            const auto frame = puppet.pose(i % 2 ? middle : e.target);
            times.push_back(since(t));
            for (const auto& stage : frame.stages) {
                if (!stageTotals.count(stage.stage)) stageOrder.push_back(stage.stage);
                stageTotals[stage.stage] += stage.milliseconds;
            }
        }
        const Stats drag = statsOf(times);
        out << "drag update (warp + render)  " << drag.mean << " ± " << drag.sd << " ms over " << repeat << " (";
        for (std::size_t i = 0; i < stageOrder.size(); ++i)
            out << (i ? ", " : "") << stageOrder[i] << ' ' << stageTotals[stageOrder[i]] / repeat;
        out << ")\n";
        const auto best = puppet.pose(e.target, {}, deform::FillQuality::Best);
        out << "best background fill (once)  " << best.fillMilliseconds << " ms ("
            << deform::toString(deform::methodFor(deform::FillQuality::Best)) << ")\n";

        edit::ReposeSession session(weightsArgument(a, model::SemanticsKind::Body),
                                    {edit::Device::Cpu, a.intValue("--threads")});
        session.setPhoto(e.photo, e.reference, e.others.empty() ? std::nullopt : std::optional(e.others));
        edit::RenderRequest request;
        request.target = e.target;
        (void)session.render(request);  // warm: the reference encoded, the plate filled
        request.target = middle;
        (void)session.render(request);
        request.target = e.target;
        t = Clock::now();
        const auto frame = session.render(request);
        out << "hybrid result, network incl. " << since(t) << " ms ("
            << (frame.networkMask.empty() ? 0 : cv::countNonZero(frame.networkMask)) << " px from the network)\n";
        return kExitOk;
    }
};

// Where MoveNet finds the edited person's joints against where they were dragged.
struct JointCheck {
    int dragged = 0, draggedFound = 0, kept = 0, keptFound = 0;
};

// The person MoveNet finds in the edited photo who is the edited person: of the single-pose model's pick and
// every MultiPose detection, the one whose joints the edit did not move lie nearest where they were (in a group
// photo the single-pose model may pick someone else).
pose::Pose editedPersonFound(const std::vector<const detect::MoveNet*>& detectors, const cv::Mat& edited,
                             const pose::Pose& reference, const pose::Pose& target) {
    std::vector<pose::Pose> candidates;
    for (const detect::MoveNet* detector : detectors) {
        for (const auto& detection : detector->detectPeople(edited)) {
            if (detection.found) candidates.push_back(detection.pose);
        }
    }
    const auto still = [&](pose::JointId joint) {
        if (!reference.has(joint)) return false;
        const Point2 r = reference.at(joint).position, t = target.at(joint).position;
        return std::hypot(r.x - t.x, r.y - t.y) < 1.0;
    };
    pose::Pose best;
    double bestDistance = 1e30;
    for (const pose::Pose& candidate : candidates) {
        auto apart = pose::medianJointDistance(candidate, target, still);
        if (!apart)
            apart =
                pose::medianJointDistance(candidate, target, [&](pose::JointId joint) { return reference.has(joint); });
        if (apart && *apart < bestDistance) bestDistance = *apart, best = candidate;
    }
    return best;
}

JointCheck checkJoints(const std::vector<const detect::MoveNet*>& detectors, const cv::Mat& edited,
                       const pose::Pose& reference, const pose::Pose& target) {
    const pose::Pose found = editedPersonFound(detectors, edited, reference, target);
    const double torso = pose::torsoLength(reference);
    JointCheck c;
    for (int j = 0; j < pose::kJointCount; ++j) {
        const auto joint = pose::jointAt(j);
        if (!reference.has(joint) || !target.has(joint)) continue;
        const Point2 r = reference.at(joint).position, t = target.at(joint).position;
        const bool moved = std::hypot(r.x - t.x, r.y - t.y) > 0.25 * torso;
        const auto f = found.find(joint);
        const double toTarget = f ? std::hypot(f->position.x - t.x, f->position.y - t.y) : 1e30;
        const double toReference = f ? std::hypot(f->position.x - r.x, f->position.y - r.y) : 1e30;
        if (moved) {
            ++c.dragged;
            c.draggedFound += toTarget <= 0.25 * torso && toTarget < toReference;
        } else if (std::hypot(r.x - t.x, r.y - t.y) < 1.0) {
            ++c.kept;
            c.keptFound += toTarget <= 0.25 * torso;
        }
    }
    return c;
}

class EvaluateReposeCommand : public Command {
public:
    std::string name() const override { return "evaluate-repose"; }
    std::string summary() const override {
        return "judge an edit on a real photo, hybrid and network side by side (no ground truth needed)";
    }

    int execute(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) override {
        auto options = editOptions();
        options.push_back({"--out-dir", "DIR", "also write hybrid.png and network.png here", "", false});
        Arguments a("evaluate-repose", options);
        a.parse(args);
        if (a.has("--help")) {
            out << a.help();
            return kExitOk;
        }
        const Edit e = readEdit(a);
        edit::ReposeSession session(weightsArgument(a, model::SemanticsKind::Body),
                                    {edit::Device::Cpu, a.intValue("--threads")});
        session.setPhoto(e.photo, e.reference, e.others.empty() ? std::nullopt : std::optional(e.others));
        const detect::MoveNet thunder(detect::bundledModelPath(detect::MoveNetVariant::Thunder));
        const detect::MoveNet multiPose(detect::bundledModelPath(detect::MoveNetVariant::MultiPose));
        const detect::PersonSegmenter segmenter;
        const cv::Mat photoPerson = segmenter.segment(e.photo);
        if (a.has("--out-dir")) std::filesystem::create_directories(a.value("--out-dir"));
        out << std::fixed << std::setprecision(3)
            << "method   dragged joints found  untouched joints kept  detail kept  seam ratio  round trip dB  ms\n";
        for (const auto method : {edit::ReposeMethod::Hybrid, edit::ReposeMethod::Network}) {
            edit::RenderRequest request;
            request.target = e.target;
            request.method = method;
            const auto t = Clock::now();
            const edit::RenderedFrame frame = session.render(request);
            const double ms = since(t);
            const bool hybrid = frame.method == edit::ReposeMethod::Hybrid;
            const cv::Mat edited = edit::editedPhoto(e.photo, frame);
            for (const auto& w : frame.warnings) err << "warning: " << w << '\n';
            const JointCheck joints = checkJoints({&thunder, &multiPose}, edited, e.reference, e.target);
            const auto detail =
                deform::detailKept(e.photo, edited, e.reference, e.target, photoPerson, segmenter.segment(edited));
            std::string seam = "-";
            if (hybrid && !frame.changed.empty()) {
                std::ostringstream s;
                s << std::setprecision(3) << std::fixed << deform::seamRatio(edited(frame.changed), frame.personAlpha);
                seam = s.str();
            }
            request.target = e.reference;
            const edit::RenderedFrame back = session.render(request);
            const double roundTrip = deform::psnr(edit::editedPhoto(e.photo, back), e.photo);
            out << std::left << std::setw(9) << edit::toString(frame.method) << std::right << std::setw(8)
                << joints.draggedFound << " / " << std::left << std::setw(11) << joints.dragged << std::right
                << std::setw(6) << joints.keptFound << " / " << std::left << std::setw(14) << joints.kept << std::right
                << std::setw(11) << (detail ? *detail : 0.0) << std::setw(12) << seam << std::setw(15)
                << std::setprecision(1) << roundTrip << std::setw(8) << ms << std::setprecision(3) << '\n';
            if (a.has("--out-dir"))
                image::saveImage(
                    (std::filesystem::path(a.value("--out-dir")) / (std::string(edit::toString(frame.method)) + ".png"))
                        .string(),
                    edited);
        }
        return kExitOk;
    }
};

// The background fill measured where the truth is known: limb- and head-shaped holes cut into the photos'
// backgrounds, filled the way the person's plate is (the person unknown too, one fill of it all), PSNR over
// each hole's pixels.
class EvaluateFillCommand : public Command {
public:
    std::string name() const override { return "evaluate-fill"; }
    std::string summary() const override {
        return "measure the background fills on limb-shaped holes whose true pixels are known";
    }

    int execute(const std::vector<std::string>& args, std::ostream& out, std::ostream& /*err*/) override {
        Arguments a("evaluate-fill",
                    {{"--images", "FILES", "photos, comma-separated, each with FILE.pose.json beside it",
                      "the bundled samples messi5.jpg and dlib-2009_004587.jpg", false},
                     {"--holes", "N", "holes per photo", "8", false},
                     {"--methods", "LIST", "fill methods, comma-separated: telea, shift-map, fsr",
                      "telea,shift-map,fsr", false},
                     {"--sizes", "LIST", "working sizes to try, comma-separated side lengths (0: each method's own)",
                      "0", false},
                     {"--seed", "S", "where the holes go", "1", false},
                     {"--out-dir", "DIR", "also write each photo's holes and fills here", "", false}});
        a.parse(args);
        if (a.has("--help")) {
            out << a.help();
            return kExitOk;
        }
        std::vector<std::string> images;
        if (a.has("--images"))
            images = splitText(a.value("--images"), ",");
        else
            images = {bundled::samplePath("messi5.jpg"), bundled::samplePath("dlib-2009_004587.jpg")};
        std::vector<deform::FillMethod> methods;
        for (const auto& m : splitText(a.value("--methods"), ",")) {
            const auto method = deform::fillMethodFromString(m);
            if (!method) throw UsageError("--methods: \"" + m + "\" is not telea, shift-map or fsr");
            methods.push_back(*method);
        }
        std::vector<int> sizes;
        for (const auto& n : splitText(a.value("--sizes"), ",")) sizes.push_back(std::stoi(n));
        const int holesPerPhoto = std::max(1, a.intValue("--holes"));
        const detect::PersonSegmenter segmenter;

        struct Row {
            std::vector<double> psnr, ms;
        };
        std::map<std::pair<int, int>, Row> rows;  // (method, size) -> figures
        int holeCount = 0;
        for (const std::string& image : images) {
            const cv::Mat photo = image::loadImage(image);
            const pose::People people = pose::readOpenPoseJson(image + pose::kPoseFileSuffix);
            if (people.empty()) throw Error(image + ".pose.json: has nobody in it");
            const cv::Mat probability = segmenter.segment(photo);
            // The plate's unknown pixels, as Puppet makes them: the first person, grown a little.
            deform::PersonLayerOptions layerOptions;
            layerOptions.others.assign(people.begin() + 1, people.end());
            const deform::PersonLayer layer = deform::makePersonLayer(photo, probability, people.front(), layerOptions);
            cv::Mat person;
            cv::dilate(layer.alpha > 0.02f, person, cv::getStructuringElement(cv::MORPH_ELLIPSE, {5, 5}));
            const auto holes = deform::limbShapedHoles(photo.size(), people.front(), (probability > 0.1f) | person,
                                                       holesPerPhoto, static_cast<unsigned>(a.intValue("--seed")));
            holeCount += static_cast<int>(holes.size());
            for (std::size_t h = 0; h < holes.size(); ++h) {
                for (std::size_t m = 0; m < methods.size(); ++m) {
                    for (int side : sizes) {
                        cv::Mat filled = photo.clone();
                        const auto t = Clock::now();
                        deform::fillHoles(filled, person | holes[h], methods[m], static_cast<double>(side) * side);
                        Row& row = rows[{static_cast<int>(methods[m]), side}];
                        row.ms.push_back(since(t));
                        row.psnr.push_back(deform::psnr(filled, photo, holes[h]));
                        if (a.has("--out-dir") && h == 0) {
                            std::filesystem::create_directories(a.value("--out-dir"));
                            cv::Mat shown = filled.clone();
                            std::vector<std::vector<cv::Point>> outline;
                            cv::findContours(holes[h].clone(), outline, cv::RETR_EXTERNAL, cv::CHAIN_APPROX_SIMPLE);
                            cv::drawContours(shown, outline, -1, cv::Scalar(0, 0, 255), 1, cv::LINE_AA);
                            image::saveImage((std::filesystem::path(a.value("--out-dir")) /
                                              (std::filesystem::path(image).stem().string() + "-" +
                                               deform::toString(methods[m]) + "-" + std::to_string(side) + ".png"))
                                                 .string(),
                                             shown);
                        }
                    }
                }
            }
        }
        out << holeCount << " holes in " << images.size() << " photos (the person unknown too, as in re-posing)\n"
            << "method      working size  PSNR dB (mean)  PSNR dB (worst)  ms (mean)\n"
            << std::fixed;
        for (const auto& [key, row] : rows) {
            const Stats p = statsOf(row.psnr), ms = statsOf(row.ms);
            const std::string size = key.second > 0 ? std::to_string(key.second) + "^2" : "own";
            out << std::left << std::setw(12) << deform::toString(static_cast<deform::FillMethod>(key.first))
                << std::setw(14) << size << std::right << std::setprecision(2) << std::setw(14) << p.mean
                << std::setw(17) << *std::min_element(row.psnr.begin(), row.psnr.end()) << std::setprecision(1)
                << std::setw(11) << ms.mean << '\n';
        }
        return kExitOk;
    }
};

MARIONETTE_CLI_COMMAND(BenchDeformCommand);
MARIONETTE_CLI_COMMAND(EvaluateFillCommand);
MARIONETTE_CLI_COMMAND(EvaluateReposeCommand);

}  // namespace
}  // namespace marionette::cli

#include "marionette/deform/person_layer.h"

#include "marionette/deform/part_mesh.h"
#include "marionette/util/error.h"

#include <opencv2/imgproc.hpp>
#include <opencv2/ximgproc/edge_filter.hpp>

#include <algorithm>
#include <cmath>
#include <optional>
#include <queue>

namespace marionette::deform {
namespace {

bool hasBone(const pose::Pose& p, const Bone& b) { return p.has(b.from) && p.has(b.to); }

// A reduced copy of `area` whose larger side is at most `maxSide` pixels, and where a photo pixel lands on it
// (pixel centres kept aligned): GrabCut, the others' claims and the part labels each work on one.
struct WorkingCopy {
    WorkingCopy(const cv::Rect& photoArea, double maxSide)
        : area(photoArea),
          scale(std::min(1.0, maxSide / std::max(photoArea.width, photoArea.height))),
          size(std::max(1, static_cast<int>(std::lround(photoArea.width * scale))),
               std::max(1, static_cast<int>(std::lround(photoArea.height * scale)))) {}

    cv::Point2f operator()(cv::Point2f p) const {
        return {static_cast<float>((p.x - area.x + 0.5) * scale - 0.5),
                static_cast<float>((p.y - area.y + 0.5) * scale - 0.5)};
    }

    cv::Rect area;
    double scale;
    cv::Size size;
};

// The segmenter sees the photo at 256 x 256: its edge may lie pixels off the person's, on smooth background
// where no filter guided by the photo can move it (a halo of wall would travel with a turned head). GrabCut
// (colour models of person and background, a cut along the photo's edges) settles the edge within a band
// around the segmenter's, at a working size of at most 400 px. The skeleton's bones are surely person, so a
// limb thinner than the band is never cut away. Returns the snapped mask (float 0/1, photo size, zero
// outside `area`), or nothing where GrabCut cannot run or takes away most of the person (a photo without
// contrast): the segmenter's edge is then used as it is.
std::optional<cv::Mat> snapToPhotoEdges(const cv::Mat& photo, const cv::Mat& probability, const cv::Rect& area,
                                        const pose::Pose& reference, double torso) {
    const WorkingCopy toWorking(area, 400.0);
    const double scale = toWorking.scale;
    const cv::Size working = toWorking.size;
    cv::Mat smallPhoto, smallProbability;
    cv::resize(photo(area), smallPhoto, working, 0, 0, cv::INTER_AREA);
    cv::resize(probability(area), smallProbability, working, 0, 0, cv::INTER_AREA);
    // How far the segmenter's edge may be off, in working pixels: five of its input's pixels (its edge runs
    // that far onto a smooth wall beside a head).
    const double segmenterPixel = std::max(photo.cols, photo.rows) / 256.0 * scale;
    const int band = std::clamp(static_cast<int>(std::lround(5 * segmenterPixel)), 4, 24);
    const cv::Mat person = smallProbability > 0.5f;
    cv::Mat sure, maybe;
    const cv::Mat disc = cv::getStructuringElement(cv::MORPH_ELLIPSE, {2 * band + 1, 2 * band + 1});
    cv::erode(person, sure, disc);
    cv::dilate(person, maybe, disc);
    // The bones, and a hand's or foot's length past the wrists and ankles, where the segmenter agrees.
    cv::Mat skeleton = cv::Mat::zeros(working, CV_8U);
    const int thickness = std::max(2, static_cast<int>(std::lround(0.04 * torso * scale)));
    for (const Bone& b : bones()) {
        if (!hasBone(reference, b)) continue;
        const cv::Point2f from = toWorking(jointPoint(reference, b.from)), to = toWorking(jointPoint(reference, b.to));
        const bool extremity =
            isLimb(b.part) && (b.to == pose::JointId::RightWrist || b.to == pose::JointId::LeftWrist ||
                               b.to == pose::JointId::RightAnkle || b.to == pose::JointId::LeftAnkle);
        cv::line(skeleton, from, extremity ? to + (to - from) * 0.25f : to, cv::Scalar(255), thickness, cv::LINE_8);
    }
    sure |= skeleton & person;
    constexpr int kMinimumSamples = 64;  // each colour model is a mixture of five Gaussians
    if (cv::countNonZero(sure) < kMinimumSamples || working.area() - cv::countNonZero(maybe) < kMinimumSamples)
        return std::nullopt;
    cv::Mat trimap(working, CV_8U, cv::Scalar(cv::GC_BGD));
    trimap.setTo(cv::GC_PR_BGD, maybe);
    trimap.setTo(cv::GC_PR_FGD, person);
    trimap.setTo(cv::GC_FGD, sure);
    // GrabCut seeds its colour models with k-means from OpenCV's global generator: a fixed seed makes the
    // layer the same every time, and the caller's generator is left as it was.
    cv::RNG& generator = cv::theRNG();
    const cv::RNG saved = generator;
    generator.state = 0x4d6172696f6e65ULL;
    try {
        cv::Mat backgroundModel, personModel;
        cv::grabCut(smallPhoto, trimap, cv::Rect(), backgroundModel, personModel, /*iterations=*/3,
                    cv::GC_INIT_WITH_MASK);
    } catch (const cv::Exception&) {
        generator = saved;
        return std::nullopt;
    }
    generator = saved;
    const cv::Mat snapped = (trimap == cv::GC_FGD) | (trimap == cv::GC_PR_FGD);
    if (cv::countNonZero(snapped & person) < 0.5 * cv::countNonZero(person)) return std::nullopt;
    cv::Mat snappedF, full = cv::Mat::zeros(photo.size(), CV_32F);
    snapped.convertTo(snappedF, CV_32F, 1.0 / 255.0);
    cv::resize(snappedF, full(area), area.size(), 0, 0, cv::INTER_LINEAR);
    return full;
}

// A soft edge on `mask` (float, photo size) that follows the photo's own: a guided filter with the photo as
// guide, `radius` pixels wide (hair and anti-aliased outlines come out partly transparent).
cv::Mat softEdge(const cv::Mat& photo, const cv::Mat& mask, const cv::Rect& area, int radius) {
    cv::Mat guide;
    photo(area).convertTo(guide, CV_32F, 1.0 / 255.0);
    cv::Mat refined;
    cv::ximgproc::guidedFilter(guide, mask(area), refined, radius, /*eps=*/1e-4);
    cv::Mat alpha = cv::Mat::zeros(mask.size(), CV_32F);
    cv::min(cv::max(refined, 0.0), 1.0, alpha(area));
    return alpha;
}

// The segmenter's mask as the layer's alpha: snapped to the photo's edges where that can be trusted, then
// softened over a few pixels; otherwise only softened, over a wider radius (its edge is coarser).
cv::Mat personAlpha(const cv::Mat& photo, const cv::Mat& probability, const cv::Rect& area, const pose::Pose& reference,
                    double torso, bool snap) {
    if (snap) {
        if (const auto snapped = snapToPhotoEdges(photo, probability, area, reference, torso)) {
            const double upscale = std::max(area.width, area.height) / 400.0;
            return softEdge(photo, *snapped, area, std::clamp(static_cast<int>(std::ceil(upscale)), 2, 8));
        }
    }
    return softEdge(photo, probability, area, std::clamp(static_cast<int>(std::lround(torso / 40.0)), 2, 16));
}

// Whether a bone lies on the person: the fraction of points along it where the mask says person.
double fractionInside(const cv::Mat& binary, cv::Point2f a, cv::Point2f b) {
    int inside = 0, total = 0;
    for (int i = 0; i <= 20; ++i) {
        const cv::Point2f p = a + (b - a) * (i / 20.f);
        const cv::Point q(static_cast<int>(std::lround(p.x)), static_cast<int>(std::lround(p.y)));
        if (q.x < 0 || q.y < 0 || q.x >= binary.cols || q.y >= binary.rows) continue;
        ++total;
        inside += binary.at<uchar>(q) != 0;
    }
    return total ? static_cast<double>(inside) / total : 0.0;
}

// Which part each pixel of `domain` belongs to: the part of the nearest bone, distance measured inside the
// person (Dijkstra over 8-neighbours, ten times dearer outside the mask), so that an arm lying across the
// trunk keeps its own pixels and a hand near the hip is not taken by the leg.
cv::Mat labelByGeodesicDistance(const cv::Mat& domain, const cv::Mat& seeds) {
    const int w = domain.cols, h = domain.rows;
    cv::Mat label = seeds.clone();
    std::vector<float> distance(static_cast<std::size_t>(w) * h, std::numeric_limits<float>::infinity());
    using Item = std::pair<float, int>;
    std::priority_queue<Item, std::vector<Item>, std::greater<>> queue;
    for (int y = 0; y < h; ++y) {
        for (int x = 0; x < w; ++x) {
            if (seeds.at<uchar>(y, x)) {
                distance[static_cast<std::size_t>(y * w + x)] = 0.f;
                queue.emplace(0.f, y * w + x);
            }
        }
    }
    constexpr float kOutside = 10.f;
    const int dx[8] = {1, -1, 0, 0, 1, 1, -1, -1};
    const int dy[8] = {0, 0, 1, -1, 1, -1, 1, -1};
    const float step[8] = {1.f, 1.f, 1.f, 1.f, 1.4142f, 1.4142f, 1.4142f, 1.4142f};
    while (!queue.empty()) {
        const auto [d, i] = queue.top();
        queue.pop();
        if (d > distance[static_cast<std::size_t>(i)]) continue;
        const int x = i % w, y = i / w;
        const uchar l = label.at<uchar>(y, x);
        for (int k = 0; k < 8; ++k) {
            const int nx = x + dx[k], ny = y + dy[k];
            if (nx < 0 || ny < 0 || nx >= w || ny >= h) continue;
            const float nd = d + step[k] * (domain.at<uchar>(ny, nx) ? 1.f : kOutside);
            const auto j = static_cast<std::size_t>(ny * w + nx);
            if (nd < distance[j]) {
                distance[j] = nd;
                label.at<uchar>(ny, nx) = l;
                queue.emplace(nd, ny * w + nx);
            }
        }
    }
    return label;
}

// Where the segmenter joins this person to others (touching shoulders, an arm round someone): each pixel of
// `kept` goes to the nearest skeleton, distance measured inside the mask as for part labels. Returns the
// pixels nearer another person's bones (8-bit, photo size), at a working size of at most `workingSize`.
cv::Mat claimedByOthers(const cv::Mat& kept, const pose::Pose& reference, const std::vector<pose::Pose>& others,
                        const cv::Rect& area, int workingSize) {
    const WorkingCopy toWorking(area, workingSize);
    cv::Mat domain;
    cv::resize(kept(area), domain, toWorking.size, 0, 0, cv::INTER_NEAREST);
    cv::Mat seeds = cv::Mat::zeros(toWorking.size, CV_8U);
    const auto drawBones = [&](const pose::Pose& p, uchar label) {
        for (const Bone& b : bones()) {
            if (hasBone(p, b))
                cv::line(seeds, toWorking(jointPoint(p, b.from)), toWorking(jointPoint(p, b.to)), cv::Scalar(label), 1,
                         cv::LINE_8);
        }
    };
    constexpr uchar kMine = 1, kTheirs = 2;
    for (const pose::Pose& other : others) drawBones(other, kTheirs);
    drawBones(reference, kMine);  // where skeletons cross, this person's own bones win
    const cv::Mat theirs = labelByGeodesicDistance(domain, seeds) == kTheirs;
    cv::Mat out = cv::Mat::zeros(kept.size(), CV_8U);
    cv::resize(theirs, out(area), area.size(), 0, 0, cv::INTER_NEAREST);
    return out;
}

}  // namespace

PersonLayer makePersonLayer(const cv::Mat& photo, const cv::Mat& probability, const pose::Pose& reference,
                            const PersonLayerOptions& options) {
    if (photo.empty() || photo.type() != CV_8UC3) throw Error("the photo must be an 8-bit colour image");
    if (probability.size() != photo.size() || probability.type() != CV_32FC1)
        throw Error("the person mask must be a float image of the photo's size");
    bool anyBone = false;
    for (const Bone& b : bones()) anyBone = anyBone || hasBone(reference, b);
    if (!anyBone) throw Error("the skeleton has no bone (two joints of one limb) to move the person's pixels with");
    const double torso = pose::torsoLength(reference);
    const cv::Rect photoRect({0, 0}, photo.size());

    // The person's neighbourhood: the skeleton's box grown by a torso length on every side and the mask's.
    const auto joints = *reference.bounds();
    const int margin = static_cast<int>(std::ceil(torso * 1.2));
    const cv::Rect around =
        cv::Rect(static_cast<int>(joints.x) - margin, static_cast<int>(joints.y) - margin,
                 static_cast<int>(joints.width) + 2 * margin + 1, static_cast<int>(joints.height) + 2 * margin + 1) &
        photoRect;
    if (around.empty()) throw Error("the skeleton lies outside the photo");
    PersonLayer layer;
    layer.alpha = personAlpha(photo, probability, around, reference, torso, options.snapToPhotoEdges);

    // Keep the person the skeleton lies on: the mask's connected pieces that a bone crosses. The pieces come
    // from the segmenter's own mask or the refined one, whichever says person: thin hands and feet are faint
    // in both.
    cv::Mat binary = (layer.alpha > options.personThreshold) | (probability > options.personThreshold);
    cv::Mat pieces;
    const int pieceCount = cv::connectedComponents(binary, pieces, 8, CV_32S);
    std::vector<bool> keep(static_cast<std::size_t>(pieceCount), false);
    for (const Bone& b : bones()) {
        if (!hasBone(reference, b)) continue;
        const cv::Point2f a = jointPoint(reference, b.from), c = jointPoint(reference, b.to);
        for (int i = 0; i <= 40; ++i) {
            const cv::Point2f p = a + (c - a) * (i / 40.f);
            const cv::Point q(static_cast<int>(std::lround(p.x)), static_cast<int>(std::lround(p.y)));
            if (photoRect.contains(q)) keep[static_cast<std::size_t>(pieces.at<int>(q))] = pieces.at<int>(q) != 0;
        }
    }
    cv::Mat kept = cv::Mat::zeros(photo.size(), CV_8U);
    for (int y = around.y; y < around.br().y; ++y) {
        for (int x = around.x; x < around.br().x; ++x) {
            if (keep[static_cast<std::size_t>(pieces.at<int>(y, x))]) kept.at<uchar>(y, x) = 255;
        }
    }
    cv::Mat theirs;
    if (!options.others.empty()) {
        theirs = claimedByOthers(kept, reference, options.others, around, options.workingSize);
        kept.setTo(0, theirs);
    }
    if (cv::countNonZero(kept) == 0)
        throw Error("no person was found along the skeleton: the segmentation sees nobody there");

    // A limb the mask misses (cut off by the segmenter, or the skeleton placed off it) is carried by a band
    // around its bone, so that dragging it moves something rather than leaving the photo's limb behind.
    const int band = std::max(2, static_cast<int>(std::lround(torso * 0.07)));
    for (const Bone& b : bones()) {
        if (!hasBone(reference, b) || !isLimb(b.part)) continue;
        const cv::Point2f a = jointPoint(reference, b.from), c = jointPoint(reference, b.to);
        if (fractionInside(kept, a, c) >= 0.5) continue;
        cv::line(kept, a, c, cv::Scalar(255), 2 * band + 1, cv::LINE_8);
        layer.warnings.push_back(std::string("the person mask misses most of the ") + pose::jointLabel(b.from) + " - " +
                                 pose::jointLabel(b.to) + " bone: a band around the bone moves instead");
    }
    // Alpha: the refined mask's soft edge around the kept pieces, the bands solid.
    cv::Mat soft;
    const int edge = std::max(3, static_cast<int>(std::lround(torso / 30.0)));
    cv::dilate(kept, soft, cv::getStructuringElement(cv::MORPH_ELLIPSE, {2 * edge + 1, 2 * edge + 1}));
    if (!theirs.empty()) soft.setTo(0, theirs);  // no edge between two people: the cut is the edge
    cv::Mat softF;
    soft.convertTo(softF, CV_32F, 1.0 / 255.0);
    layer.alpha = layer.alpha.mul(softF);
    cv::Mat keptF;
    kept.convertTo(keptF, CV_32F, 1.0 / 255.0);
    cv::Mat binaryF;
    binary.convertTo(binaryF, CV_32F, 1.0 / 255.0);
    cv::Mat bandOnly = keptF.mul(1.0 - binaryF);  // the bands' pixels outside the mask
    cv::max(layer.alpha, bandOnly, layer.alpha);
    layer.box = cv::boundingRect(layer.alpha > 0.004f) & photoRect;
    if (layer.box.empty()) throw Error("no person was found along the skeleton");

    // Part labels on a reduced copy of the person's box, then back at full resolution.
    const WorkingCopy toWorking(layer.box, options.workingSize);
    cv::Mat domain;
    cv::resize(layer.alpha(layer.box) > 0.02f, domain, toWorking.size, 0, 0, cv::INTER_NEAREST);
    cv::Mat seeds = cv::Mat::zeros(toWorking.size, CV_8U);
    // The trunk first: where bones meet, the limb's (or head's) seed wins (a shoulder's pixels move with the arm).
    for (int pass = 0; pass < 2; ++pass) {
        for (const Bone& b : bones()) {
            if (!hasBone(reference, b) || (b.part == BodyPart::Trunk) != (pass == 0)) continue;
            cv::line(seeds, toWorking(jointPoint(reference, b.from)), toWorking(jointPoint(reference, b.to)),
                     cv::Scalar(1 + index(b.part)), 1, cv::LINE_8);
        }
    }
    const cv::Mat workingLabels = labelByGeodesicDistance(domain, seeds);
    cv::Mat labels;
    cv::resize(workingLabels, labels, layer.box.size(), 0, 0, cv::INTER_NEAREST);
    layer.parts = cv::Mat::zeros(photo.size(), CV_8U);
    labels.copyTo(layer.parts(layer.box), layer.alpha(layer.box) > 0.004f);
    return layer;
}

cv::Mat unmixedForeground(const cv::Mat& photo, const cv::Mat& alpha, const cv::Rect& box, const cv::Mat& background) {
    if (background.size() != box.size() || background.type() != CV_8UC3 ||
        (box & cv::Rect({0, 0}, photo.size())) != box)
        throw Error(
            "unmixedForeground: the background must be an 8-bit colour image of the box's size, inside the photo");
    cv::Mat out = photo.clone();
    cv::Mat image, behind, a, a3;
    photo(box).convertTo(image, CV_32FC3);
    background.convertTo(behind, CV_32FC3);
    cv::max(alpha(box), 0.2f, a);
    cv::merge(std::vector<cv::Mat>{a, a, a}, a3);
    const cv::Mat unmixed = behind + (image - behind) / a3;
    unmixed.convertTo(out(box), CV_8UC3);  // saturating
    return out;
}

}  // namespace marionette::deform

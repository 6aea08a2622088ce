#include "marionette/deform/person_layer.h"

#include "marionette/deform/part_mesh.h"
#include "marionette/util/error.h"

#include <opencv2/imgproc.hpp>
#include <opencv2/ximgproc/edge_filter.hpp>

#include <algorithm>
#include <cmath>
#include <queue>

namespace marionette::deform {
namespace {

bool hasBone(const pose::Pose& p, const Bone& b) { return p.has(b.from) && p.has(b.to); }

// The segmenter's mask follows the photo's edges only as finely as its 256 x 256 input: a guided filter with
// the photo as guide moves its soft edge onto the photo's own (hair, sleeves), at full resolution.
cv::Mat refineAlpha(const cv::Mat& photo, const cv::Mat& probability, const cv::Rect& area, double torso) {
    const int radius = std::clamp(static_cast<int>(std::lround(torso / 40.0)), 2, 16);
    cv::Mat guide;
    photo(area).convertTo(guide, CV_32F, 1.0 / 255.0);
    cv::Mat refined;
    cv::ximgproc::guidedFilter(guide, probability(area), refined, radius, /*eps=*/1e-4);
    cv::Mat alpha = cv::Mat::zeros(probability.size(), CV_32F);
    cv::min(cv::max(refined, 0.0), 1.0, alpha(area));
    return alpha;
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
    const cv::Rect around = cv::Rect(static_cast<int>(joints.x) - margin, static_cast<int>(joints.y) - margin,
                                     static_cast<int>(joints.width) + 2 * margin + 1, static_cast<int>(joints.height) + 2 * margin + 1) &
                            photoRect;
    if (around.empty()) throw Error("the skeleton lies outside the photo");
    PersonLayer layer;
    layer.alpha = refineAlpha(photo, probability, around, torso);

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
    if (cv::countNonZero(kept) == 0)
        throw Error("no person was found along the skeleton: the segmentation sees nobody there");

    // A limb the mask misses (cut off by the segmenter, or the skeleton placed off it) is carried by a band
    // around its bone, so that dragging it moves something rather than leaving the photo's limb behind.
    const int band = std::max(2, static_cast<int>(std::lround(torso * 0.07)));
    for (const Bone& b : bones()) {
        if (!hasBone(reference, b) || b.part == BodyPart::Trunk) continue;
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
    const double scale = std::min(1.0, options.workingSize / static_cast<double>(std::max(layer.box.width, layer.box.height)));
    const cv::Size working(std::max(1, static_cast<int>(std::lround(layer.box.width * scale))),
                           std::max(1, static_cast<int>(std::lround(layer.box.height * scale))));
    cv::Mat domain;
    cv::resize(layer.alpha(layer.box) > 0.02f, domain, working, 0, 0, cv::INTER_NEAREST);
    cv::Mat seeds = cv::Mat::zeros(working, CV_8U);
    const auto toWorking = [&](cv::Point2f p) {
        return cv::Point2f(static_cast<float>((p.x - layer.box.x + 0.5) * scale - 0.5), static_cast<float>((p.y - layer.box.y + 0.5) * scale - 0.5));
    };
    // The trunk first: where bones meet, the limb's seed wins (a shoulder's pixels move with the arm).
    for (int pass = 0; pass < 2; ++pass) {
        for (const Bone& b : bones()) {
            if (!hasBone(reference, b) || (b.part == BodyPart::Trunk) != (pass == 0)) continue;
            cv::line(seeds, toWorking(jointPoint(reference, b.from)), toWorking(jointPoint(reference, b.to)), cv::Scalar(1 + index(b.part)), 1, cv::LINE_8);
        }
    }
    const cv::Mat workingLabels = labelByGeodesicDistance(domain, seeds);
    cv::Mat labels;
    cv::resize(workingLabels, labels, layer.box.size(), 0, 0, cv::INTER_NEAREST);
    layer.parts = cv::Mat::zeros(photo.size(), CV_8U);
    labels.copyTo(layer.parts(layer.box), layer.alpha(layer.box) > 0.004f);
    return layer;
}

}  // namespace marionette::deform

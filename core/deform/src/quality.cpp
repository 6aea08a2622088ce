#include "marionette/deform/quality.h"

#include "marionette/deform/part_mesh.h"
#include "marionette/util/error.h"

#include <opencv2/imgproc.hpp>

#include <cmath>
#include <limits>
#include <random>

namespace marionette::deform {

double laplacianVariance(const cv::Mat& image, cv::Point2f a, cv::Point2f b, double radius, const cv::Mat& within) {
    cv::Mat capsule = cv::Mat::zeros(image.size(), CV_8U);
    cv::line(capsule, a, b, cv::Scalar(255), std::max(1, static_cast<int>(std::lround(2 * radius))), cv::LINE_8);
    if (!within.empty()) {
        // Inside the person only, two pixels in from its outline: the outline's contrast is the background's.
        cv::Mat inner;
        cv::erode(within > 0.5, inner, cv::Mat(), {-1, -1}, 2);
        if (cv::countNonZero(capsule & inner) >= 16) capsule &= inner;
    }
    const cv::Rect area = cv::boundingRect(capsule);
    if (area.empty()) return 0.0;
    cv::Mat grey, laplacian;
    cv::cvtColor(image(area), grey, cv::COLOR_BGR2GRAY);
    cv::Laplacian(grey, laplacian, CV_32F, 3);
    cv::Scalar mean, deviation;
    cv::meanStdDev(laplacian, mean, deviation, capsule(area));
    return deviation[0] * deviation[0];
}

std::optional<double> detailKept(const cv::Mat& photo, const cv::Mat& edited, const pose::Pose& reference,
                                 const pose::Pose& target, const cv::Mat& photoPerson, const cv::Mat& editedPerson) {
    double sum = 0;
    int count = 0;
    // A thin capsule (a tenth of the torso wide, thinner than any limb) so that it holds the limb's own pixels,
    // not the backgrounds around it, which differ between where the limb was and where it went.
    const double radius = std::max(2.0, 0.05 * pose::torsoLength(reference));
    for (const pose::Limb& limb : pose::limbs()) {
        if (!reference.has(limb.parent) || !reference.has(limb.child) || !target.has(limb.parent) ||
            !target.has(limb.child))
            continue;
        const bool moved = cv::norm(jointPoint(reference, limb.parent) - jointPoint(target, limb.parent)) > 2 ||
                           cv::norm(jointPoint(reference, limb.child) - jointPoint(target, limb.child)) > 2;
        if (!moved) continue;
        const double before = laplacianVariance(photo, jointPoint(reference, limb.parent),
                                                jointPoint(reference, limb.child), radius, photoPerson);
        if (before <= 1e-9) continue;
        sum += laplacianVariance(edited, jointPoint(target, limb.parent), jointPoint(target, limb.child), radius,
                                 editedPerson) /
               before;
        ++count;
    }
    if (count == 0) return std::nullopt;
    return sum / count;
}

double seamRatio(const cv::Mat& image, const cv::Mat& alpha) {
    if (alpha.size() != image.size()) throw Error("seamRatio: the alpha must have the image's size");
    const cv::Mat inside = alpha > 0.5f;
    cv::Mat grown, shrunk;
    cv::dilate(inside, grown, cv::Mat(), {-1, -1}, 2);
    cv::erode(inside, shrunk, cv::Mat(), {-1, -1}, 2);
    const cv::Mat band = grown & ~shrunk;
    cv::Mat interior;
    cv::erode(shrunk, interior, cv::Mat(), {-1, -1}, 3);
    if (cv::countNonZero(band) == 0 || cv::countNonZero(interior) == 0) return 1.0;
    cv::Mat grey, gx, gy, magnitude;
    cv::cvtColor(image, grey, cv::COLOR_BGR2GRAY);
    cv::Sobel(grey, gx, CV_32F, 1, 0);
    cv::Sobel(grey, gy, CV_32F, 0, 1);
    cv::magnitude(gx, gy, magnitude);
    const double inner = cv::mean(magnitude, interior)[0];
    return cv::mean(magnitude, band)[0] / std::max(inner, 1e-6);
}

std::vector<cv::Mat> limbShapedHoles(cv::Size photo, const pose::Pose& pose, const cv::Mat& avoid, int count,
                                     unsigned seed) {
    struct Shape {
        cv::Point2f a, b;
        int thickness;
    };
    const double torso = pose::torsoLength(pose);
    std::vector<Shape> shapes;
    for (const Bone& bone : bones()) {
        if (bone.part == BodyPart::Trunk || !pose.has(bone.from) || !pose.has(bone.to)) continue;
        // A limb about a fifth of the torso across; the head (its bones are short) about half.
        const double across = bone.part == BodyPart::Head ? 0.45 * torso : 0.18 * torso;
        shapes.push_back({jointPoint(pose, bone.from), jointPoint(pose, bone.to),
                          std::max(3, static_cast<int>(std::lround(across)))});
    }
    std::vector<cv::Mat> holes;
    if (shapes.empty() || count <= 0) return holes;
    // Keep a margin from the people: the fill must not see them, and the hole must lie on background.
    cv::Mat keepOut;
    const int margin = std::max(2, static_cast<int>(std::lround(0.05 * torso)));
    cv::dilate(avoid, keepOut, cv::getStructuringElement(cv::MORPH_ELLIPSE, {2 * margin + 1, 2 * margin + 1}));
    cv::Mat used = cv::Mat::zeros(photo, CV_8U);
    std::mt19937 random(seed);
    std::uniform_real_distribution<float> x(0.f, static_cast<float>(photo.width)),
        y(0.f, static_cast<float>(photo.height));
    const cv::Rect inside(margin, margin, photo.width - 2 * margin, photo.height - 2 * margin);
    for (int attempt = 0; attempt < 400 * count && static_cast<int>(holes.size()) < count; ++attempt) {
        const Shape& s = shapes[holes.size() % shapes.size()];
        const cv::Point2f centre = (s.a + s.b) * 0.5f, at(x(random), y(random));
        cv::Mat hole = cv::Mat::zeros(photo, CV_8U);
        cv::line(hole, s.a - centre + at, s.b - centre + at, cv::Scalar(255), s.thickness, cv::LINE_8);
        const cv::Rect box = cv::boundingRect(hole);
        if (box.empty() || (box & inside) != box || cv::countNonZero(hole & (keepOut | used)) > 0) continue;
        used |= hole;
        holes.push_back(hole);
    }
    return holes;
}

double psnr(const cv::Mat& a, const cv::Mat& b, const cv::Mat& mask) {
    if (a.size() != b.size() || a.type() != b.type()) throw Error("psnr: the images differ in size or type");
    cv::Mat difference;
    cv::absdiff(a, b, difference);
    difference.convertTo(difference, CV_64F);
    difference = difference.mul(difference);
    const cv::Scalar meanSquares = mask.empty() ? cv::mean(difference) : cv::mean(difference, mask);
    double mse = 0;
    for (int c = 0; c < a.channels(); ++c) mse += meanSquares[c];
    mse /= a.channels();
    if (mse <= 0) return std::numeric_limits<double>::infinity();
    return 10.0 * std::log10(255.0 * 255.0 / mse);
}

}  // namespace marionette::deform

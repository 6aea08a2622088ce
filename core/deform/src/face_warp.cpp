#include "marionette/deform/face_warp.h"

#include "marionette/deform/arap.h"
#include "marionette/deform/mesh_render.h"
#include "marionette/deform/part_mesh.h"
#include "marionette/util/error.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <string>

namespace marionette::deform {
namespace {

using Clock = std::chrono::steady_clock;
double millisecondsSince(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// iBUG 68: the jaw 0-16, brows 17-26, nose 27-35, eyes 36-47, outer lips 48-59, inner lips 60-67.
constexpr int kChin = 8, kJawLeft = 0, kJawRight = 16;
constexpr int kMouthLeft = 60, kMouthRight = 64;
// Upper and lower inner-lip points facing each other (closed mouth: on top of each other).
constexpr std::array<std::array<int, 2>, 3> kFacingLips{{{61, 67}, {62, 66}, {63, 65}}};
// The brows, nose and eyes move with the skull: the forehead follows their similarity.
constexpr int kSkullFirst = 17, kSkullLast = 47;
// The forehead: points above these brow landmarks, a fraction of the chin-to-brows height up.
constexpr std::array<int, 6> kForeheadBrows{17, 19, 21, 22, 24, 26};
constexpr double kForeheadRise = 0.3;
// Where the reference's mouth interior splits between the lips, from the upper lip (0) to the lower (1): the upper
// teeth sit on the skull and fill most of a smile's opening, so most of it stays with the upper lip when the jaw
// drops, and the gap opens above the lower lip.
constexpr float kUpperLipShare = 0.7f;

std::size_t at(int i) { return static_cast<std::size_t>(i); }

void checkLandmarks(const std::vector<cv::Point2f>& points, const std::string& what) {
    if (points.size() != static_cast<std::size_t>(kFaceLandmarks))
        throw Error(what + ": a face needs " + std::to_string(kFaceLandmarks) + " landmarks, got " +
                    std::to_string(points.size()));
    for (std::size_t i = 0; i < points.size(); ++i) {
        if (!std::isfinite(points[i].x) || !std::isfinite(points[i].y))
            throw Error(what + ": landmark " + std::to_string(i) + " is not a number");
    }
}

cv::Point2f meanOf(const std::vector<cv::Point2f>& p, int first, int last) {
    cv::Point2f sum(0, 0);
    for (int i = first; i <= last; ++i) sum += p[at(i)];
    return sum * (1.f / static_cast<float>(last - first + 1));
}

// The face's own axes: up from the chin to the brows (a rolled head keeps its forehead above its eyes).
struct FaceAxes {
    cv::Point2f up;  // chin to the brows' mean (not normalised: its length is the face's height)
    cv::Point2f unitUp;
    cv::Point2f across;  // unit, perpendicular to up
};

FaceAxes faceAxes(const std::vector<cv::Point2f>& p) {
    FaceAxes a;
    a.up = meanOf(p, 17, 26) - p[at(kChin)];
    const float length = std::hypot(a.up.x, a.up.y);
    a.unitUp = length > 1e-3f ? a.up * (1.f / length) : cv::Point2f(0, -1);
    a.across = {-a.unitUp.y, a.unitUp.x};
    return a;
}

// The similarity (least squares, no reflection) taking points first..last of `from` to those of `to`.
cv::Matx23d similarity(const std::vector<cv::Point2f>& from, const std::vector<cv::Point2f>& to, int first, int last) {
    const cv::Point2f cf = meanOf(from, first, last), ct = meanOf(to, first, last);
    double a = 0, b = 0, norm = 0;
    for (int i = first; i <= last; ++i) {
        const cv::Point2d p = from[at(i)] - cf, q = to[at(i)] - ct;
        a += p.x * q.x + p.y * q.y;
        b += p.x * q.y - p.y * q.x;
        norm += p.x * p.x + p.y * p.y;
    }
    if (norm < 1e-9) return {1, 0, ct.x - cf.x, 0, 1, ct.y - cf.y};
    a /= norm, b /= norm;
    return {a, -b, ct.x - (a * cf.x - b * cf.y), b, a, ct.y - (b * cf.x + a * cf.y)};
}

cv::Point2f apply(const cv::Matx23d& m, cv::Point2f p) {
    return {static_cast<float>(m(0, 0) * p.x + m(0, 1) * p.y + m(0, 2)),
            static_cast<float>(m(1, 0) * p.x + m(1, 1) * p.y + m(1, 2))};
}

std::vector<cv::Point2f> polygonOf(const std::vector<cv::Point2f>& positions, const std::vector<int>& vertices) {
    std::vector<cv::Point2f> out;
    for (int v : vertices) out.push_back(positions[at(v)]);
    return out;
}

// The mesh's points in two positions: `rest` (the photo's) and `layout` (for triangulation only: the inner lips
// held a little apart, so that a closed mouth is still a hole with an upper and a lower edge).
struct MeshPoints {
    std::vector<cv::Point2f> rest, layout;
    int add(cv::Point2f restPoint, cv::Point2f layoutPoint) {
        rest.push_back(restPoint);
        layout.push_back(layoutPoint);
        return static_cast<int>(rest.size()) - 1;
    }
};

// Holds the facing inner-lip points at least `gap` apart across the mouth in the layout.
void holdLipsApart(MeshPoints& points, const std::vector<cv::Point2f>& p, double gap) {
    const cv::Point2f corners = p[at(kMouthRight)] - p[at(kMouthLeft)];
    cv::Point2f down(-corners.y, corners.x);
    const float length = std::hypot(down.x, down.y);
    down = length > 1e-3f ? down * (1.f / length) : cv::Point2f(0, 1);
    if (down.dot(p[at(kChin)] - (p[at(kMouthLeft)] + p[at(kMouthRight)]) * 0.5f) < 0) down = -down;
    for (const auto& pair : kFacingLips) {
        const double open = (p[at(pair[1])] - p[at(pair[0])]).dot(down);
        if (open >= gap) continue;
        const float push = static_cast<float>((gap - open) / 2);
        points.layout[at(pair[0])] -= down * push;
        points.layout[at(pair[1])] += down * push;
    }
}

// Moves layout points that coincide with an earlier one by a fraction of a pixel (Delaunay merges equal points).
void separateCoincidentPoints(std::vector<cv::Point2f>& layout) {
    for (std::size_t i = 1; i < layout.size(); ++i) {
        for (int tries = 0; tries < 8; ++tries) {
            bool clash = false;
            for (std::size_t j = 0; j < i && !clash; ++j) clash = cv::norm(layout[i] - layout[j]) < 0.05;
            if (!clash) break;
            layout[i] += cv::Point2f(0.11f, 0.07f);
        }
    }
}

// The triangulation with every edge of the inner mouth's outline present (conforming Delaunay: an outline edge
// the triangulation misses is split at its midpoint, and the points triangulated again). Updates `mouth`.
std::vector<cv::Vec3i> triangulateAroundMouth(MeshPoints& points, std::vector<int>& mouth) {
    for (int round = 0; round < 8; ++round) {
        const cv::Rect bounds = cv::boundingRect(points.layout);
        std::vector<cv::Vec3i> triangles = delaunayTriangles(
            points.layout, cv::Rect(bounds.x - 4, bounds.y - 4, bounds.width + 10, bounds.height + 10), 1e-6);
        std::set<std::pair<int, int>> edges;
        for (const auto& t : triangles) {
            for (int k = 0; k < 3; ++k) edges.insert({std::min(t[k], t[(k + 1) % 3]), std::max(t[k], t[(k + 1) % 3])});
        }
        std::vector<int> outline;
        bool missing = false;
        for (std::size_t k = 0; k < mouth.size(); ++k) {
            const int a = mouth[k], b = mouth[(k + 1) % mouth.size()];
            outline.push_back(a);
            if (edges.count({std::min(a, b), std::max(a, b)})) continue;
            missing = true;
            outline.push_back(points.add((points.rest[at(a)] + points.rest[at(b)]) * 0.5f,
                                         (points.layout[at(a)] + points.layout[at(b)]) * 0.5f));
        }
        if (!missing) return triangles;
        mouth = std::move(outline);
    }
    throw Error("the face's landmarks fold over each other around the mouth: no mesh can be built");
}

// The chain of `cycle` from vertex `from` to vertex `to`, going forwards.
std::vector<int> chainOf(const std::vector<int>& cycle, int from, int to) {
    const auto start = std::find(cycle.begin(), cycle.end(), from) - cycle.begin();
    std::vector<int> chain;
    for (std::size_t k = 0; k < cycle.size(); ++k) {
        const int v = cycle[(static_cast<std::size_t>(start) + k) % cycle.size()];
        chain.push_back(v);
        if (v == to) break;
    }
    return chain;
}

// Drops vertices no triangle uses; remaps every index list.
void dropUnusedVertices(FaceMesh& mesh, std::vector<int>& mouth) {
    std::vector<int> newIndex(mesh.rest.size(), -1);
    for (const auto& t : mesh.triangles) {
        for (int k = 0; k < 3; ++k) newIndex[at(t[k])] = 0;
    }
    std::vector<cv::Point2f> rest;
    for (std::size_t v = 0; v < mesh.rest.size(); ++v) {
        if (newIndex[v] < 0) continue;
        newIndex[v] = static_cast<int>(rest.size());
        rest.push_back(mesh.rest[v]);
    }
    const auto remap = [&](int v) { return newIndex[at(v)]; };
    for (auto& t : mesh.triangles) t = cv::Vec3i(remap(t[0]), remap(t[1]), remap(t[2]));
    for (auto& v : mesh.landmarkVertex) {
        v = remap(v);
        if (v < 0) throw Error("the face's landmarks fold over each other: landmark points are left out of the mesh");
    }
    const auto remapList = [&](std::vector<int>& list) {
        std::vector<int> kept;
        for (int v : list) {
            if (remap(v) >= 0) kept.push_back(remap(v));
        }
        list = std::move(kept);
    };
    remapList(mesh.foreheadVertices);
    remapList(mesh.ringVertices);
    remapList(mouth);
    mesh.rest = std::move(rest);
}

// Where along `chain` (0 = its first vertex, 1 = its last) each vertex lies, by length at rest.
std::vector<double> arcFractions(const std::vector<cv::Point2f>& positions, const std::vector<int>& chain) {
    std::vector<double> f(chain.size(), 0.0);
    for (std::size_t k = 1; k < chain.size(); ++k)
        f[k] = f[k - 1] + cv::norm(positions[at(chain[k])] - positions[at(chain[k - 1])]);
    const double total = f.back();
    for (std::size_t k = 0; k < f.size(); ++k)
        f[k] = total > 1e-6 ? f[k] / total : static_cast<double>(k) / std::max<std::size_t>(1, f.size() - 1);
    return f;
}

// The point at fraction `t` along `chain` in `positions`, with the chain's rest fractions `fractions`.
cv::Point2f alongChain(const std::vector<cv::Point2f>& positions, const std::vector<int>& chain,
                       const std::vector<double>& fractions, double t) {
    for (std::size_t k = 1; k < chain.size(); ++k) {
        if (t > fractions[k] && k + 1 < chain.size()) continue;
        const double span = fractions[k] - fractions[k - 1];
        const float w = static_cast<float>(span > 1e-9 ? std::clamp((t - fractions[k - 1]) / span, 0.0, 1.0) : 0.0);
        return positions[at(chain[k - 1])] * (1 - w) + positions[at(chain[k])] * w;
    }
    return positions[at(chain.front())];
}

std::vector<cv::Point> rounded(const std::vector<cv::Point2f>& points, cv::Point2f offset) {
    std::vector<cv::Point> out;
    for (const auto& p : points)
        out.emplace_back(static_cast<int>(std::lround(p.x - offset.x)), static_cast<int>(std::lround(p.y - offset.y)));
    return out;
}

}  // namespace

std::vector<int> FaceMesh::pinned() const {
    std::vector<int> out(landmarkVertex.begin(), landmarkVertex.end());
    out.insert(out.end(), foreheadVertices.begin(), foreheadVertices.end());
    out.insert(out.end(), ringVertices.begin(), ringVertices.end());
    return out;
}

FaceMesh buildFaceMesh(const std::vector<cv::Point2f>& p, cv::Size photo, const FaceMeshOptions& options) {
    checkLandmarks(p, "the face's reference landmarks");
    const cv::Rect bounds = cv::boundingRect(p);
    const double extent = std::max(bounds.width, bounds.height);
    if (extent < options.minimumWidth)
        throw Error("the face is too small to move its pixels (" +
                    std::to_string(static_cast<int>(std::lround(extent))) + " pixels across; at least " +
                    std::to_string(static_cast<int>(options.minimumWidth)) + " are needed)");
    const cv::Rect inside = bounds & cv::Rect({0, 0}, photo);
    if (inside.area() < 0.5 * bounds.area())
        throw Error("the face lies outside the photo (its landmarks' box is mostly off the image)");
    const double width = std::max<double>(cv::norm(p[at(kJawRight)] - p[at(kJawLeft)]), 0.5 * extent);
    const double spacing = std::max(4.0, options.spacing * width);
    const FaceAxes axes = faceAxes(p);

    FaceMesh mesh;
    MeshPoints points;
    for (int i = 0; i < kFaceLandmarks; ++i) mesh.landmarkVertex[at(i)] = points.add(p[at(i)], p[at(i)]);
    holdLipsApart(points, p, std::max(0.6, 0.012 * width));
    for (int brow : kForeheadBrows) {
        const cv::Point2f q = p[at(brow)] + axes.up * static_cast<float>(kForeheadRise);
        mesh.foreheadVertices.push_back(points.add(q, q));
    }

    // The ring: an ellipse in the face's axes around the face box, its centre moved towards the neck.
    double minA = 1e30, maxA = -1e30, minB = 1e30, maxB = -1e30;
    for (const auto& q : points.rest) {
        const cv::Point2f d = q - p[at(kChin)];
        minA = std::min<double>(minA, d.dot(axes.across)), maxA = std::max<double>(maxA, d.dot(axes.across));
        minB = std::min<double>(minB, d.dot(axes.unitUp)), maxB = std::max<double>(maxB, d.dot(axes.unitUp));
    }
    const double ringA = options.ringScale * (maxA - minA) / 2, ringB = options.ringScale * (maxB - minB) / 2;
    const cv::Point2f centre = p[at(kChin)] + axes.across * static_cast<float>((minA + maxA) / 2) +
                               axes.unitUp * static_cast<float>((minB + maxB) / 2 - options.neck * (maxB - minB));
    const double perimeter = 2 * CV_PI * std::sqrt((ringA * ringA + ringB * ringB) / 2);
    const int ringCount = std::max(24, static_cast<int>(std::ceil(perimeter / spacing)));
    for (int k = 0; k < ringCount; ++k) {
        const double t = 2 * CV_PI * k / ringCount;
        const cv::Point2f q = centre + axes.across * static_cast<float>(ringA * std::cos(t)) +
                              axes.unitUp * static_cast<float>(ringB * std::sin(t));
        mesh.ringVertices.push_back(points.add(q, q));
    }

    // Interior grid, clear of the ring, the landmarks and the lips so that no triangle is a sliver.
    std::vector<cv::Point2f> outerLips(p.begin() + 48, p.begin() + 60);
    const double clearance = options.clearance * spacing;
    const std::size_t placed = points.rest.size();
    const cv::Rect ringBox = cv::boundingRect(polygonOf(points.rest, mesh.ringVertices));
    for (double y = ringBox.y + spacing / 2; y < ringBox.br().y; y += spacing) {
        for (double x = ringBox.x + spacing / 2; x < ringBox.br().x; x += spacing) {
            const cv::Point2f q(static_cast<float>(x), static_cast<float>(y));
            const cv::Point2f d = q - centre;
            const double r = std::hypot(d.dot(axes.across) / ringA, d.dot(axes.unitUp) / ringB);
            if (r > 1.0 - spacing / (2 * std::min(ringA, ringB))) continue;
            if (cv::pointPolygonTest(outerLips, q, true) > -clearance) continue;
            bool clear = true;
            for (std::size_t v = 0; v < placed && clear; ++v) clear = cv::norm(points.rest[v] - q) >= clearance;
            if (clear) points.add(q, q);
        }
    }
    separateCoincidentPoints(points.layout);

    std::vector<int> mouth;
    for (int i = 60; i <= 67; ++i) mouth.push_back(mesh.landmarkVertex[at(i)]);
    const std::vector<cv::Vec3i> all = triangulateAroundMouth(points, mouth);
    const std::vector<cv::Point2f> mouthOutline = polygonOf(points.layout, mouth);
    mesh.rest = points.rest;
    for (const auto& t : all) {
        const cv::Point2f centroid =
            (points.layout[at(t[0])] + points.layout[at(t[1])] + points.layout[at(t[2])]) * (1.f / 3.f);
        if (cv::pointPolygonTest(mouthOutline, centroid, false) > 0) continue;  // inside the mouth: the lips stay apart
        if (signedArea2(mesh.rest[at(t[0])], mesh.rest[at(t[1])], mesh.rest[at(t[2])]) <= 0)
            throw Error(
                "the face's landmarks fold over each other (the lips or the jaw line cross): no mesh can be built");
        mesh.triangles.push_back(t);
    }
    dropUnusedVertices(mesh, mouth);
    mesh.upperLip = chainOf(mouth, mesh.landmarkVertex[at(kMouthLeft)], mesh.landmarkVertex[at(kMouthRight)]);
    mesh.lowerLip = chainOf(mouth, mesh.landmarkVertex[at(kMouthRight)], mesh.landmarkVertex[at(kMouthLeft)]);
    std::reverse(mesh.lowerLip.begin(), mesh.lowerLip.end());
    return mesh;
}

struct FaceWarp::State {
    cv::Mat photo;
    std::vector<cv::Point2f> reference;
    FaceMesh mesh;
    std::optional<ArapSolver> solver;
    std::vector<cv::Point2f> foreheadRest;
    double width = 1;
    double buildMilliseconds = 0;
    // The reference's mouth interior as two strips, each carried by its lip: samples along the upper and the
    // lower lip and the line where they split (kUpperLipShare), and the strips' triangles (those with pixels).
    std::vector<double> upperFractions, lowerFractions;
    // Where both lips are sampled: every vertex of either lip, by its fraction of the lip's length, so that each
    // lip's samples trace it exactly (a coarser sampling would cut its curve and leave slivers uncovered).
    std::vector<double> lipFractions;
    std::vector<cv::Point2f>
        mouthRest;  // upper lip, its split line, lower lip, its split line: one per lip fraction each
    std::vector<cv::Vec3i> mouthTriangles;
    cv::Scalar mouthShadow;       // what an opened mouth shows until the caller fills it
    std::vector<bool> alongLips;  // per triangle: whether it has a vertex on an inner lip

    std::vector<cv::Point2f> mouthDeformed(const std::vector<cv::Point2f>& vertices) const {
        std::vector<cv::Point2f> out(mouthRest.size());
        const int n = static_cast<int>(lipFractions.size());
        for (int k = 0; k < n; ++k) {
            const double t = lipFractions[at(k)];
            const cv::Point2f up = alongChain(vertices, mesh.upperLip, upperFractions, t);
            const cv::Point2f down = alongChain(vertices, mesh.lowerLip, lowerFractions, t);
            out[at(k)] = up;
            out[at(n + k)] = up + (mouthRest[at(n + k)] - mouthRest[at(k)]);
            out[at(2 * n + k)] = down;
            out[at(3 * n + k)] = down + (mouthRest[at(3 * n + k)] - mouthRest[at(2 * n + k)]);
        }
        return out;
    }
};

namespace {

// The darkest quarter of the photo along the reference's inner lips, darker still: a mouth's shadow.
cv::Scalar mouthShadowOf(const cv::Mat& photo, const std::vector<cv::Point2f>& p) {
    const std::vector<cv::Point2f> inner(p.begin() + 60, p.begin() + 68);
    const cv::Rect box =
        cv::Rect(cv::boundingRect(inner).tl() - cv::Point(3, 3), cv::boundingRect(inner).size() + cv::Size(7, 7)) &
        cv::Rect({0, 0}, photo.size());
    if (box.empty()) return cv::Scalar(25, 25, 45);
    cv::Mat mask = cv::Mat::zeros(box.size(), CV_8U);
    cv::polylines(mask, std::vector<std::vector<cv::Point>>{rounded(inner, cv::Point2f(box.tl()))}, true,
                  cv::Scalar(255), 3);
    cv::Mat grey;
    cv::cvtColor(photo(box), grey, cv::COLOR_BGR2GRAY);
    std::vector<std::pair<uchar, cv::Vec3b>> samples;
    for (int y = 0; y < mask.rows; ++y) {
        for (int x = 0; x < mask.cols; ++x) {
            if (mask.at<uchar>(y, x)) samples.emplace_back(grey.at<uchar>(y, x), photo(box).at<cv::Vec3b>(y, x));
        }
    }
    if (samples.empty()) return cv::Scalar(25, 25, 45);
    std::sort(samples.begin(), samples.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    const std::size_t n = std::max<std::size_t>(1, samples.size() / 4);
    cv::Scalar sum;
    for (std::size_t i = 0; i < n; ++i)
        sum += cv::Scalar(samples[i].second[0], samples[i].second[1], samples[i].second[2]);
    return sum * (0.6 / static_cast<double>(n));
}

// Some of a mesh's triangles with only the vertices they use: the rasteriser's map spans its vertices.
struct SubMesh {
    std::vector<cv::Point2f> rest, deformed;
    std::vector<cv::Vec3i> triangles;
    std::map<int, int> indexOf;

    void add(const cv::Vec3i& t, const std::vector<cv::Point2f>& allRest, const std::vector<cv::Point2f>& allDeformed) {
        cv::Vec3i local;
        for (int k = 0; k < 3; ++k) {
            const auto [it, added] = indexOf.emplace(t[k], static_cast<int>(rest.size()));
            if (added) {
                rest.push_back(allRest[at(t[k])]);
                deformed.push_back(allDeformed[at(t[k])]);
            }
            local[k] = it->second;
        }
        triangles.push_back(local);
    }
};

// Draws `source` through `map` into `pixels` (which covers `area` of the photo) where the map covers.
void drawThrough(cv::Mat& pixels, const cv::Rect& area, const BackwardMap& map, const cv::Mat& source) {
    const cv::Rect r = map.area & area;
    if (r.empty()) return;
    const cv::Rect inMap(r.tl() - map.area.tl(), r.size());
    cv::Mat sampled;
    // Cubic keeps the photo's detail; replicated borders: a face at the photo's edge never pulls in black.
    cv::remap(source, sampled, map.mapX(inMap), map.mapY(inMap), cv::INTER_CUBIC, cv::BORDER_REPLICATE);
    sampled.copyTo(pixels(cv::Rect(r.tl() - area.tl(), r.size())), map.covered(inMap));
}

cv::Mat coveredIn(const cv::Rect& area, const BackwardMap& map) {
    cv::Mat out = cv::Mat::zeros(area.size(), CV_8U);
    const cv::Rect r = map.area & area;
    if (!r.empty())
        map.covered(cv::Rect(r.tl() - map.area.tl(), r.size())).copyTo(out(cv::Rect(r.tl() - area.tl(), r.size())));
    return out;
}

}  // namespace

FaceWarp::FaceWarp(const cv::Mat& photo, const std::vector<cv::Point2f>& reference, const FaceMeshOptions& options)
    : m_state(std::make_unique<State>()) {
    const auto start = Clock::now();
    if (photo.empty() || photo.type() != CV_8UC3) throw Error("the photo must be an 8-bit colour image");
    State& s = *m_state;
    s.photo = photo;
    s.mesh = buildFaceMesh(reference, photo.size(), options);
    s.reference = reference;
    s.width = std::max(1.0, cv::norm(reference[at(kJawRight)] - reference[at(kJawLeft)]));
    s.solver.emplace(s.mesh.rest, s.mesh.triangles, s.mesh.pinned());
    s.foreheadRest = polygonOf(s.mesh.rest, s.mesh.foreheadVertices);
    std::vector<bool> onLip(s.mesh.rest.size(), false);
    for (const auto* lip : {&s.mesh.upperLip, &s.mesh.lowerLip}) {
        for (int v : *lip) onLip[at(v)] = true;
    }
    for (const auto& t : s.mesh.triangles) s.alongLips.push_back(onLip[at(t[0])] || onLip[at(t[1])] || onLip[at(t[2])]);

    s.upperFractions = arcFractions(s.mesh.rest, s.mesh.upperLip);
    s.lowerFractions = arcFractions(s.mesh.rest, s.mesh.lowerLip);
    s.lipFractions = s.upperFractions;
    s.lipFractions.insert(s.lipFractions.end(), s.lowerFractions.begin(), s.lowerFractions.end());
    std::sort(s.lipFractions.begin(), s.lipFractions.end());
    s.lipFractions.erase(
        std::unique(s.lipFractions.begin(), s.lipFractions.end(), [](double a, double b) { return b - a < 1e-6; }),
        s.lipFractions.end());
    const int n = static_cast<int>(s.lipFractions.size());
    s.mouthRest.assign(at(4 * n), {});
    for (int k = 0; k < n; ++k) {
        const double t = s.lipFractions[at(k)];
        const cv::Point2f up = alongChain(s.mesh.rest, s.mesh.upperLip, s.upperFractions, t);
        const cv::Point2f down = alongChain(s.mesh.rest, s.mesh.lowerLip, s.lowerFractions, t);
        s.mouthRest[at(k)] = up;
        s.mouthRest[at(n + k)] = s.mouthRest[at(3 * n + k)] = up + (down - up) * kUpperLipShare;
        s.mouthRest[at(2 * n + k)] = down;
    }
    for (int strip : {0, 2 * n}) {
        const int lip = strip, mid = strip + n;
        for (int k = 0; k + 1 < n; ++k) {
            for (const cv::Vec3i& t :
                 {cv::Vec3i(lip + k, lip + k + 1, mid + k + 1), cv::Vec3i(lip + k, mid + k + 1, mid + k)}) {
                // A closed mouth's strips have no area: nothing to show, nothing drawn. (Each strip moves rigidly
                // across its lip, so a thin one is never stretched over the opening.)
                if (std::abs(signedArea2(s.mouthRest[at(t[0])], s.mouthRest[at(t[1])], s.mouthRest[at(t[2])])) > 1e-6)
                    s.mouthTriangles.push_back(t);
            }
        }
    }
    s.mouthShadow = mouthShadowOf(photo, reference);
    s.buildMilliseconds = millisecondsSince(start);
}

FaceWarp::~FaceWarp() = default;
FaceWarp::FaceWarp(FaceWarp&&) noexcept = default;
FaceWarp& FaceWarp::operator=(FaceWarp&&) noexcept = default;

const FaceMesh& FaceWarp::mesh() const { return m_state->mesh; }
const std::vector<cv::Point2f>& FaceWarp::reference() const { return m_state->reference; }
double FaceWarp::faceWidth() const { return m_state->width; }
double FaceWarp::buildMilliseconds() const { return m_state->buildMilliseconds; }

std::vector<cv::Point2f> FaceWarp::deformedVertices(const std::vector<cv::Point2f>& target) const {
    const State& s = *m_state;
    checkLandmarks(target, "the face's target landmarks");
    bool moved = false;
    for (int i = 0; i < kFaceLandmarks && !moved; ++i) moved = cv::norm(target[at(i)] - s.reference[at(i)]) > 0.01;
    if (!moved) return s.mesh.rest;
    std::vector<cv::Point2f> targets(target.begin(), target.end());
    const cv::Matx23d skull = similarity(s.reference, target, kSkullFirst, kSkullLast);
    for (const auto& q : s.foreheadRest) targets.push_back(apply(skull, q));
    for (int v : s.mesh.ringVertices) targets.push_back(s.mesh.rest[at(v)]);
    std::vector<cv::Point2f> solved = s.solver->solve(targets);
    for (const auto& v : solved) {
        if (!std::isfinite(v.x) || !std::isfinite(v.y))
            throw Error("the face's mesh has no solution for these landmarks");
    }
    return solved;
}

FaceWarpFrame FaceWarp::warp(const std::vector<cv::Point2f>& target) const {
    const auto start = Clock::now();
    const State& s = *m_state;
    FaceWarpFrame frame;
    const std::vector<cv::Point2f> vertices = deformedVertices(target);
    if (vertices == s.mesh.rest) {
        frame.milliseconds = millisecondsSince(start);
        return frame;
    }
    // Only triangles that moved are drawn (a vertex that moved less than this shows the photo as it is), and
    // those along the lips, whose cover decides what the mouth shows.
    constexpr double kStill = 0.05;
    SubMesh drawn;
    for (std::size_t n = 0; n < s.mesh.triangles.size(); ++n) {
        const cv::Vec3i& t = s.mesh.triangles[n];
        bool moved = s.alongLips[n];
        for (int k = 0; k < 3 && !moved; ++k) moved = cv::norm(vertices[at(t[k])] - s.mesh.rest[at(t[k])]) > kStill;
        if (moved) drawn.add(t, s.mesh.rest, vertices);
    }
    const std::vector<cv::Point2f> mouthVertices = s.mouthDeformed(vertices);
    const BackwardMap face = rasteriseBackwardMap(drawn.rest, drawn.deformed, drawn.triangles, s.photo.size());
    const BackwardMap mouth = rasteriseBackwardMap(s.mouthRest, mouthVertices, s.mouthTriangles, s.photo.size());
    frame.changed = face.area | mouth.area;
    frame.flippedTriangles = face.flippedTriangles + mouth.flippedTriangles;
    if (frame.changed.empty()) {
        frame.milliseconds = millisecondsSince(start);
        return frame;
    }
    const cv::Rect& changed = frame.changed;
    frame.pixels = s.photo(changed).clone();
    // The mouth's interior under the face: the lips cover whatever of it the mouth closed over.
    drawThrough(frame.pixels, changed, mouth, s.photo);
    drawThrough(frame.pixels, changed, face, s.photo);

    // The target's mouth hole that neither the lips nor the reference's mouth interior cover: what the photo
    // never showed.
    std::vector<cv::Point2f> hole = polygonOf(vertices, s.mesh.upperLip);
    for (auto it = s.mesh.lowerLip.rbegin(); it != s.mesh.lowerLip.rend(); ++it) hole.push_back(vertices[at(*it)]);
    frame.unseen = cv::Mat::zeros(changed.size(), CV_8U);
    cv::fillPoly(frame.unseen, std::vector<std::vector<cv::Point>>{rounded(hole, cv::Point2f(changed.tl()))},
                 cv::Scalar(255));
    frame.unseen &= ~(coveredIn(changed, face) | coveredIn(changed, mouth));

    // The feather lies outside the unseen pixels and is narrow: the mouth's interior beside them is the photo's.
    cv::Mat unseenF, weight;
    frame.unseen.convertTo(unseenF, CV_32F, 1.0 / 255.0);
    cv::GaussianBlur(unseenF, weight, {0, 0}, std::max(0.8, 0.01 * s.width));
    cv::max(weight, unseenF, weight);
    frame.alpha = 1.0 - weight;
    if (cv::countNonZero(frame.unseen) > 0) {
        const cv::Rect box = cv::boundingRect(weight > 0.f);
        cv::Mat base, weight3;
        frame.pixels(box).convertTo(base, CV_32FC3);
        cv::merge(std::vector<cv::Mat>{weight(box), weight(box), weight(box)}, weight3);
        const cv::Mat shadow(box.size(), CV_32FC3, s.mouthShadow);
        cv::Mat shaded = base.mul(cv::Scalar::all(1.0) - weight3) + weight3.mul(shadow);
        shaded.convertTo(frame.pixels(box), CV_8UC3);
    }
    frame.milliseconds = millisecondsSince(start);
    return frame;
}

cv::Mat FaceWarp::drawMesh(const cv::Mat& image, const std::vector<cv::Point2f>& target) const {
    const State& s = *m_state;
    cv::Mat out = image.clone();
    const auto v = deformedVertices(target);
    for (const auto& t : s.mesh.triangles) {
        for (int e = 0; e < 3; ++e)
            cv::line(out, v[at(t[e])], v[at(t[(e + 1) % 3])], cv::Scalar(60, 200, 255), 1, cv::LINE_AA);
    }
    for (const auto* lip : {&s.mesh.upperLip, &s.mesh.lowerLip}) {
        for (std::size_t k = 1; k < lip->size(); ++k)
            cv::line(out, v[at((*lip)[k - 1])], v[at((*lip)[k])], cv::Scalar(40, 40, 255), 1, cv::LINE_AA);
    }
    for (int pin : s.mesh.pinned()) cv::circle(out, v[at(pin)], 2, cv::Scalar(255, 255, 255), cv::FILLED, cv::LINE_AA);
    return out;
}

cv::Mat pasteInto(const cv::Mat& photo, const FaceWarpFrame& frame) {
    cv::Mat out = photo.clone();
    if (!frame.changed.empty()) frame.pixels.copyTo(out(frame.changed));
    return out;
}

}  // namespace marionette::deform

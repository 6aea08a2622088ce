#include "marionette/deform/part_mesh.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

namespace marionette::deform {
namespace {

bool inside(const cv::Mat& region, cv::Point2f p) {
    const cv::Point q(static_cast<int>(std::lround(p.x)), static_cast<int>(std::lround(p.y)));
    return q.x >= 0 && q.y >= 0 && q.x < region.cols && q.y < region.rows && region.at<uchar>(q) != 0;
}

// The mesh's points in working pixels: outline, pins along the bones, interior grid; `pinBone` is the bone of
// each pin point (-1 for the others).
struct MeshPoints {
    std::vector<cv::Point2f> points;
    std::vector<int> pinBone;
    void add(cv::Point2f p, int bone) {
        points.push_back(p);
        pinBone.push_back(bone);
    }
};

void addOutline(MeshPoints& out, const cv::Mat& region, double spacing) {
    std::vector<std::vector<cv::Point>> contours;
    cv::findContours(region.clone(), contours, cv::RETR_EXTERNAL, cv::CHAIN_APPROX_NONE);
    const double step = std::max(1.5, spacing / 2);
    for (const auto& contour : contours) {
        if (contour.size() < 3) continue;
        std::vector<cv::Point> simple;
        cv::approxPolyDP(contour, simple, /*epsilon=*/0.8, /*closed=*/true);
        for (std::size_t i = 0; i < simple.size(); ++i) {
            const cv::Point2f a = simple[i], b = simple[(i + 1) % simple.size()];
            const int pieces = std::max(1, static_cast<int>(std::ceil(cv::norm(b - a) / step)));
            for (int k = 0; k < pieces; ++k) out.add(a + (b - a) * (static_cast<float>(k) / pieces), -1);
        }
    }
}

// Union-find over vertices joined by triangles: which connected piece each vertex is in.
std::vector<int> connectedPieces(int vertexCount, const std::vector<cv::Vec3i>& triangles) {
    std::vector<int> parent(static_cast<std::size_t>(vertexCount));
    std::iota(parent.begin(), parent.end(), 0);
    const auto find = [&](int v) {
        while (parent[static_cast<std::size_t>(v)] != v)
            v = parent[static_cast<std::size_t>(v)] =
                parent[static_cast<std::size_t>(parent[static_cast<std::size_t>(v)])];
        return v;
    };
    for (const auto& t : triangles) {
        parent[static_cast<std::size_t>(find(t[1]))] = find(t[0]);
        parent[static_cast<std::size_t>(find(t[2]))] = find(t[0]);
    }
    std::vector<int> piece(static_cast<std::size_t>(vertexCount));
    for (int v = 0; v < vertexCount; ++v) piece[static_cast<std::size_t>(v)] = find(v);
    return piece;
}

}  // namespace

double signedArea2(cv::Point2f a, cv::Point2f b, cv::Point2f c) {
    return static_cast<double>(b.x - a.x) * (c.y - a.y) - static_cast<double>(b.y - a.y) * (c.x - a.x);
}

cv::Point2f pinPosition(const Pin& pin, const pose::Pose& pose) {
    const Bone& bone = bones().at(static_cast<std::size_t>(pin.bone));
    const cv::Point2f a = jointPoint(pose, bone.from), d = jointPoint(pose, bone.to) - a;
    const float length = std::hypot(d.x, d.y);
    const cv::Point2f left = length > 1e-6f ? cv::Point2f(d.y / length, -d.x / length) : cv::Point2f(0, 0);
    return a + d * pin.along + left * pin.across;
}

std::vector<cv::Vec3i> delaunayTriangles(const std::vector<cv::Point2f>& points, const cv::Rect& bounds,
                                         double minArea2) {
    cv::Subdiv2D subdivision(bounds);
    std::map<std::pair<float, float>, int> indexOf;
    for (std::size_t i = 0; i < points.size(); ++i) {
        indexOf[{points[i].x, points[i].y}] = static_cast<int>(i);
        subdivision.insert(points[i]);
    }
    std::vector<cv::Vec6f> list;
    subdivision.getTriangleList(list);
    std::vector<cv::Vec3i> triangles;
    for (const cv::Vec6f& t : list) {
        cv::Vec3i tri;
        bool ours = true;  // not a corner of Subdiv2D's outer triangle
        for (int k = 0; k < 3 && ours; ++k) {
            const auto it = indexOf.find({t[2 * k], t[2 * k + 1]});
            ours = it != indexOf.end();
            if (ours) tri[k] = it->second;
        }
        if (!ours) continue;
        const double area =
            signedArea2(points[static_cast<std::size_t>(tri[0])], points[static_cast<std::size_t>(tri[1])],
                        points[static_cast<std::size_t>(tri[2])]);
        if (std::abs(area) < minArea2) continue;
        if (area < 0) std::swap(tri[1], tri[2]);
        triangles.push_back(tri);
    }
    return triangles;
}

Pin pinAt(int vertex, int bone, cv::Point2f p, const pose::Pose& pose) {
    const Bone& b = bones().at(static_cast<std::size_t>(bone));
    const cv::Point2f a = jointPoint(pose, b.from), d = jointPoint(pose, b.to) - a, r = p - a;
    const float length2 = d.dot(d);
    Pin pin;
    pin.vertex = vertex;
    pin.bone = bone;
    if (length2 > 1e-12f) {
        const float length = std::sqrt(length2);
        pin.along = r.dot(d) / length2;
        pin.across = r.dot(cv::Point2f(d.y / length, -d.x / length));
    }
    return pin;
}

PartMesh buildPartMesh(BodyPart part, const cv::Mat& region, cv::Point2f origin, double scale,
                       const pose::Pose& reference, double torsoLength, const MeshOptions& options,
                       const MeshAnchor& anchor) {
    PartMesh mesh;
    mesh.part = part;
    if (region.empty() || cv::countNonZero(region) == 0) return mesh;
    const auto toWorking = [&](cv::Point2f p) {
        return cv::Point2f(static_cast<float>((p.x - origin.x + 0.5) * scale - 0.5),
                           static_cast<float>((p.y - origin.y + 0.5) * scale - 0.5));
    };
    const auto toPhoto = [&](cv::Point2f p) {
        return cv::Point2f(static_cast<float>((p.x + 0.5) / scale - 0.5 + origin.x),
                           static_cast<float>((p.y + 0.5) / scale - 0.5 + origin.y));
    };
    const double spacing = std::max(3.0, options.spacing * torsoLength * scale);

    MeshPoints points;
    addOutline(points, region, spacing);
    if (!anchor.region.empty()) {
        std::vector<int> anchorBones;
        for (std::size_t i = 0; i < bones().size(); ++i) {
            const Bone& bone = bones()[i];
            if (bone.part == anchor.part && reference.has(bone.from) && reference.has(bone.to))
                anchorBones.push_back(static_cast<int>(i));
        }
        for (std::size_t i = 0; i < points.points.size() && !anchorBones.empty(); ++i) {
            const cv::Point2f p = points.points[i];
            if (!inside(anchor.region, p)) continue;
            double best = 1e30;
            for (int b : anchorBones) {
                const Bone& bone = bones()[static_cast<std::size_t>(b)];
                const cv::Point2f q = toPhoto(p);
                const double d = distanceToSegment(Point2{q.x, q.y}, reference.at(bone.from).position,
                                                   reference.at(bone.to).position);
                if (d < best) best = d, points.pinBone[i] = b;
            }
        }
    }
    // Pins: points along every bone of the part, denser than the grid so that elbows and knees bend smoothly.
    std::vector<int> partBones;
    for (std::size_t i = 0; i < bones().size(); ++i) {
        const Bone& bone = bones()[i];
        if (bone.part != part || !reference.has(bone.from) || !reference.has(bone.to)) continue;
        partBones.push_back(static_cast<int>(i));
        const cv::Point2f a = toWorking(jointPoint(reference, bone.from)),
                          b = toWorking(jointPoint(reference, bone.to));
        const int pieces = std::max(1, static_cast<int>(std::ceil(cv::norm(b - a) / (spacing / 2))));
        for (int k = 0; k <= pieces; ++k) {
            const cv::Point2f p = a + (b - a) * (static_cast<float>(k) / pieces);
            if (inside(region, p)) points.add(p, static_cast<int>(i));
        }
    }
    if (partBones.empty()) return mesh;
    // Interior grid, kept clear of the outline and the pins so that no triangle is a sliver.
    cv::Mat taken = cv::Mat::zeros(region.size(), CV_8U);
    const int clearance = std::max(1, static_cast<int>(spacing / 2.5));
    for (const auto& p : points.points) cv::circle(taken, p, clearance, cv::Scalar(255), cv::FILLED);
    for (double y = spacing / 2; y < region.rows; y += spacing) {
        for (double x = spacing / 2; x < region.cols; x += spacing) {
            const cv::Point2f p(static_cast<float>(x), static_cast<float>(y));
            if (inside(region, p) && !inside(taken, p)) points.add(p, -1);
        }
    }

    std::map<std::pair<float, float>, int> indexOf;
    std::vector<cv::Point2f> vertices;
    std::vector<int> vertexBone;
    for (std::size_t i = 0; i < points.points.size(); ++i) {
        const cv::Point2f p = points.points[i];
        const auto key = std::make_pair(p.x, p.y);
        if (indexOf.count(key)) {
            if (points.pinBone[i] >= 0) vertexBone[static_cast<std::size_t>(indexOf[key])] = points.pinBone[i];
            continue;
        }
        indexOf[key] = static_cast<int>(vertices.size());
        vertices.push_back(p);
        vertexBone.push_back(points.pinBone[i]);
    }
    std::vector<cv::Vec3i> triangles;
    for (const cv::Vec3i& tri : delaunayTriangles(vertices, cv::Rect(-2, -2, region.cols + 4, region.rows + 4), 1e-3)) {
        const cv::Point2f centre =
            (vertices[static_cast<std::size_t>(tri[0])] + vertices[static_cast<std::size_t>(tri[1])] +
             vertices[static_cast<std::size_t>(tri[2])]) *
            (1.f / 3.f);
        if (inside(region, centre)) triangles.push_back(tri);
    }

    // Only referenced vertices, in photo pixels.
    std::vector<int> newIndex(vertices.size(), -1);
    for (auto& t : triangles) {
        for (int k = 0; k < 3; ++k) {
            int& v = newIndex[static_cast<std::size_t>(t[k])];
            if (v < 0) {
                v = static_cast<int>(mesh.rest.size());
                mesh.rest.push_back(toPhoto(vertices[static_cast<std::size_t>(t[k])]));
                const int bone = vertexBone[static_cast<std::size_t>(t[k])];
                if (bone >= 0) mesh.pins.push_back(pinAt(v, bone, mesh.rest.back(), reference));
            }
            t[k] = v;
        }
    }
    mesh.triangles = std::move(triangles);
    if (mesh.triangles.empty()) return mesh;

    // A piece the bones do not reach (a hand the mask cut off from its forearm) follows the nearest bone
    // rigidly: its two farthest-apart vertices are pinned in that bone's frame.
    const std::vector<int> piece = connectedPieces(static_cast<int>(mesh.rest.size()), mesh.triangles);
    std::map<int, int> pinsInPiece;
    for (const Pin& pin : mesh.pins) ++pinsInPiece[piece[static_cast<std::size_t>(pin.vertex)]];
    std::map<int, std::vector<int>> verticesOf;
    for (int v = 0; v < static_cast<int>(mesh.rest.size()); ++v)
        verticesOf[piece[static_cast<std::size_t>(v)]].push_back(v);
    for (const auto& [id, members] : verticesOf) {
        if (pinsInPiece[id] >= 2) continue;
        int first = members.front(), second = members.back();
        double farthest = -1;
        for (int v : members) {
            const double d =
                cv::norm(mesh.rest[static_cast<std::size_t>(v)] - mesh.rest[static_cast<std::size_t>(members.front())]);
            if (d > farthest) farthest = d, second = v;
        }
        farthest = -1;
        for (int v : members) {
            const double d =
                cv::norm(mesh.rest[static_cast<std::size_t>(v)] - mesh.rest[static_cast<std::size_t>(second)]);
            if (d > farthest) farthest = d, first = v;
        }
        const cv::Point2f centre =
            (mesh.rest[static_cast<std::size_t>(first)] + mesh.rest[static_cast<std::size_t>(second)]) * 0.5f;
        int nearest = partBones.front();
        double best = 1e30;
        for (int b : partBones) {
            const Bone& bone = bones()[static_cast<std::size_t>(b)];
            const Point2 c{centre.x, centre.y};
            const double d = distanceToSegment(c, reference.at(bone.from).position, reference.at(bone.to).position);
            if (d < best) best = d, nearest = b;
        }
        for (int v : {first, second}) {
            const bool pinned =
                std::any_of(mesh.pins.begin(), mesh.pins.end(), [v](const Pin& p) { return p.vertex == v; });
            if (!pinned) mesh.pins.push_back(pinAt(v, nearest, mesh.rest[static_cast<std::size_t>(v)], reference));
        }
    }
    return mesh;
}

}  // namespace marionette::deform

#include "marionette/pose/pose.h"

#include "marionette/util/error.h"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace marionette::pose {

const Keypoint& Pose::at(JointId joint) const {
    const auto& s = slot(joint);
    if (!s) throw Error(std::string("the pose has no ") + jointLabel(joint));
    return *s;
}

int Pose::presentCount() const {
    return static_cast<int>(
        std::count_if(m_joints.begin(), m_joints.end(), [](const auto& k) { return k.has_value(); }));
}

std::optional<Box> Pose::bounds() const {
    std::optional<Box> box;
    float minX = 0, minY = 0, maxX = 0, maxY = 0;
    for (const auto& k : m_joints) {
        if (!k) continue;
        const Point2 p = k->position;
        if (!box) {
            minX = maxX = p.x;
            minY = maxY = p.y;
            box = Box{};
        }
        minX = std::min(minX, p.x);
        maxX = std::max(maxX, p.x);
        minY = std::min(minY, p.y);
        maxY = std::max(maxY, p.y);
    }
    if (box) *box = Box{minX, minY, double(maxX) - minX, double(maxY) - minY};
    return box;
}

Pose Pose::mapped(const std::function<Point2(Point2)>& f) const {
    Pose out;
    for (int i = 0; i < kJointCount; ++i) {
        const auto& k = m_joints[static_cast<std::size_t>(i)];
        if (k) out.set(jointAt(i), {f(k->position), k->confidence});
    }
    return out;
}

Pose Pose::mirrored(float axisX) const {
    Pose out;
    for (int i = 0; i < kJointCount; ++i) {
        const auto& k = m_joints[static_cast<std::size_t>(i)];
        if (!k) continue;
        out.set(mirrorOf(jointAt(i)), {{2.f * axisX - k->position.x, k->position.y}, k->confidence});
    }
    return out;
}

bool Pose::operator==(const Pose& other) const {
    for (std::size_t i = 0; i < m_joints.size(); ++i) {
        const auto& a = m_joints[i];
        const auto& b = other.m_joints[i];
        if (a.has_value() != b.has_value()) return false;
        if (a && (a->position.x != b->position.x || a->position.y != b->position.y || a->confidence != b->confidence))
            return false;
    }
    return true;
}

std::optional<Point2> midHip(const Pose& p) {
    const auto r = p.find(JointId::RightHip), l = p.find(JointId::LeftHip);
    if (r && l) return Point2{(r->position.x + l->position.x) * 0.5f, (r->position.y + l->position.y) * 0.5f};
    if (r) return r->position;
    if (l) return l->position;
    return std::nullopt;
}

double torsoLength(const Pose& p) {
    const auto hips = midHip(p);
    if (p.has(JointId::Neck) && hips) {
        const Point2 neck = p.at(JointId::Neck).position;
        const double length = std::hypot(hips->x - neck.x, hips->y - neck.y);
        if (length > 1.0) return length;
    }
    const auto b = p.bounds();
    return b ? std::max(1.0, std::max(b->width, b->height) / 3.0) : 1.0;
}

void validate(const Pose& pose, const std::string& what) {
    for (int i = 0; i < kJointCount; ++i) {
        const auto k = pose.find(jointAt(i));
        if (!k) continue;
        const char* name = jointLabel(jointAt(i));
        std::ostringstream where;
        where << what << ": " << name << " at (" << k->position.x << ", " << k->position.y << ")";
        if (!isFinite(k->position)) throw Error(where.str() + " is not a finite number");
        if (k->position.x < 0.f || k->position.y < 0.f) throw Error(where.str() + " has a negative coordinate");
        if (k->position.x > kMaxCoordinate || k->position.y > kMaxCoordinate)
            throw Error(where.str() + " is beyond the largest supported image");
        if (!std::isfinite(k->confidence) || k->confidence < 0.f)
            throw Error(what + ": " + name + " has an invalid confidence");
    }
}

std::optional<double> medianJointDistance(const Pose& a, const Pose& b, const std::function<bool(JointId)>& counts) {
    std::vector<double> distances;
    for (int j = 0; j < kJointCount; ++j) {
        const JointId joint = jointAt(j);
        if (!a.has(joint) || !b.has(joint) || (counts && !counts(joint))) continue;
        const Point2 p = a.at(joint).position, q = b.at(joint).position;
        distances.push_back(std::hypot(p.x - q.x, p.y - q.y));
    }
    if (distances.empty()) return std::nullopt;
    std::nth_element(distances.begin(), distances.begin() + static_cast<std::ptrdiff_t>(distances.size() / 2),
                     distances.end());
    return distances[distances.size() / 2];
}

}  // namespace marionette::pose

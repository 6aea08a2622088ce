#pragma once
// The skeleton drawn over a photo: one item per joint and per bone, in OpenPose's colours. Joints keep
// their size on screen at any zoom. The items only draw; the canvas decides what a mouse gesture does.
#include "marionette/face/landmarks.h"
#include "marionette/pose/pose.h"

#include <QGraphicsEllipseItem>
#include <QGraphicsLineItem>
#include <QPointF>

#include <array>
#include <optional>

class QGraphicsScene;
class QGraphicsPathItem;

namespace marionette::ui {

// Scene coordinates put pixel i's square at [i, i + 1); skeletons put pixel centres at integers (OpenPose).
inline QPointF toScene(Point2 p) { return {p.x + 0.5, p.y + 0.5}; }
inline Point2 fromScene(QPointF p) { return {static_cast<float>(p.x() - 0.5), static_cast<float>(p.y() - 0.5)}; }

class JointItem : public QGraphicsEllipseItem {
public:
    static constexpr double kRadius = 5.5;  // screen pixels
    explicit JointItem(pose::JointId joint);
    pose::JointId joint() const { return m_joint; }
    void setHighlighted(bool on);

private:
    pose::JointId m_joint;
};

class BoneItem : public QGraphicsLineItem {
public:
    static constexpr double kWidth = 4.0;  // screen pixels
    explicit BoneItem(int limbIndex);
    int limbIndex() const { return m_limbIndex; }
    void setHighlighted(bool on);

private:
    int m_limbIndex;
    QColor m_colour;
};

// All joints and bones of one skeleton in a scene.
class SkeletonItems {
public:
    SkeletonItems(QGraphicsScene* scene, double z);
    void setPose(const pose::Pose& pose);
    void setVisible(bool visible);
    void setOpacity(double opacity);
    void highlight(std::optional<pose::JointId> joint, std::optional<int> limb);

private:
    std::array<JointItem*, pose::kJointCount> m_joints{};
    std::array<BoneItem*, pose::kLimbCount> m_bones{};
};

// 68 face landmarks over a photo: one polyline per part of the iBUG layout in its part colour, and a dot per
// landmark that keeps its size on screen. Only draws.
class FaceItems {
public:
    static constexpr double kRadius = 3.5;  // screen pixels
    FaceItems(QGraphicsScene* scene, double z);
    void setLandmarks(const face::FaceLandmarks& landmarks);
    void setVisible(bool visible);
    void highlight(std::optional<int> landmark);

private:
    std::array<QGraphicsEllipseItem*, face::kLandmarkCount> m_points{};
    std::array<QGraphicsPathItem*, face::kPartCount> m_lines{};
    bool m_visible = false;
};

}  // namespace marionette::ui

#include "skeleton_items.h"

#include <QBrush>
#include <QGraphicsPathItem>
#include <QGraphicsScene>
#include <QPainterPath>
#include <QPen>

namespace marionette::ui {
namespace {

QColor colourOf(pose::JointId joint) {
    const Rgb c = pose::jointColour(joint);
    return QColor(c.r, c.g, c.b);
}

}  // namespace

JointItem::JointItem(pose::JointId joint)
    : QGraphicsEllipseItem(-kRadius, -kRadius, 2 * kRadius, 2 * kRadius), m_joint(joint) {
    setFlag(QGraphicsItem::ItemIgnoresTransformations);
    setBrush(colourOf(joint));
    setHighlighted(false);
    setToolTip(QString::fromUtf8(pose::jointLabel(joint)));
    setAcceptedMouseButtons(Qt::NoButton);  // the canvas handles gestures
}

void JointItem::setHighlighted(bool on) {
    QPen pen(on ? Qt::white : QColor(20, 20, 20), on ? 2.5 : 1.5);
    pen.setCosmetic(true);
    setPen(pen);
    const double r = on ? kRadius * 1.35 : kRadius;
    setRect(-r, -r, 2 * r, 2 * r);
}

BoneItem::BoneItem(int limbIndex) : m_limbIndex(limbIndex) {
    m_colour = colourOf(pose::limbs()[static_cast<std::size_t>(limbIndex)].child);
    setHighlighted(false);
    setAcceptedMouseButtons(Qt::NoButton);
}

void BoneItem::setHighlighted(bool on) {
    QColor c = m_colour;
    c.setAlphaF(on ? 1.0 : 0.75);
    QPen pen(c, on ? kWidth * 1.6 : kWidth);
    pen.setCosmetic(true);
    pen.setCapStyle(Qt::RoundCap);
    setPen(pen);
}

SkeletonItems::SkeletonItems(QGraphicsScene* scene, double z) {
    for (int i = 0; i < pose::kLimbCount; ++i) {
        auto* bone = new BoneItem(i);
        bone->setZValue(z);
        scene->addItem(bone);
        m_bones[static_cast<std::size_t>(i)] = bone;
    }
    for (int i = 0; i < pose::kJointCount; ++i) {
        auto* joint = new JointItem(pose::jointAt(i));
        joint->setZValue(z + 1);
        scene->addItem(joint);
        m_joints[static_cast<std::size_t>(i)] = joint;
    }
}

void SkeletonItems::setPose(const pose::Pose& pose) {
    for (int i = 0; i < pose::kJointCount; ++i) {
        JointItem* item = m_joints[static_cast<std::size_t>(i)];
        const auto k = pose.find(pose::jointAt(i));
        item->setVisible(k.has_value());
        if (k) item->setPos(toScene(k->position));
    }
    for (int i = 0; i < pose::kLimbCount; ++i) {
        const pose::Limb& limb = pose::limbs()[static_cast<std::size_t>(i)];
        BoneItem* item = m_bones[static_cast<std::size_t>(i)];
        const auto a = pose.find(limb.parent), b = pose.find(limb.child);
        item->setVisible(a && b);
        if (a && b) item->setLine(QLineF(toScene(a->position), toScene(b->position)));
    }
}

void SkeletonItems::setVisible(bool visible) {
    for (auto* j : m_joints) j->setOpacity(visible ? 1.0 : 0.0);
    for (auto* b : m_bones) b->setOpacity(visible ? 1.0 : 0.0);
}

void SkeletonItems::setOpacity(double opacity) {
    for (auto* j : m_joints) j->setOpacity(opacity);
    for (auto* b : m_bones) b->setOpacity(opacity);
}

void SkeletonItems::highlight(std::optional<pose::JointId> joint, std::optional<int> limb) {
    for (auto* j : m_joints) j->setHighlighted(joint && j->joint() == *joint);
    for (auto* b : m_bones) b->setHighlighted(limb && b->limbIndex() == *limb);
}

FaceItems::FaceItems(QGraphicsScene* scene, double z) {
    for (int k = 0; k < face::kPartCount; ++k) {
        const face::PartRange& part = face::faceParts()[static_cast<std::size_t>(k)];
        QPen pen(QColor(part.colour.r, part.colour.g, part.colour.b, 210), 1.5);
        pen.setCosmetic(true);
        auto* line = scene->addPath(QPainterPath(), pen);
        line->setZValue(z);
        line->setAcceptedMouseButtons(Qt::NoButton);
        line->setToolTip(QString::fromUtf8(part.label));
        m_lines[static_cast<std::size_t>(k)] = line;
    }
    for (int i = 0; i < face::kLandmarkCount; ++i) {
        auto* dot = new QGraphicsEllipseItem(-kRadius, -kRadius, 2 * kRadius, 2 * kRadius);
        const Rgb c = face::partInfo(face::partOf(i)).colour;
        dot->setBrush(QColor(c.r, c.g, c.b));
        QPen pen(QColor(20, 20, 20), 1.0);
        pen.setCosmetic(true);
        dot->setPen(pen);
        dot->setFlag(QGraphicsItem::ItemIgnoresTransformations);
        dot->setAcceptedMouseButtons(Qt::NoButton);
        dot->setZValue(z + 1);
        dot->setToolTip(QStringLiteral("%1 %2").arg(QString::fromUtf8(face::partInfo(face::partOf(i)).label)).arg(i));
        scene->addItem(dot);
        m_points[static_cast<std::size_t>(i)] = dot;
    }
    setVisible(false);
}

void FaceItems::setLandmarks(const face::FaceLandmarks& landmarks) {
    for (int i = 0; i < face::kLandmarkCount; ++i)
        m_points[static_cast<std::size_t>(i)]->setPos(toScene(landmarks.points[static_cast<std::size_t>(i)]));
    for (int k = 0; k < face::kPartCount; ++k) {
        const face::PartRange& part = face::faceParts()[static_cast<std::size_t>(k)];
        QPainterPath path(toScene(landmarks.points[static_cast<std::size_t>(part.first)]));
        for (int i = part.first + 1; i <= part.last; ++i)
            path.lineTo(toScene(landmarks.points[static_cast<std::size_t>(i)]));
        if (part.closed) path.closeSubpath();
        m_lines[static_cast<std::size_t>(k)]->setPath(path);
    }
}

void FaceItems::setVisible(bool visible) {
    m_visible = visible;
    for (auto* p : m_points) p->setVisible(visible);
    for (auto* l : m_lines) l->setVisible(visible);
}

void FaceItems::highlight(std::optional<int> landmark) {
    for (int i = 0; i < face::kLandmarkCount; ++i) {
        auto* dot = m_points[static_cast<std::size_t>(i)];
        const bool on = landmark && *landmark == i;
        const double r = on ? kRadius * 1.6 : kRadius;
        dot->setRect(-r, -r, 2 * r, 2 * r);
        QPen pen(on ? Qt::white : QColor(20, 20, 20), on ? 2.0 : 1.0);
        pen.setCosmetic(true);
        dot->setPen(pen);
    }
}

}  // namespace marionette::ui

#include "pose_canvas.h"
#include "marionette/ui/photo_point.h"

#include "skeleton_items.h"

#include <QContextMenuEvent>
#include <QGraphicsPathItem>
#include <QGraphicsPixmapItem>
#include <QGraphicsRectItem>
#include <QGraphicsScene>
#include <QGraphicsSimpleTextItem>
#include <QKeyEvent>
#include <QMouseEvent>
#include <QPainterPath>
#include <QScrollBar>
#include <QWheelEvent>

#include <cmath>

namespace marionette::ui {
namespace {

constexpr double kJointPickRadius = JointItem::kRadius + 4.0;  // viewport pixels
constexpr double kBonePickDistance = 6.0;
constexpr double kMinZoom = 0.02, kMaxZoom = 40.0;

double distanceToSegment(QPointF p, QPointF a, QPointF b) {
    return marionette::distanceToSegment(toPoint2(p), toPoint2(a), toPoint2(b));
}

}  // namespace

QString lowerJointLabel(pose::JointId joint) { return QString::fromUtf8(pose::jointLabel(joint)).toLower(); }

PoseCanvas::PoseCanvas(QWidget* parent) : QGraphicsView(parent), m_scene(new QGraphicsScene(this)) {
    setScene(m_scene);
    setRenderHints(QPainter::Antialiasing | QPainter::SmoothPixmapTransform);
    setBackgroundBrush(QColor(38, 38, 40));
    setTransformationAnchor(QGraphicsView::AnchorUnderMouse);
    setResizeAnchor(QGraphicsView::AnchorViewCenter);
    setViewportUpdateMode(QGraphicsView::SmartViewportUpdate);
    setMouseTracking(true);
    setFocusPolicy(Qt::StrongFocus);
    setFrameShape(QFrame::NoFrame);

    m_photoItem = m_scene->addPixmap(QPixmap());
    m_photoItem->setTransformationMode(Qt::SmoothTransformation);
    m_photoItem->setZValue(0);
    // The crop may reach past the photo (a pose wider than the photo allows); paste-back only touches the
    // photo, so the result and the maps are clipped to it.
    m_photoClip = m_scene->addRect(QRectF(), Qt::NoPen, Qt::NoBrush);
    m_photoClip->setFlag(QGraphicsItem::ItemClipsChildrenToShape);
    m_photoClip->setZValue(1);
    m_resultItem = new QGraphicsPixmapItem(m_photoClip);
    m_resultItem->setTransformationMode(Qt::SmoothTransformation);
    m_resultItem->setZValue(0);
    m_mapItem = new QGraphicsPixmapItem(m_photoClip);
    m_mapItem->setTransformationMode(Qt::SmoothTransformation);
    m_mapItem->setZValue(1);
    m_mapItem->setVisible(false);

    // Before/after: the original photo, clipped to the part left of the split line, above the result.
    m_beforeClip = m_scene->addRect(QRectF(), Qt::NoPen, Qt::NoBrush);
    m_beforeClip->setFlag(QGraphicsItem::ItemClipsChildrenToShape);
    m_beforeClip->setZValue(3);
    m_beforeItem = new QGraphicsPixmapItem(m_beforeClip);
    m_beforeItem->setTransformationMode(Qt::SmoothTransformation);
    QPen splitPen(Qt::white, 2);
    splitPen.setCosmetic(true);
    m_splitLine = m_scene->addLine(QLineF(), splitPen);
    m_splitLine->setZValue(4);
    for (auto** label : {&m_beforeLabel, &m_afterLabel}) {
        *label = m_scene->addSimpleText(label == &m_beforeLabel ? tr("Before") : tr("After"));
        (*label)->setBrush(Qt::white);
        (*label)->setPen(QPen(QColor(0, 0, 0, 160), 0.6));
        QFont font = (*label)->font();
        font.setBold(true);
        font.setPointSize(11);
        (*label)->setFont(font);
        (*label)->setFlag(QGraphicsItem::ItemIgnoresTransformations);
        (*label)->setZValue(4);
    }

    QPainterPath cross;
    cross.addEllipse(QPointF(), 7, 7);
    cross.moveTo(-12, 0);
    cross.lineTo(12, 0);
    cross.moveTo(0, -12);
    cross.lineTo(0, 12);
    m_marker = m_scene->addPath(cross, QPen(Qt::white, 2));
    m_marker->setFlag(QGraphicsItem::ItemIgnoresTransformations);
    m_marker->setZValue(20);
    m_marker->setVisible(false);

    m_skeleton = std::make_unique<SkeletonItems>(m_scene, 10);
    m_face = std::make_unique<FaceItems>(m_scene, 10);
    updateSplitItems();
}

PoseCanvas::~PoseCanvas() = default;

void PoseCanvas::setPhoto(const QImage& photo) {
    const QPixmap pixmap = QPixmap::fromImage(photo);
    m_photoItem->setPixmap(pixmap);
    m_beforeItem->setPixmap(pixmap);
    m_photoSize = photo.size();
    m_scene->setSceneRect(QRectF(QPointF(0, 0), QSizeF(photo.size())));
    m_photoClip->setRect(m_scene->sceneRect());
    clearResult();
    m_drag.reset();
    m_selectedJoint.reset();
    m_autoFit = true;
    updateSplitItems();
    fitToWindow();
}

void PoseCanvas::setPose(const pose::Pose& pose) {
    m_pose = pose;
    m_skeleton->setPose(pose);
}

void PoseCanvas::setLocks(bool symmetric, bool keepBoneLengths) {
    m_symmetricLock = symmetric;
    m_keepLengthsLock = keepBoneLengths;
}

void PoseCanvas::setFaceMode(bool on) {
    if (m_drag) m_drag.reset();
    m_faceMode = on;
    m_skeleton->setVisible(!on);
    m_face->setVisible(on);
    m_face->highlight(std::nullopt);
    m_skeleton->highlight(std::nullopt, std::nullopt);
}

void PoseCanvas::setLandmarks(const face::FaceLandmarks& landmarks) {
    m_landmarks = landmarks;
    m_face->setLandmarks(landmarks);
}

void PoseCanvas::setResult(const QImage& image, const QRectF& cropBox) {
    if (image.isNull() || cropBox.isEmpty()) {
        m_resultItem->setPixmap(QPixmap());
        m_resultItem->setVisible(false);
        return;
    }
    m_resultItem->setPixmap(QPixmap::fromImage(image));
    m_resultItem->setPos(cropBox.topLeft());
    m_resultItem->setTransform(
        QTransform::fromScale(cropBox.width() / image.width(), cropBox.height() / image.height()));
    m_resultItem->setVisible(true);
}

void PoseCanvas::clearResult() {
    m_resultItem->setPixmap(QPixmap());
    m_resultItem->setVisible(false);
    m_mapItem->setVisible(false);
}

void PoseCanvas::setMapOverlay(const QImage& image, const QRectF& box, double opacity) {
    if (image.isNull()) {
        m_mapItem->setVisible(false);
        return;
    }
    m_mapItem->setPixmap(QPixmap::fromImage(image));
    m_mapItem->setPos(box.topLeft());
    m_mapItem->setTransform(QTransform::fromScale(box.width() / image.width(), box.height() / image.height()));
    m_mapItem->setOpacity(opacity);
    m_mapItem->setVisible(true);
}

void PoseCanvas::setMapOpacity(double opacity) { m_mapItem->setOpacity(opacity); }

void PoseCanvas::setSplit(bool enabled, double fraction) {
    m_splitEnabled = enabled;
    m_splitFraction = std::clamp(fraction, 0.0, 1.0);
    updateSplitItems();
}

void PoseCanvas::updateSplitItems() {
    const double w = m_photoSize.width(), h = m_photoSize.height();
    const double x = m_splitFraction * w;
    m_beforeClip->setRect(0, 0, x, h);
    m_splitLine->setLine(x, 0, x, h);
    const double labelMargin = 6.0 / std::max(zoom(), 1e-6);
    m_beforeLabel->setPos(
        std::max(0.0, x - labelMargin - m_beforeLabel->boundingRect().width() / std::max(zoom(), 1e-6)), labelMargin);
    m_afterLabel->setPos(x + labelMargin, labelMargin);
    for (QGraphicsItem* item :
         std::initializer_list<QGraphicsItem*>{m_beforeClip, m_splitLine, m_beforeLabel, m_afterLabel})
        item->setVisible(m_splitEnabled && !m_photoSize.isEmpty());
}

void PoseCanvas::setMarker(std::optional<QPointF> photoPoint) {
    m_marker->setVisible(photoPoint.has_value());
    if (photoPoint) m_marker->setPos(toScene(toPoint2(*photoPoint)));
}

void PoseCanvas::fitToWindow() {
    if (m_photoSize.isEmpty()) return;
    fitInView(m_scene->sceneRect(), Qt::KeepAspectRatio);
    m_autoFit = true;
    updateSplitItems();
}

void PoseCanvas::actualSize() {
    resetTransform();
    m_autoFit = false;
    updateSplitItems();
}

double PoseCanvas::zoom() const { return transform().m11(); }

void PoseCanvas::zoomBy(double factor) {
    const double target = std::clamp(zoom() * factor, kMinZoom, kMaxZoom);
    scale(target / zoom(), target / zoom());
    m_autoFit = false;
    updateSplitItems();
}

QPoint PoseCanvas::viewportPositionOf(pose::JointId joint) const {
    return mapFromScene(toScene(m_pose.at(joint).position));
}

QPoint PoseCanvas::viewportPositionOfPhotoPoint(QPointF p) const { return mapFromScene(toScene(toPoint2(p))); }

QPoint PoseCanvas::viewportPositionOfLandmark(int landmark) const {
    return mapFromScene(toScene(m_landmarks.points[static_cast<std::size_t>(landmark)]));
}

std::optional<int> PoseCanvas::landmarkAt(const QPoint& position) const {
    if (!m_faceMode || !m_landmarksEditable) return std::nullopt;
    std::optional<int> best;
    double bestDistance = FaceItems::kRadius + 4.0;
    for (int i = 0; i < face::kLandmarkCount; ++i) {
        const QPointF p = mapFromScene(toScene(m_landmarks.points[static_cast<std::size_t>(i)]));
        const double d = std::hypot(p.x() - position.x(), p.y() - position.y());
        if (d <= bestDistance) {
            bestDistance = d;
            best = i;
        }
    }
    return best;
}

std::optional<pose::JointId> PoseCanvas::jointAt(const QPoint& position) const {
    if (m_faceMode) return std::nullopt;
    std::optional<pose::JointId> best;
    double bestDistance = kJointPickRadius;
    for (int i = 0; i < pose::kJointCount; ++i) {
        const auto k = m_pose.find(pose::jointAt(i));
        if (!k) continue;
        const QPointF p = mapFromScene(toScene(k->position));
        const double d = std::hypot(p.x() - position.x(), p.y() - position.y());
        if (d <= bestDistance) {
            bestDistance = d;
            best = pose::jointAt(i);
        }
    }
    return best;
}

std::optional<int> PoseCanvas::limbAt(const QPoint& position) const {
    if (m_faceMode) return std::nullopt;
    std::optional<int> best;
    double bestDistance = kBonePickDistance;
    for (int i = 0; i < pose::kLimbCount; ++i) {
        const pose::Limb& limb = pose::limbs()[static_cast<std::size_t>(i)];
        const auto a = m_pose.find(limb.parent), b = m_pose.find(limb.child);
        if (!a || !b) continue;
        const double d =
            distanceToSegment(position, mapFromScene(toScene(a->position)), mapFromScene(toScene(b->position)));
        if (d <= bestDistance) {
            bestDistance = d;
            best = i;
        }
    }
    return best;
}

pose::Pose PoseCanvas::dragged(const Drag& drag, const QPointF& scene, Qt::KeyboardModifiers modifiers) const {
    const bool symmetric = m_symmetricLock || modifiers.testFlag(Qt::ShiftModifier);
    const bool keepLengths = m_keepLengthsLock || modifiers.testFlag(Qt::AltModifier);
    const QPointF delta = scene - drag.pressScene;
    pose::Pose out;
    if (drag.kind == Drag::Kind::Joint) {
        const Point2 to{static_cast<float>(drag.jointStart.x + delta.x()),
                        static_cast<float>(drag.jointStart.y + delta.y())};
        out = edit::moveJoint(drag.start, drag.joint, to, {symmetric, keepLengths});
    } else {
        const pose::Limb& limb = pose::limbs()[static_cast<std::size_t>(drag.limb)];
        out = edit::rotateLimb(drag.start, limb, fromScene(drag.pressScene), fromScene(scene), symmetric);
    }
    return edit::clampedTo(out, ImageSize{m_photoSize.width(), m_photoSize.height()});
}

QString PoseCanvas::gestureName(const Drag& drag) const {
    if (drag.kind == Drag::Kind::Joint) return tr("Move %1%2").arg(m_namePrefix, lowerJointLabel(drag.joint));
    const pose::Limb& limb = pose::limbs()[static_cast<std::size_t>(drag.limb)];
    return tr("Rotate %1%2 about %3").arg(m_namePrefix, lowerJointLabel(limb.child), lowerJointLabel(limb.parent));
}

void PoseCanvas::setPanning(bool on) {
    if (on)
        viewport()->setCursor(m_drag && m_drag->kind == Drag::Kind::Pan ? Qt::ClosedHandCursor : Qt::OpenHandCursor);
    else
        viewport()->unsetCursor();
}

void PoseCanvas::updateHover(const QPoint& position) {
    if (m_spaceHeld) return;
    if (m_faceMode) {
        const auto landmark = landmarkAt(position);
        m_face->highlight(landmark);
        if (landmark)
            viewport()->setCursor(Qt::OpenHandCursor);
        else if (m_pointPicking)
            viewport()->setCursor(Qt::CrossCursor);
        else
            viewport()->unsetCursor();
        return;
    }
    const auto joint = jointAt(position);
    const auto limb = joint ? std::nullopt : limbAt(position);
    m_skeleton->highlight(joint, limb);
    if (joint || limb)
        viewport()->setCursor(Qt::OpenHandCursor);
    else if (m_pointPicking)
        viewport()->setCursor(Qt::CrossCursor);
    else
        viewport()->unsetCursor();
}

void PoseCanvas::mousePressEvent(QMouseEvent* event) {
    const QPoint position = event->position().toPoint();
    if (m_drag) return;  // one gesture at a time
    if (event->button() == Qt::MiddleButton || (event->button() == Qt::LeftButton && m_spaceHeld)) {
        m_drag = Drag{Drag::Kind::Pan, pose::JointId::Neck, -1, -1, m_pose, mapToScene(position), {}, position, false};
        setPanning(true);
        event->accept();
        return;
    }
    if (event->button() != Qt::LeftButton || m_photoSize.isEmpty()) {
        QGraphicsView::mousePressEvent(event);
        return;
    }
    Drag drag;
    drag.start = m_pose;
    drag.pressScene = mapToScene(position);
    drag.lastViewport = position;
    if (const auto landmark = landmarkAt(position)) {
        drag.kind = Drag::Kind::Landmark;
        drag.landmark = *landmark;
        drag.jointStart = m_landmarks.points[static_cast<std::size_t>(*landmark)];
    } else if (const auto joint = jointAt(position)) {
        drag.kind = Drag::Kind::Joint;
        drag.joint = *joint;
        drag.jointStart = m_pose.at(*joint).position;
        m_selectedJoint = *joint;
    } else if (const auto limb = limbAt(position)) {
        drag.kind = Drag::Kind::Bone;
        drag.limb = *limb;
    } else if (m_pointPicking) {
        drag.kind = Drag::Kind::Pick;
        const Point2 p = fromScene(drag.pressScene);
        Q_EMIT pointPicked(toQPointF(p));
    } else {
        m_selectedJoint.reset();
        event->accept();
        return;
    }
    m_drag = drag;
    if (drag.kind != Drag::Kind::Pick) {
        viewport()->setCursor(Qt::ClosedHandCursor);
        Q_EMIT gestureStarted();
    }
    event->accept();
}

void PoseCanvas::mouseMoveEvent(QMouseEvent* event) {
    const QPoint position = event->position().toPoint();
    const QPointF scene = mapToScene(position);
    const Point2 photoPoint = fromScene(scene);
    if (!m_drag) {
        updateHover(position);
        QGraphicsView::mouseMoveEvent(event);
        return;
    }
    Drag& drag = *m_drag;
    switch (drag.kind) {
        case Drag::Kind::Pan: {
            const QPoint d = position - drag.lastViewport;
            horizontalScrollBar()->setValue(horizontalScrollBar()->value() - d.x());
            verticalScrollBar()->setValue(verticalScrollBar()->value() - d.y());
            m_autoFit = false;
            break;
        }
        case Drag::Kind::Pick:
            Q_EMIT pointPicked(toQPointF(photoPoint));
            break;
        case Drag::Kind::Landmark: {
            const QPointF delta = scene - drag.pressScene;
            const double x = std::clamp(drag.jointStart.x + delta.x(), 0.0, std::max(0, m_photoSize.width() - 1) * 1.0);
            const double y =
                std::clamp(drag.jointStart.y + delta.y(), 0.0, std::max(0, m_photoSize.height() - 1) * 1.0);
            drag.moved = true;
            Q_EMIT landmarkDragged(drag.landmark, QPointF(x, y));
            break;
        }
        case Drag::Kind::Joint:
        case Drag::Kind::Bone: {
            const pose::Pose live = dragged(drag, scene, event->modifiers());
            if (!(live == m_pose)) {
                drag.moved = true;
                setPose(live);
                Q_EMIT poseDragged(live);
            }
            break;
        }
    }
    drag.lastViewport = position;
    event->accept();
}

void PoseCanvas::mouseReleaseEvent(QMouseEvent* event) {
    if (!m_drag) {
        QGraphicsView::mouseReleaseEvent(event);
        return;
    }
    const bool ends = m_drag->kind == Drag::Kind::Pan
                          ? event->button() == Qt::MiddleButton || event->button() == Qt::LeftButton
                          : event->button() == Qt::LeftButton;
    if (!ends) {  // another button let go during a drag
        event->accept();
        return;
    }
    const Drag drag = *m_drag;
    m_drag.reset();
    if (drag.kind == Drag::Kind::Landmark) {
        Q_EMIT landmarkGestureFinished(
            drag.landmark, tr("Move %1 landmark %2")
                               .arg(QString::fromUtf8(face::partInfo(face::partOf(drag.landmark)).label).toLower())
                               .arg(drag.landmark));
    }
    if (drag.kind == Drag::Kind::Joint || drag.kind == Drag::Kind::Bone) {
        const pose::Pose after = m_pose;
        Q_EMIT gestureFinished(drag.start, after, gestureName(drag));
    }
    if (m_spaceHeld)
        setPanning(true);
    else
        updateHover(event->position().toPoint());
    event->accept();
}

void PoseCanvas::wheelEvent(QWheelEvent* event) {
    const double steps = event->angleDelta().y() / 120.0;
    if (steps == 0.0) return;
    // Zoom to the cursor: the photo point under it stays under it (as far as the scroll range allows).
    const QPointF position = event->position();
    const QPointF scenePoint = mapToScene(position.toPoint());
    setTransformationAnchor(QGraphicsView::NoAnchor);
    zoomBy(std::pow(1.2, steps));
    setTransformationAnchor(QGraphicsView::AnchorUnderMouse);
    const QPointF drift = QPointF(mapFromScene(scenePoint)) - position;
    horizontalScrollBar()->setValue(horizontalScrollBar()->value() + static_cast<int>(std::lround(drift.x())));
    verticalScrollBar()->setValue(verticalScrollBar()->value() + static_cast<int>(std::lround(drift.y())));
    updateSplitItems();
    event->accept();
}

void PoseCanvas::keyPressEvent(QKeyEvent* event) {
    if (event->key() == Qt::Key_Space) {
        if (!event->isAutoRepeat()) {
            m_spaceHeld = true;
            setPanning(true);
        }
        event->accept();
        return;
    }
    const bool arrow = event->key() == Qt::Key_Left || event->key() == Qt::Key_Right || event->key() == Qt::Key_Up ||
                       event->key() == Qt::Key_Down;
    if (arrow && !m_faceMode && m_selectedJoint && m_pose.has(*m_selectedJoint) && !m_drag) {
        const float step = event->modifiers().testFlag(Qt::ShiftModifier) ? 10.f : 1.f;
        Point2 p = m_pose.at(*m_selectedJoint).position;
        if (event->key() == Qt::Key_Left) p.x -= step;
        if (event->key() == Qt::Key_Right) p.x += step;
        if (event->key() == Qt::Key_Up) p.y -= step;
        if (event->key() == Qt::Key_Down) p.y += step;
        const pose::Pose before = m_pose;
        const pose::Pose after =
            edit::clampedTo(edit::moveJoint(before, *m_selectedJoint, p, {m_symmetricLock, m_keepLengthsLock}),
                            ImageSize{m_photoSize.width(), m_photoSize.height()});
        if (!(after == before)) {
            setPose(after);
            Q_EMIT poseNudged(before, after, *m_selectedJoint,
                              tr("Move %1%2").arg(m_namePrefix, lowerJointLabel(*m_selectedJoint)));
        }
        event->accept();
        return;
    }
    QGraphicsView::keyPressEvent(event);
}

void PoseCanvas::keyReleaseEvent(QKeyEvent* event) {
    if (event->key() == Qt::Key_Space && !event->isAutoRepeat()) {
        m_spaceHeld = false;
        if (!m_drag || m_drag->kind != Drag::Kind::Pan) setPanning(false);
        event->accept();
        return;
    }
    QGraphicsView::keyReleaseEvent(event);
}

void PoseCanvas::focusOutEvent(QFocusEvent* event) {
    m_spaceHeld = false;
    QGraphicsView::focusOutEvent(event);
}

void PoseCanvas::resizeEvent(QResizeEvent* event) {
    QGraphicsView::resizeEvent(event);
    if (m_autoFit) fitToWindow();
}

void PoseCanvas::contextMenuEvent(QContextMenuEvent* event) {
    if (m_drag || m_photoSize.isEmpty()) return;
    if (m_faceMode) return;
    const QPointF photoPoint = toQPointF(fromScene(mapToScene(event->pos())));
    if (const auto joint = jointAt(event->pos()))
        Q_EMIT jointMenuRequested(*joint, event->globalPos());
    else if (const auto limb = limbAt(event->pos()))
        Q_EMIT limbMenuRequested(*limb, photoPoint, event->globalPos());
    else
        Q_EMIT backgroundMenuRequested(photoPoint, event->globalPos());
    event->accept();
}

}  // namespace marionette::ui

#pragma once
// A photo with a skeleton on top that the user edits with the mouse: the result view (target skeleton over
// the synthesised person) and the reference view (the photo's own skeleton). Zoom to the cursor with the
// wheel, pan with space-drag (or the middle button), fit with fitToWindow(). Optional layers: the
// synthesised crop pasted over the photo, a map over it, and the before/after split.
#include "marionette/edit/pose_editing.h"
#include "marionette/face/landmarks.h"
#include "marionette/pose/pose.h"

#include <QGraphicsView>
#include <QImage>

#include <memory>
#include <optional>

class QGraphicsPixmapItem;
class QGraphicsRectItem;
class QGraphicsLineItem;
class QGraphicsSimpleTextItem;
class QGraphicsPathItem;

namespace marionette::ui {

// A joint's name as it reads inside a sentence ("right wrist").
QString lowerJointLabel(pose::JointId joint);

class SkeletonItems;
class FaceItems;

class PoseCanvas : public QGraphicsView {
    Q_OBJECT
public:
    explicit PoseCanvas(QWidget* parent = nullptr);
    ~PoseCanvas() override;

    void setPhoto(const QImage& photo);
    void setPose(const pose::Pose& pose);
    const pose::Pose& pose() const { return m_pose; }
    // "Move right wrist" becomes "Move <prefix>right wrist" (the reference view says "reference ").
    void setGestureNamePrefix(const QString& prefix) { m_namePrefix = prefix; }
    void setLocks(bool symmetric, bool keepBoneLengths);
    // Portrait mode: face landmarks instead of the skeleton; dragging a landmark moves it alone.
    void setFaceMode(bool on);
    void setLandmarks(const face::FaceLandmarks& landmarks);
    const face::FaceLandmarks& landmarks() const { return m_landmarks; }
    void setLandmarksEditable(bool on) { m_landmarksEditable = on; }

    // The result (ARGB, alpha = paste-back weights) stretched over `cropBox` (photo pixels, pixel edges), at
    // whatever size it has: the network's canvas-size crop, or Hybrid's changed pixels at the photo's own size.
    // A null image shows the photo alone (the map overlay stays).
    void setResult(const QImage& image, const QRectF& cropBox);
    void clearResult();
    // A map drawn over `box` at `opacity`; a null image hides it.
    void setMapOverlay(const QImage& image, const QRectF& box, double opacity);
    void setMapOpacity(double opacity);
    // Before/after: the original photo left of `fraction` of the width, the result right of it.
    void setSplit(bool enabled, double fraction);
    bool splitEnabled() const { return m_splitEnabled; }
    // A cross at a photo point (the attention point), or none.
    void setMarker(std::optional<QPointF> photoPoint);
    // Left presses on empty space pick points (pointPicked) instead of doing nothing.
    void setPointPicking(bool on) { m_pointPicking = on; }

    void fitToWindow();
    void actualSize();
    void zoomBy(double factor);
    double zoom() const;

    // Where a joint is drawn, in viewport coordinates (tests drive the mouse with these).
    QPoint viewportPositionOf(pose::JointId joint) const;
    QPoint viewportPositionOfPhotoPoint(QPointF photoPoint) const;
    QPoint viewportPositionOfLandmark(int landmark) const;

Q_SIGNALS:
    void gestureStarted();
    void poseDragged(const pose::Pose& pose);
    void gestureFinished(const pose::Pose& before, const pose::Pose& after, const QString& name);
    void poseNudged(const pose::Pose& before, const pose::Pose& after, pose::JointId joint, const QString& name);
    void jointMenuRequested(pose::JointId joint, const QPoint& globalPosition);
    // A bone (pose::limbs()[limb]) right-clicked at `photoPoint`.
    void limbMenuRequested(int limb, const QPointF& photoPoint, const QPoint& globalPosition);
    void backgroundMenuRequested(const QPointF& photoPoint, const QPoint& globalPosition);
    void pointPicked(const QPointF& photoPoint);
    // A landmark drag (portrait mode): gestureStarted, then where the landmark is now, then its end.
    void landmarkDragged(int landmark, const QPointF& photoPoint);
    void landmarkGestureFinished(int landmark, const QString& name);

protected:
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;
    void wheelEvent(QWheelEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;
    void keyReleaseEvent(QKeyEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    void contextMenuEvent(QContextMenuEvent* event) override;
    void focusOutEvent(QFocusEvent* event) override;

private:
    struct Drag {
        enum class Kind { Joint, Bone, Pan, Pick, Landmark } kind = Kind::Joint;
        pose::JointId joint = pose::JointId::Neck;
        int limb = -1;
        int landmark = -1;
        pose::Pose start;
        QPointF pressScene;
        Point2 jointStart;
        QPoint lastViewport;
        bool moved = false;
    };

    std::optional<pose::JointId> jointAt(const QPoint& viewportPosition) const;
    std::optional<int> limbAt(const QPoint& viewportPosition) const;
    std::optional<int> landmarkAt(const QPoint& viewportPosition) const;
    pose::Pose dragged(const Drag& drag, const QPointF& scene, Qt::KeyboardModifiers modifiers) const;
    QString gestureName(const Drag& drag) const;
    void updateHover(const QPoint& viewportPosition);
    void updateSplitItems();
    void setPanning(bool on);

    QGraphicsScene* m_scene;
    QGraphicsPixmapItem* m_photoItem;
    QGraphicsRectItem* m_photoClip;
    QGraphicsPixmapItem* m_resultItem;
    QGraphicsPixmapItem* m_mapItem;
    QGraphicsRectItem* m_beforeClip;
    QGraphicsPixmapItem* m_beforeItem;
    QGraphicsLineItem* m_splitLine;
    QGraphicsSimpleTextItem* m_beforeLabel;
    QGraphicsSimpleTextItem* m_afterLabel;
    QGraphicsPathItem* m_marker;
    std::unique_ptr<SkeletonItems> m_skeleton;
    std::unique_ptr<FaceItems> m_face;
    face::FaceLandmarks m_landmarks;
    bool m_faceMode = false;
    bool m_landmarksEditable = true;

    pose::Pose m_pose;
    QSize m_photoSize;
    QString m_namePrefix;
    bool m_symmetricLock = false;
    bool m_keepLengthsLock = false;
    bool m_splitEnabled = false;
    double m_splitFraction = 0.5;
    bool m_pointPicking = false;
    bool m_autoFit = true;
    bool m_spaceHeld = false;
    std::optional<Drag> m_drag;
    std::optional<pose::JointId> m_selectedJoint;
};

}  // namespace marionette::ui

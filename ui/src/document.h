#pragma once
// The open edit: the photo, the reference and target skeletons (photo pixels) and the undo stack. Owned by
// the GUI thread. Commands change it; canvases redraw from it. Every change a render depends on bumps the
// generation, which requests carry so that the window can tell an up-to-date result from a stale one.
#include "marionette/deform/body_parts.h"
#include "marionette/edit/edit_document.h"
#include "marionette/edit/portrait.h"
#include "marionette/edit/repose_session.h"
#include "marionette/pose/pose.h"

#include <QImage>
#include <QObject>
#include <QString>
#include <QUndoStack>

#include <opencv2/core.hpp>

#include <array>
#include <memory>

namespace marionette::ui {

// Both skeletons of an edit: what one undo step saves and restores.
struct PosePair {
    pose::Pose reference;
    pose::Pose target;
    bool operator==(const PosePair& o) const { return reference == o.reference && target == o.target; }
    bool operator!=(const PosePair& o) const { return !(*this == o); }
};

// Which semantics the edit changes: the body's skeleton or the face's parameters and landmarks.
enum class EditMode { Body, Portrait };

// A portrait edit's target: the face parameters (head pose, expressions) and the landmark drags added to the
// landmarks they give. What one portrait undo step saves and restores.
struct PortraitState {
    face::FaceParameters parameters;
    std::array<Point2, face::kLandmarkCount> offsets{};  // photo pixels
    bool operator==(const PortraitState& o) const;
    bool operator!=(const PortraitState& o) const { return !(*this == o); }
};

class Document : public QObject {
    Q_OBJECT
public:
    explicit Document(QObject* parent = nullptr);

    bool hasPhoto() const { return !m_photo.empty(); }
    // Replaces everything (a newly opened photo; the depth order goes back to automatic, the method stays);
    // clears the undo history.
    void reset(const QString& photoPath, const cv::Mat& photo, const QImage& photoImage, const QString& sha256,
               const PosePair& poses);

    const QString& photoPath() const { return m_photoPath; }
    QString documentPath() const;  // the edit beside the photo
    const cv::Mat& photo() const { return m_photo; }
    const QImage& photoImage() const { return m_photoImage; }
    QSize photoSize() const { return m_photoImage.size(); }
    const QString& sha256() const { return m_sha256; }
    quint64 photoId() const { return m_photoId; }
    // What the current mode's render depends on: the photo, the mode and the method, and the body edit
    // (skeletons, depth order) in body mode or the portrait edit in portrait mode. An edit of the other mode
    // (an undo of a portrait step while the body is shown) leaves it as it was, so the frame shown stays current.
    quint64 generation() const;

    EditMode mode() const { return m_mode; }
    // Not an edit (no undo step): which semantics the window shows and edits. Bumps the generation.
    void setMode(EditMode mode);

    // The photo's face (null when none was found) and the portrait edit of it.
    const std::shared_ptr<const edit::PortraitFace>& face() const { return m_face; }
    void setFace(std::shared_ptr<const edit::PortraitFace> face, const PortraitState& state);
    const PortraitState& portrait() const { return m_portrait; }
    // The face's landmarks as photographed and as edited (photo pixels); empty landmarks without a face.
    const face::FaceLandmarks& portraitReference() const;
    const face::FaceLandmarks& portraitTarget() const { return m_portraitTarget; }
    // Live changes and the portrait commands go through here. Throws marionette::Error for out-of-range
    // parameters (the document then stays as it was).
    void setPortrait(const PortraitState& state);
    // The state whose target is `target` under the current face (parameters kept, offsets taking the difference).
    PortraitState stateFor(const face::FaceParameters& parameters, const face::FaceLandmarks& target) const;

    const pose::Pose& reference() const { return m_poses.reference; }
    const pose::Pose& target() const { return m_poses.target; }
    const PosePair& poses() const { return m_poses; }
    // Live changes (while dragging) and the commands' redo/undo go through here; no undo step is made.
    void setPoses(const PosePair& poses);
    void setTarget(const pose::Pose& target) { setPoses({m_poses.reference, target}); }

    // How body edits are drawn: not an undo step (a choice of the Model menu), but saved with the edit.
    edit::ReposeMethod method() const { return m_method; }
    void setMethod(edit::ReposeMethod method);
    // Which limbs are drawn in front of or behind the trunk (Hybrid); DepthCommand's redo/undo go through here.
    const deform::DepthOrder& depth() const { return m_depth; }
    void setDepth(const deform::DepthOrder& depth);

    QUndoStack* undoStack() { return &m_undoStack; }
    bool isModified() const { return !m_undoStack.isClean(); }

    // The edit as saved (core's format), with the photo path relative to the document when beside it and
    // the crop box a model with this canvas reads.
    edit::EditDocument toEditDocument(const QString& documentPath, const QString& weightsId, ImageSize canvas) const;

Q_SIGNALS:
    void photoChanged();
    void referenceChanged();
    void targetChanged();
    void portraitChanged();
    void methodChanged();
    void depthChanged();

private:
    QString m_photoPath;
    cv::Mat m_photo;
    QImage m_photoImage;
    QString m_sha256;
    PosePair m_poses;
    EditMode m_mode = EditMode::Body;
    edit::ReposeMethod m_method = edit::ReposeMethod::Hybrid;
    deform::DepthOrder m_depth;
    std::shared_ptr<const edit::PortraitFace> m_face;
    PortraitState m_portrait;
    face::FaceLandmarks m_portraitTarget;
    quint64 m_photoId = 0;
    // Stamps drawn from one counter, so that no two changes share one: generation() is the newest of the
    // shared stamp and the current mode's.
    quint64 m_stamps = 0;
    quint64 m_sharedStamp = 0;
    quint64 m_bodyStamp = 0;
    quint64 m_portraitStamp = 0;
    QUndoStack m_undoStack;
};

}  // namespace marionette::ui

#include "document.h"

#include "marionette/edit/round_trip.h"
#include "marionette/face/face_parameters.h"

#include <QDir>
#include <QFileInfo>

#include <algorithm>

namespace marionette::ui {

bool PortraitState::operator==(const PortraitState& o) const {
    if (parameters.identity != o.parameters.identity || parameters.expression != o.parameters.expression) return false;
    const face::HeadPose& a = parameters.pose;
    const face::HeadPose& b = o.parameters.pose;
    if (a.yaw != b.yaw || a.pitch != b.pitch || a.roll != b.roll || a.x != b.x || a.y != b.y || a.scale != b.scale)
        return false;
    for (std::size_t i = 0; i < offsets.size(); ++i) {
        if (offsets[i].x != o.offsets[i].x || offsets[i].y != o.offsets[i].y) return false;
    }
    return true;
}

Document::Document(QObject* parent) : QObject(parent) {}

quint64 Document::generation() const {
    return std::max(m_sharedStamp, m_mode == EditMode::Portrait ? m_portraitStamp : m_bodyStamp);
}

void Document::setMode(EditMode mode) {
    if (mode == m_mode) return;
    m_mode = mode;
    m_sharedStamp = ++m_stamps;
}

void Document::setMethod(edit::ReposeMethod method) {
    if (method == m_method) return;
    m_method = method;
    m_sharedStamp = ++m_stamps;
    Q_EMIT methodChanged();
}

void Document::setDepth(const deform::DepthOrder& depth) {
    if (depth == m_depth) return;
    m_depth = depth;
    m_bodyStamp = ++m_stamps;
    Q_EMIT depthChanged();
}

void Document::setFace(std::shared_ptr<const edit::PortraitFace> face, const PortraitState& state) {
    m_face = std::move(face);
    m_portrait = state;
    m_portraitTarget =
        m_face ? edit::portraitLandmarks(*m_face, state.parameters, state.offsets) : face::FaceLandmarks{};
    m_portraitStamp = ++m_stamps;
    Q_EMIT portraitChanged();
}

const face::FaceLandmarks& Document::portraitReference() const {
    static const face::FaceLandmarks none;
    return m_face ? m_face->observed : none;
}

void Document::setPortrait(const PortraitState& state) {
    if (!m_face || state == m_portrait) return;
    m_portraitTarget = edit::portraitLandmarks(*m_face, state.parameters, state.offsets);  // checks the ranges first
    m_portrait = state;
    m_portraitStamp = ++m_stamps;
    Q_EMIT portraitChanged();
}

PortraitState Document::stateFor(const face::FaceParameters& parameters, const face::FaceLandmarks& target) const {
    PortraitState state{parameters, {}};
    if (!m_face) return state;
    const face::FaceLandmarks projected = edit::portraitLandmarks(*m_face, parameters);
    for (std::size_t i = 0; i < state.offsets.size(); ++i)
        state.offsets[i] = {target.points[i].x - projected.points[i].x, target.points[i].y - projected.points[i].y};
    return state;
}

void Document::reset(const QString& photoPath, const cv::Mat& photo, const QImage& photoImage, const QString& sha256,
                     const PosePair& poses) {
    m_photoPath = photoPath;
    m_photo = photo;
    m_photoImage = photoImage;
    m_sha256 = sha256;
    m_poses = poses;
    m_depth = {};
    m_face.reset();
    m_portrait = {};
    m_portraitTarget = {};
    ++m_photoId;
    m_sharedStamp = ++m_stamps;
    m_undoStack.clear();
    m_undoStack.setClean();
    Q_EMIT photoChanged();
    Q_EMIT referenceChanged();
    Q_EMIT targetChanged();
}

QString Document::documentPath() const {
    return m_photoPath.isEmpty() ? QString() : QString::fromStdString(edit::documentPathFor(m_photoPath.toStdString()));
}

void Document::setPoses(const PosePair& poses) {
    if (poses == m_poses) return;
    const bool referenceChanged = !(poses.reference == m_poses.reference);
    const bool targetChanged = !(poses.target == m_poses.target);
    m_poses = poses;
    m_bodyStamp = ++m_stamps;
    if (referenceChanged) Q_EMIT this->referenceChanged();
    if (targetChanged) Q_EMIT this->targetChanged();
}

edit::EditDocument Document::toEditDocument(const QString& documentPath, const QString& weightsId,
                                            ImageSize canvas) const {
    edit::EditDocument d;
    const QFileInfo photo(m_photoPath);
    const QDir folder = QFileInfo(documentPath).absoluteDir();
    const QString relative = folder.relativeFilePath(photo.absoluteFilePath());
    d.photoPath = (relative.startsWith(QLatin1String("..")) ? photo.absoluteFilePath() : relative).toStdString();
    d.photoSha256 = m_sha256.toStdString();
    d.reference = m_poses.reference;
    d.target = m_poses.target;
    if (m_poses.reference.presentCount() >= 2 && m_poses.target.presentCount() >= 2 && !m_photo.empty()) {
        d.cropBox =
            edit::reposeCropBox(m_poses.reference, m_poses.target, ImageSize{m_photo.cols, m_photo.rows}, canvas);
    }
    d.weightsId = weightsId.toStdString();
    d.mode = m_mode == EditMode::Portrait ? "portrait" : "body";
    d.method = edit::toString(m_method);
    d.depth = deform::toString(m_depth);
    if (m_face) {
        edit::PortraitEdit portrait;
        portrait.faceIndex = m_face->faceIndex;
        portrait.reference = m_face->observed;
        portrait.target = m_portraitTarget;
        portrait.parameters = m_portrait.parameters;
        d.portrait = portrait;
        if (m_mode == EditMode::Portrait && !m_photo.empty())
            d.cropBox = edit::portraitCropBox(m_face->observed, ImageSize{m_photo.cols, m_photo.rows}, canvas);
    }
    return d;
}

}  // namespace marionette::ui

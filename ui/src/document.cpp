#include "document.h"

#include "marionette/edit/round_trip.h"

#include <QDir>
#include <QFileInfo>

namespace marionette::ui {

Document::Document(QObject* parent) : QObject(parent) {}

void Document::reset(const QString& photoPath, const cv::Mat& photo, const QImage& photoImage, const QString& sha256,
                     const PosePair& poses) {
    m_photoPath = photoPath;
    m_photo = photo;
    m_photoImage = photoImage;
    m_sha256 = sha256;
    m_poses = poses;
    ++m_photoId;
    ++m_generation;
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
    ++m_generation;
    if (referenceChanged) Q_EMIT this->referenceChanged();
    if (targetChanged) Q_EMIT this->targetChanged();
}

edit::EditDocument Document::toEditDocument(const QString& documentPath, const QString& weightsId, ImageSize canvas) const {
    edit::EditDocument d;
    const QFileInfo photo(m_photoPath);
    const QDir folder = QFileInfo(documentPath).absoluteDir();
    const QString relative = folder.relativeFilePath(photo.absoluteFilePath());
    d.photoPath = (relative.startsWith(QLatin1String("..")) ? photo.absoluteFilePath() : relative).toStdString();
    d.photoSha256 = m_sha256.toStdString();
    d.reference = m_poses.reference;
    d.target = m_poses.target;
    if (m_poses.reference.presentCount() >= 2 && m_poses.target.presentCount() >= 2 && !m_photo.empty()) {
        d.cropBox = edit::reposeCropBox(m_poses.reference, m_poses.target, ImageSize{m_photo.cols, m_photo.rows}, canvas);
    }
    d.weightsId = weightsId.toStdString();
    return d;
}

}  // namespace marionette::ui

#include "autosave.h"

#include "atomic_save.h"
#include "document.h"
#include "inference_worker.h"

#include "marionette/ui/message_box.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLocale>
#include <QStandardPaths>
#include <QTimer>

#include <algorithm>

namespace marionette::ui {

Autosave::Autosave(const QString& folder, int seconds, Document* document, EditFor editFor, QWidget* window)
    : QObject(window),
      m_folder(folder.isEmpty() ? QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation) +
                                      QStringLiteral("/autosave")
                                : folder),
      m_seconds(seconds),
      m_document(document),
      m_editFor(std::move(editFor)),
      m_window(window),
      m_timer(new QTimer(this)) {
    m_timer->setSingleShot(true);
    m_timer->setInterval(std::max(1, seconds) * 1000);
    connect(m_timer, &QTimer::timeout, this, &Autosave::save);
    connect(document->undoStack(), &QUndoStack::indexChanged, this, [this] {
        if (m_document->isModified() && m_seconds > 0 && !m_timer->isActive()) m_timer->start();
    });
}

QString Autosave::pathFor(const QString& sha256) const {
    return sha256.isEmpty() ? QString()
                            : QDir(m_folder).filePath(sha256 + QString::fromLatin1(edit::kEditDocumentSuffix));
}

void Autosave::save() {
    if (!m_document->hasPhoto() || !m_document->isModified() || m_seconds <= 0) return;
    const QString path = pathFor(m_document->sha256());
    QDir().mkpath(QFileInfo(path).absolutePath());
    edit::EditDocument doc = m_editFor(path);
    doc.photoPath =
        QFileInfo(m_document->photoPath()).absoluteFilePath().toStdString();  // the autosave lives far from the photo
    const QString error = saveAtomically(path, QByteArray::fromStdString(edit::toJson(doc)));
    if (!error.isEmpty()) Q_EMIT failed(tr("Autosave failed: %1").arg(error));
}

void Autosave::remove() {
    m_timer->stop();
    const QString path = pathFor(m_document->sha256());
    if (!path.isEmpty()) QFile::remove(path);
}

std::optional<edit::EditDocument> Autosave::offer(const OpenedPhoto& photo) {
    if (m_seconds <= 0) return std::nullopt;
    const QString path = pathFor(photo.sha256);
    const QFileInfo autosaved(path);
    if (path.isEmpty() || !autosaved.exists()) return std::nullopt;
    if (!photo.documentPath.isEmpty() && QFileInfo(photo.documentPath).lastModified() >= autosaved.lastModified())
        return std::nullopt;
    try {
        const edit::EditDocument doc = edit::readEditDocument(path.toStdString());
        const bool sameFace = !doc.portrait || (photo.portraitEdit && *doc.portrait == *photo.portraitEdit) ||
                              (photo.face && doc.portrait->target == photo.face->observed);
        if (PosePair{doc.reference, doc.target} == PosePair{photo.reference, photo.target} && sameFace)
            return std::nullopt;
        const auto answer =
            MessageBox::question(m_window, tr("Unsaved edit found"),
                                 tr("Marionette found unsaved changes to %1 from %2. Restore them?")
                                     .arg(QFileInfo(photo.photoPath).fileName(),
                                          QLocale().toString(autosaved.lastModified(), QLocale::ShortFormat)),
                                 QMessageBox::Yes | QMessageBox::No, QMessageBox::Yes);
        if (answer == QMessageBox::Yes) return doc;
    } catch (const std::exception&) {
        // An unreadable autosave is only a lost convenience.
    }
    QFile::remove(path);
    return std::nullopt;
}

}  // namespace marionette::ui

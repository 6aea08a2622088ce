#include "exporter.h"

#include "atomic_save.h"
#include "document.h"
#include "editor_actions.h"
#include "inference_worker.h"
#include "long_jobs.h"
#include "render_controller.h"

#include "marionette/face/layout.h"
#include "marionette/ui/file_dialog.h"
#include "marionette/ui/message_box.h"
#include "marionette/ui/photo_point.h"

#include <QAction>
#include <QDir>
#include <QFileInfo>
#include <QStatusBar>
#include <QWidget>

namespace marionette::ui {
namespace {}  // namespace

Exporter::Exporter(Document* document, InferenceWorker* worker, LongJobs* longJobs, const EditorActions& actions,
                   const RenderController& render, EditJsonFor editJsonFor, QWidget* window, QStatusBar* statusBar)
    : QObject(window),
      m_document(document),
      m_worker(worker),
      m_longJobs(longJobs),
      m_actions(actions),
      m_render(render),
      m_editJsonFor(std::move(editJsonFor)),
      m_window(window),
      m_statusBar(statusBar) {
    connect(worker, &InferenceWorker::exportFinished, this, &Exporter::onFinished);
    connect(actions.exportImage, &QAction::triggered, this, [this] { exportImage(false); });
    connect(actions.exportCrop, &QAction::triggered, this, [this] { exportImage(true); });
    connect(actions.exportEdit, &QAction::triggered, this, &Exporter::exportEditJson);
    connect(actions.exportMaps, &QAction::triggered, this, &Exporter::exportMaps);
}

bool Exporter::canExport() const { return m_document->hasPhoto() && m_render.hasEngine(); }

void Exporter::exportImage(bool cropOnly) {
    if (!canExport()) return;
    const QFileInfo photo(m_document->photoPath());
    const QString suggested = photo.absolutePath() + QLatin1Char('/') + photo.completeBaseName() +
                              (cropOnly ? QStringLiteral("_crop.png") : QStringLiteral("_reposed.png"));
    QString path = FileDialog::getSaveFileName(m_window, cropOnly ? tr("Export Crop") : tr("Export Image"), suggested,
                                               tr("PNG image (*.png);;JPEG image (*.jpg *.jpeg)"));
    if (path.isEmpty()) return;
    if (QFileInfo(path).suffix().isEmpty()) path += QStringLiteral(".png");
    ExportJob job;
    job.kind = cropOnly ? ExportKind::Crop : ExportKind::Photo;
    job.path = path;
    job.target = m_document->target();
    if (m_document->mode() == EditMode::Portrait) job.faceTarget = m_document->portraitTarget();
    job.paste = m_actions.pasteExtent();
    job.method = m_document->method();
    job.depth = m_document->depth();
    job.warpOnly = m_actions.warpOnly->isChecked();
    job.editJson = m_editJsonFor(path + QString::fromLatin1(edit::kEditDocumentSuffix));
    start(job, tr("Exporting %1\u2026").arg(QFileInfo(path).fileName()));
}

void Exporter::exportMaps() {
    if (!canExport()) return;
    const QString folder = FileDialog::getExistingDirectory(m_window, tr("Export Maps to Folder"),
                                                            QFileInfo(m_document->photoPath()).absolutePath());
    if (folder.isEmpty()) return;
    ExportJob job;
    job.kind = ExportKind::Maps;
    job.path = folder;
    job.target = m_document->target();
    job.method = m_document->method();
    job.depth = m_document->depth();
    if (m_document->mode() == EditMode::Portrait) {
        job.faceTarget = m_document->portraitTarget();
        job.attentionPoint = job.faceTarget->points[face::kNoseTip];
    }
    if (const auto picked = m_render.attentionPoint())
        job.attentionPoint = toPoint2(*picked);
    else if (job.target.has(pose::JointId::RightWrist))
        job.attentionPoint = job.target.at(pose::JointId::RightWrist).position;
    job.editJson = m_editJsonFor(QDir(folder).filePath(QStringLiteral("edit.marionette.json")));
    start(job, tr("Exporting maps\u2026"));
}

void Exporter::exportEditJson() {
    if (!m_document->hasPhoto()) return;
    const QString path = FileDialog::getSaveFileName(m_window, tr("Export Edit"), m_document->documentPath(),
                                                     tr("Marionette edit (*.marionette.json);;JSON (*.json)"));
    if (path.isEmpty()) return;
    const QString error = saveAtomically(path, m_editJsonFor(path).toUtf8());
    if (!error.isEmpty()) {
        MessageBox::critical(m_window, tr("Cannot export the edit"), error);
        return;
    }
    m_statusBar->showMessage(tr("Exported %1").arg(QFileInfo(path).fileName()), 5000);
}

void Exporter::start(const ExportJob& job, const QString& text) {
    m_job = m_worker->exportResult(job);
    m_longJobs->start(m_job, text);
    Q_EMIT runningChanged();
}

void Exporter::onFinished(quint64 job, const QStringList& written, const QString& error) {
    if (job != m_job) return;
    m_longJobs->end(job);
    m_job = 0;
    Q_EMIT runningChanged();
    if (!error.isEmpty()) {
        MessageBox::critical(m_window, tr("Cannot export"), error);
        return;
    }
    QStringList names;
    for (const QString& p : written) names << QFileInfo(p).fileName();
    m_statusBar->showMessage(tr("Exported %1").arg(names.join(QStringLiteral(", "))), 8000);
}

}  // namespace marionette::ui

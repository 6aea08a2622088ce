#include "adaptation_controller.h"

#include "adaptation_runner.h"
#include "adapted_weights_folder.h"
#include "document.h"
#include "editor_actions.h"
#include "inference_worker.h"

#include "marionette/ui/message_box.h"
#include "marionette/ui/settings.h"

#include <QAction>
#include <QDir>
#include <QFileInfo>
#include <QProgressBar>
#include <QStandardPaths>
#include <QStatusBar>
#include <QToolButton>

#include <algorithm>

namespace marionette::ui {
namespace {

constexpr int kMessageMilliseconds = 8000;

}  // namespace

AdaptationController::AdaptationController(const EditorOptions& options, Document* document, InferenceWorker* worker,
                                           QStatusBar* statusBar, QWidget* window)
    : QObject(window),
      m_options(options),
      m_document(document),
      m_worker(worker),
      m_statusBar(statusBar),
      m_window(window),
      m_runner(new AdaptationRunner(this)),
      m_bar(new QProgressBar),
      m_cancel(new QToolButton) {
    m_bar->setObjectName(QStringLiteral("adaptationBar"));
    m_bar->setMaximumWidth(180);
    m_bar->setFormat(tr("Adapting %v/%m"));
    m_bar->setVisible(false);
    statusBar->addPermanentWidget(m_bar);
    m_cancel->setObjectName(QStringLiteral("adaptationCancelButton"));
    m_cancel->setText(tr("Stop Adapting"));
    m_cancel->setVisible(false);
    connect(m_cancel, &QToolButton::clicked, m_runner, &AdaptationRunner::cancel);
    statusBar->addPermanentWidget(m_cancel);

    connect(m_runner, &AdaptationRunner::progressed, this, &AdaptationController::onProgress);
    connect(m_runner, &AdaptationRunner::finished, this, &AdaptationController::onFinished);
    connect(m_runner, &AdaptationRunner::cancelled, this, [this] {
        onEnded();
        m_statusBar->showMessage(tr("Adaptation cancelled; the weights in use stay"), 5000);
    });
    connect(m_runner, &AdaptationRunner::failed, this, [this](const QString& message) {
        onEnded();
        MessageBox::critical(m_window, tr("Cannot adapt the weights"),
                             tr("%1\n\nThe weights in use stay loaded.").arg(message));
    });
}

void AdaptationController::connectActions(const EditorActions& a, std::function<const EngineSlot&()> activeSlot) {
    m_actions = &a;
    m_activeSlot = std::move(activeSlot);
    connect(a.adaptToPhoto, &QAction::triggered, this, [this] { adapt(m_activeSlot()); });
    connect(a.forgetAdaptation, &QAction::triggered, this, [this] { forget(m_activeSlot()); });
    const int remembered = Settings::instance().get(Settings::Key::AdaptationSteps).toInt();
    for (std::size_t i = 0; i < a.adaptationSteps.size(); ++i) {
        const int steps = EditorActions::kAdaptationSteps[i];
        a.adaptationSteps[i]->setChecked(remembered == steps);
        connect(a.adaptationSteps[i], &QAction::triggered, this,
                [steps] { Settings::instance().set(Settings::Key::AdaptationSteps, steps); });
    }
}

void AdaptationController::updateActions() {
    if (!m_actions) return;
    m_actions->forgetAdaptation->setEnabled(canForget(m_activeSlot()));
    m_actions->adaptToPhoto->setEnabled(canAdapt(m_activeSlot()));
}

bool AdaptationController::running() const { return m_runner->running(); }

bool AdaptationController::canAdapt(const EngineSlot& slot) const {
    if (!m_document->hasPhoto() || !slot.info || slot.info->untrained || running()) return false;
    return slot.isPortrait() ? m_document->face() != nullptr
                             : m_document->reference().presentCount() >= edit::kMinimumAdaptationJoints;
}

bool AdaptationController::canForget(const EngineSlot& slot) const {
    return m_document->hasPhoto() && slot.info && slot.info->adaptedToPhotos && !running() &&
           !slot.adaptationBase.isEmpty();
}

void AdaptationController::adapt(const EngineSlot& slot) {
    if (!canAdapt(slot)) return;
    const EngineInfo& engine = *slot.info;
    const model::SemanticsKind kind = slot.kind();
    const QString base = slot.adaptationBase.isEmpty() ? engine.weightsPath : slot.adaptationBase;
    const QString outPath = adaptedWeightsPath(base, kind);
    const QString folder = QFileInfo(outPath).absolutePath();
    if (!QDir().mkpath(folder)) {
        MessageBox::critical(m_window, tr("Cannot adapt the weights"),
                             tr("Cannot make the folder %1.").arg(QDir::toNativeSeparators(folder)));
        return;
    }
    const QFileInfo photo(m_document->photoPath());
    edit::PhotoAdaptation request;
    request.weightsPath = engine.weightsPath.toStdString();  // adapted ones go on learning
    request.photo = m_document->photo();
    if (slot.isPortrait())
        request.face = m_document->face()->observed;
    else
        request.reference = m_document->reference();
    request.photoName = photo.fileName().toStdString();
    request.outPath = outPath.toStdString();
    const int steps = std::max(
        1, m_options.adaptationSteps.value_or(Settings::instance().get(Settings::Key::AdaptationSteps).toInt()));
    request.options.steps = steps;
    request.options.device = slot.spec.device;
    request.options.threads = slot.spec.threads;
    if (!m_runner->start(std::move(request))) return;
    // Edits go on during the adaptation; on the CPU they get one thread, so that the two do not fight over
    // every core (five times slower edits with a full team each, on two cores).
    if (!engine.onCuda) m_worker->capCpuThreads(m_threadCap = 1);
    m_kind = kind;
    m_base = base;
    m_photoName = photo.fileName();
    m_bar->setRange(0, steps);
    m_bar->setValue(0);
    m_bar->setVisible(true);
    m_cancel->setVisible(true);
    m_statusBar->showMessage(
        slot.isPortrait()
            ? tr("Adapting the portrait weights to the face in %1\u2026 (editing goes on meanwhile)").arg(m_photoName)
            : tr("Adapting the weights to %1\u2026 (editing goes on meanwhile)").arg(m_photoName));
    Q_EMIT runningChanged();
}

void AdaptationController::forget(const EngineSlot& slot) {
    if (!canForget(slot)) return;  // weights opened by hand have no known base to go back to
    const QString adapted = slot.info->weightsPath;
    if (!QFile::remove(adapted) && QFileInfo::exists(adapted)) {
        MessageBox::critical(m_window, tr("Cannot forget the adapted weights"),
                             tr("Cannot delete %1.").arg(QDir::toNativeSeparators(adapted)));
        return;
    }
    const QString base = slot.adaptationBase;
    Q_EMIT loadRequested(slot.kind(), base);
    m_statusBar->showMessage(tr("Deleted the adapted weights; back to %1").arg(QFileInfo(base).fileName()),
                             kMessageMilliseconds);
}

// One file per photo (and face of it) and starting weights, so that adapting again replaces it.
QString AdaptationController::adaptedWeightsPath(const QString& baseWeights, model::SemanticsKind kind) const {
    QString folder = m_options.adaptedFolder;
    if (folder.isEmpty())
        folder = QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation) + QStringLiteral("/adapted");
    QString photo = QStringLiteral("%1-%2").arg(QFileInfo(m_document->photoPath()).completeBaseName(),
                                                m_document->sha256().left(12));
    if (kind == model::SemanticsKind::Face && m_document->face())
        photo += QStringLiteral("-face%1").arg(m_document->face()->faceIndex);
    return QDir(folder).filePath(
        QStringLiteral("%1-%2.safetensors").arg(photo, QFileInfo(baseWeights).completeBaseName()));
}

void AdaptationController::matchWeightsToPhoto(const EngineSlot& slot) {
    const EngineInfo* engine = slot.info.get();
    if (!engine || engine->untrained || !m_document->hasPhoto()) return;
    const QString base = engine->adaptedToPhotos ? slot.adaptationBase : engine->weightsPath;
    if (base.isEmpty()) return;  // adapted weights opened by hand: what they started from is unknown
    const QString forPhoto = adaptedWeightsPath(base, slot.kind());
    const QFileInfo requested(slot.spec.weightsPath);  // the weights last asked for: a load of them may be under way
    if (QFileInfo::exists(forPhoto)) {
        if (QFileInfo(engine->weightsPath) == QFileInfo(forPhoto) || requested == QFileInfo(forPhoto)) return;
        touchAdaptedWeights(forPhoto);  // recently used: kept longest
        Q_EMIT loadRequested(slot.kind(), forPhoto);
        m_statusBar->showMessage(
            tr("Using the weights adapted to this photo before (%1)").arg(QFileInfo(forPhoto).fileName()),
            kMessageMilliseconds);
    } else if (engine->adaptedToPhotos && requested != QFileInfo(base)) {
        Q_EMIT loadRequested(slot.kind(), base);
        m_statusBar->showMessage(
            tr("Back to %1: the adapted weights were for another photo").arg(QFileInfo(base).fileName()),
            kMessageMilliseconds);
    }
}

void AdaptationController::onFinished(const QString& path) {
    onEnded();
    pruneAdaptedWeights(QFileInfo(path).absolutePath(), kAdaptedWeightsKept, path);
    // The user may have opened another photo meanwhile: the weights are for the photo they were adapted to,
    // and load when it is opened again.
    if (m_document->hasPhoto() && QFileInfo(adaptedWeightsPath(m_base, m_kind)) == QFileInfo(path)) {
        m_statusBar->showMessage(tr("Adapted weights saved as %1").arg(QDir::toNativeSeparators(path)), 10000);
        Q_EMIT loadRequested(m_kind, path);
    } else {
        m_statusBar->showMessage(
            tr("The weights adapted to %1 are saved; they load when that photo is opened again").arg(m_photoName),
            10000);
    }
}

void AdaptationController::onProgress(int step, int steps, double pixelL1, double imagesPerSecond) {
    m_bar->setRange(0, steps);
    m_bar->setValue(step);
    m_bar->setToolTip(tr("Step %1 of %2: pixel error %3, %4 images/s")
                          .arg(step)
                          .arg(steps)
                          .arg(pixelL1, 0, 'f', 4)
                          .arg(imagesPerSecond, 0, 'f', 2));
}

void AdaptationController::onEnded() {
    if (m_threadCap != 0) m_worker->capCpuThreads(m_threadCap = 0);
    m_bar->setVisible(false);
    m_cancel->setVisible(false);
    Q_EMIT runningChanged();
}

}  // namespace marionette::ui

#include "engines.h"

#include "inference_worker.h"
#include "long_jobs.h"

#include "marionette/edit/bundled_weights.h"
#include "marionette/ui/message_box.h"
#include "marionette/ui/settings.h"

#include <QFileInfo>
#include <QWidget>

namespace marionette::ui {

Engines::Engines(InferenceWorker* worker, LongJobs* longJobs, QWidget* window)
    : QObject(window), m_worker(worker), m_longJobs(longJobs), m_window(window) {
    connect(worker, &InferenceWorker::engineLoaded, this, &Engines::onLoaded);
    connect(worker, &InferenceWorker::engineFailed, this, &Engines::onFailed);
}

void Engines::configure(const EditorOptions& options, edit::Device device) {
    for (EngineSlot* s : {&m_body, &m_portrait}) {
        s->spec.untrainedConfig = s->isPortrait() ? options.untrainedPortraitConfig : options.untrainedConfig;
        s->spec.seed = options.untrainedSeed;
        s->spec.threads = options.threads;
        s->spec.device = device;
    }
}

QString Engines::startWeights(const EditorOptions& options) {
    if (!options.weightsPath.isEmpty() || !options.useInstalledWeights) return options.weightsPath;
    const QString remembered = Settings::instance().get(Settings::Key::WeightsPath).toString();
    if (!remembered.isEmpty() && QFileInfo::exists(remembered)) return remembered;
    return QString::fromStdString(edit::bundledWeights(model::SemanticsKind::Body));
}

QString Engines::portraitStartWeights(const EditorOptions& options) {
    if (!options.portraitWeightsPath.isEmpty() || !options.useInstalledWeights) return options.portraitWeightsPath;
    return QString::fromStdString(edit::bundledWeights(model::SemanticsKind::Face));
}

void Engines::rememberWeights(const EngineInfo& info) {
    if (info.kind != model::SemanticsKind::Body || info.untrained || info.adaptedToPhotos) return;
    const bool shipped = QFileInfo(info.weightsPath) ==
                         QFileInfo(QString::fromStdString(edit::bundledWeights(model::SemanticsKind::Body)));
    Settings::instance().set(Settings::Key::WeightsPath, shipped ? QString() : info.weightsPath);
}

void Engines::load(model::SemanticsKind kind, const QString& path) {
    EngineSlot& s = slot(kind);
    if (s.job) {
        m_worker->cancel(s.job);
        m_longJobs->end(s.job);
    }
    s.spec.weightsPath = path;
    s.job = m_worker->loadEngine(s.spec);
    const QString untrained =
        s.isPortrait() ? tr("Preparing the untrained portrait model\u2026") : tr("Preparing the untrained model\u2026");
    m_longJobs->start(s.job, path.isEmpty() ? untrained : tr("Loading %1\u2026").arg(QFileInfo(path).fileName()));
}

edit::Device Engines::rememberedDevice() {
    try {
        return edit::parseDevice(Settings::instance().get(Settings::Key::Device).toString().toStdString());
    } catch (const std::exception&) {
        return edit::Device::Auto;  // a hand-edited setting: the choice is the user's again
    }
}

void Engines::setDevice(edit::Device device) {
    Settings::instance().set(Settings::Key::Device, QString::fromLatin1(edit::toString(device)));
    for (EngineSlot* s : {&m_body, &m_portrait}) {
        s->spec.device = device;
        if (s->isPortrait() && !s->info && !s->job) continue;  // not wanted yet
        load(s->kind(), s->info && !s->info->untrained ? s->info->weightsPath : QString());
    }
}

void Engines::ensureBodyModel() {
    if (m_body.job != 0 && !m_body.info) load(model::SemanticsKind::Body, QString());
}

void Engines::onLoaded(quint64 job, const EngineInfo& info) {
    EngineSlot& s = slot(info.kind);
    if (job != s.job) return;  // an older load; the newest one follows
    m_longJobs->end(job);
    s.take(info);
    rememberWeights(info);
    Q_EMIT loaded(s.kind());
}

void Engines::onFailed(quint64 job, const QString& message) {
    EngineSlot& s = job == m_portrait.job ? m_portrait : m_body;
    if (job != s.job) return;
    m_longJobs->end(job);
    const bool keepsPrevious = s.info != nullptr;
    if (s.isPortrait()) {
        MessageBox::critical(m_window, tr("Cannot load the portrait weights"),
                             keepsPrevious ? tr("%1\n\nThe portrait model in use stays loaded.").arg(message)
                                           : tr("%1\n\nThe untrained portrait model is used instead.").arg(message));
    } else {
        MessageBox::critical(m_window, tr("Cannot load the weights"),
                             keepsPrevious ? tr("%1\n\nThe model in use stays loaded.").arg(message)
                                           : tr("%1\n\nThe untrained model is used instead.").arg(message));
    }
    if (!keepsPrevious && !s.spec.weightsPath.isEmpty()) load(s.kind(), QString());
}

}  // namespace marionette::ui

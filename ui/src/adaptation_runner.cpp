#include "adaptation_runner.h"

#include <QMetaObject>
#include <QThread>

namespace marionette::ui {

AdaptationRunner::AdaptationRunner(QObject* parent) : QObject(parent) {}

AdaptationRunner::~AdaptationRunner() {
    if (!m_thread) return;
    m_cancel = true;
    m_thread->wait();
    delete m_thread;
}

bool AdaptationRunner::start(edit::PhotoAdaptation request) {
    if (m_thread) return false;
    m_cancel = false;
    m_outPath = QString::fromStdString(request.outPath);
    m_thread = QThread::create([this, request = std::move(request)] {
        try {
            const auto result = edit::adaptToPhoto(request, [this](const edit::AdaptationProgress& p) {
                QMetaObject::invokeMethod(
                    this, [this, p] { Q_EMIT progressed(p.step, p.steps, p.pixelL1, p.imagesPerSecond); },
                    Qt::QueuedConnection);
                return !m_cancel.load();
            });
            m_outcome = result == edit::AdaptationResult::Finished ? Outcome::Finished : Outcome::Cancelled;
        } catch (const std::exception& e) {
            m_outcome = Outcome::Failed;
            m_message = QString::fromStdString(e.what());
        }
    });
    m_thread->setObjectName(QStringLiteral("adaptation"));
    connect(m_thread, &QThread::finished, this, &AdaptationRunner::onThreadFinished, Qt::QueuedConnection);
    m_thread->start(QThread::LowPriority);
    return true;
}

void AdaptationRunner::onThreadFinished() {
    if (!m_thread) return;
    m_thread->wait();
    m_thread->deleteLater();
    m_thread = nullptr;
    switch (m_outcome) {
        case Outcome::Finished:
            Q_EMIT finished(m_outPath);
            break;
        case Outcome::Cancelled:
            Q_EMIT cancelled();
            break;
        case Outcome::Failed:
            Q_EMIT failed(m_message);
            break;
    }
}

}  // namespace marionette::ui

#include "long_jobs.h"

#include <QProgressBar>
#include <QStatusBar>
#include <QTimer>
#include <QToolButton>

namespace marionette::ui {
namespace {

constexpr int kLongJobDelayMilliseconds = 500;  // quicker jobs show no bar: it would only flicker

}  // namespace

LongJobs::LongJobs(QStatusBar* statusBar, QObject* parent)
    : QObject(parent),
      m_statusBar(statusBar),
      m_bar(new QProgressBar),
      m_cancel(new QToolButton),
      m_delay(new QTimer(this)) {
    m_bar->setObjectName(QStringLiteral("busyBar"));
    m_bar->setRange(0, 0);
    m_bar->setMaximumWidth(140);
    m_bar->setVisible(false);
    statusBar->addPermanentWidget(m_bar);
    m_cancel->setObjectName(QStringLiteral("cancelButton"));
    m_cancel->setText(tr("Cancel"));
    m_cancel->setVisible(false);
    connect(m_cancel, &QToolButton::clicked, this, &LongJobs::cancelRequested);
    statusBar->addPermanentWidget(m_cancel);
    m_delay->setSingleShot(true);
    m_delay->setInterval(kLongJobDelayMilliseconds);
    connect(m_delay, &QTimer::timeout, this, [this] {
        if (m_jobs.empty()) return;
        m_bar->setVisible(true);
        m_cancel->setVisible(true);
    });
}

void LongJobs::start(quint64 job, const QString& text) {
    m_jobs[job] = text;
    m_statusBar->showMessage(text);
    if (!m_delay->isActive() && !m_bar->isVisible()) m_delay->start();
}

void LongJobs::end(quint64 job) {
    if (!m_jobs.erase(job)) return;
    if (!m_jobs.empty()) {
        m_statusBar->showMessage(m_jobs.rbegin()->second);
        return;
    }
    m_delay->stop();
    m_bar->setVisible(false);
    m_cancel->setVisible(false);
    m_statusBar->clearMessage();
}

std::vector<quint64> LongJobs::jobs() const {
    std::vector<quint64> ids;
    for (const auto& entry : m_jobs) ids.push_back(entry.first);
    return ids;
}

}  // namespace marionette::ui

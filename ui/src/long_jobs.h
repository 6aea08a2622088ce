#pragma once
// The long jobs of the worker the user waits for (opening, loading weights, exporting): their text on the
// status bar, and a progress bar and a Cancel button that appear when one runs longer than half a second.
#include <QObject>
#include <QString>

#include <map>
#include <vector>

class QProgressBar;
class QStatusBar;
class QTimer;
class QToolButton;

namespace marionette::ui {

class LongJobs : public QObject {
    Q_OBJECT
public:
    // Adds the progress bar (busyBar) and the Cancel button (cancelButton) to `statusBar`.
    explicit LongJobs(QStatusBar* statusBar, QObject* parent = nullptr);

    void start(quint64 job, const QString& text);
    // Forgets `job` (one that is not running is ignored); the bar goes when the last one has ended.
    void end(quint64 job);
    bool empty() const { return m_jobs.empty(); }
    std::vector<quint64> jobs() const;

Q_SIGNALS:
    void cancelRequested();

private:
    QStatusBar* m_statusBar;
    QProgressBar* m_bar;
    QToolButton* m_cancel;
    QTimer* m_delay;
    std::map<quint64, QString> m_jobs;  // by job id: the newest job's text is shown
};

}  // namespace marionette::ui

#pragma once
// Runs Model > Adapt to This Photo (edit::adaptToPhoto) on a thread of its own, so that dragging and
// previews go on meanwhile; reports progress as queued signals and can be cancelled. One adaptation at a time.
#include "marionette/edit/photo_adaptation.h"

#include <QObject>
#include <QString>

#include <atomic>

class QThread;

namespace marionette::ui {

class AdaptationRunner : public QObject {
    Q_OBJECT
public:
    explicit AdaptationRunner(QObject* parent = nullptr);
    ~AdaptationRunner() override;  // cancels a running adaptation and waits for it

    bool running() const { return m_thread != nullptr; }
    // Starts unless one is running (then returns false).
    bool start(edit::PhotoAdaptation request);
    // The adaptation stops after its current step and answers with cancelled().
    void cancel() { m_cancel = true; }

Q_SIGNALS:
    void progressed(int step, int steps, double pixelL1, double imagesPerSecond);
    void finished(const QString& weightsPath);
    void cancelled();
    void failed(const QString& message);

private:
    void onThreadFinished();

    QThread* m_thread = nullptr;
    std::atomic<bool> m_cancel{false};
    // Written by the thread before it ends, read after.
    enum class Outcome { Finished, Cancelled, Failed } m_outcome = Outcome::Failed;
    QString m_message, m_outPath;
};

}  // namespace marionette::ui

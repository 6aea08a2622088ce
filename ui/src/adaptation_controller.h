#pragma once
// Model > Adapt to This Photo and Forget Adapted Weights: fine-tunes the weights of the mode in use on the
// photo's person (body) or face (portrait) on a thread of its own, shows its progress on the status bar, and
// keeps weights adapted to one photo with that photo: opening another goes back to the weights they started
// from, and a photo adapted before gets its adapted weights back.
#include "engine_slot.h"
#include "marionette/ui/editor_options.h"

#include <QObject>
#include <QString>

#include <functional>
#include <optional>

class QProgressBar;
class QStatusBar;
class QToolButton;
class QWidget;

namespace marionette::ui {

class AdaptationRunner;
struct EditorActions;
class Document;
class InferenceWorker;

class AdaptationController : public QObject {
    Q_OBJECT
public:
    // Adds its progress bar (adaptationBar) and Stop button (adaptationCancelButton) to `statusBar`; messages
    // go on `statusBar` and boxes over `window`.
    AdaptationController(const EditorOptions& options, Document* document, InferenceWorker* worker,
                         QStatusBar* statusBar, QWidget* window);

    // Connects Model > Adapt to This Photo, Forget Adapted Weights and Adaptation Length; they act on the
    // engine `activeSlot` names (the mode in use).
    void connectActions(const EditorActions& actions, std::function<const EngineSlot&()> activeSlot);
    // Enables Adapt and Forget for the state of the document, the engine in use and a running adaptation.
    void updateActions();

    bool running() const;
    // The CPU threads edits may use at most (0: no cap): 1 while an adaptation trains on the CPU.
    int inferenceThreadCap() const { return m_threadCap; }
    bool canAdapt(const EngineSlot& slot) const;
    bool canForget(const EngineSlot& slot) const;

    void adapt(const EngineSlot& slot);
    // Deletes the photo's adapted weights in use and loads their base.
    void forget(const EngineSlot& slot);
    // Loads the weights this photo (and face of it) was adapted to before, or goes back to the base of
    // weights adapted to another photo.
    void matchWeightsToPhoto(const EngineSlot& slot);

Q_SIGNALS:
    void loadRequested(model::SemanticsKind kind, const QString& weightsPath);
    void runningChanged();

private:
    // Where the open photo's weights adapted from `baseWeights` are kept (portrait weights: per face of it).
    QString adaptedWeightsPath(const QString& baseWeights, model::SemanticsKind kind) const;
    void onFinished(const QString& path);
    void onProgress(int step, int steps, double pixelL1, double imagesPerSecond);
    void onEnded();

    const EditorOptions& m_options;
    Document* m_document;
    InferenceWorker* m_worker;
    QStatusBar* m_statusBar;
    QWidget* m_window;
    AdaptationRunner* m_runner;
    const EditorActions* m_actions = nullptr;
    std::function<const EngineSlot&()> m_activeSlot;
    QProgressBar* m_bar;
    QToolButton* m_cancel;
    int m_threadCap = 0;  // as last asked of the worker (InferenceWorker::capCpuThreads)
    // Of the adaptation running: the model it adapts, the weights it started from and the photo's name.
    model::SemanticsKind m_kind = model::SemanticsKind::Body;
    QString m_base;
    QString m_photoName;
};

}  // namespace marionette::ui

#pragma once
// The body model and the portrait model the window holds side by side: loading weights on the worker (a newer
// load replaces an older one still under way), taking the answers, and saying why a load failed.
#include "engine_slot.h"
#include "marionette/ui/editor_options.h"

#include <QObject>
#include <QString>

class QWidget;

namespace marionette::ui {

class InferenceWorker;
class LongJobs;

class Engines : public QObject {
    Q_OBJECT
public:
    Engines(InferenceWorker* worker, LongJobs* longJobs, QWidget* window);

    // Both models' specs from the editor's options (untrained configs, seed, threads) and `device`.
    void configure(const EditorOptions& options, edit::Device device);
    // The body model's weights at start: the options', else (with installed weights) those the user opened
    // last, else the shipped ones; empty: untrained.
    static QString startWeights(const EditorOptions& options);
    // The portrait model's: the options', else (with installed weights) the shipped ones.
    static QString portraitStartWeights(const EditorOptions& options);

    EngineSlot& slot(model::SemanticsKind kind) { return kind == model::SemanticsKind::Face ? m_portrait : m_body; }
    EngineSlot& body() { return m_body; }
    EngineSlot& portrait() { return m_portrait; }
    // `path` empty: randomly initialised weights of the slot's untrainedConfig.
    void load(model::SemanticsKind kind, const QString& path);
    // The device chosen in Model > Device last time (Automatic when the setting cannot be read).
    static edit::Device rememberedDevice();
    // Model > Device: remembered, and the models wanted so far load again on it.
    void setDevice(edit::Device device);
    // After Cancel: the body model loads untrained when none has loaded yet, so that the window never stays
    // without a model.
    void ensureBodyModel();

Q_SIGNALS:
    void loaded(model::SemanticsKind kind);

private:
    void onLoaded(quint64 job, const EngineInfo& info);
    // Weights the user opened load at the next start; the shipped ones stay the default (so that a newer
    // release's replace them), and weights adapted to one photo are for that photo only.
    static void rememberWeights(const EngineInfo& info);
    void onFailed(quint64 job, const QString& message);

    InferenceWorker* m_worker;
    LongJobs* m_longJobs;
    QWidget* m_window;
    EngineSlot m_body{model::SemanticsKind::Body};
    EngineSlot m_portrait{model::SemanticsKind::Face};  // loaded when portrait mode first needs it
};

}  // namespace marionette::ui

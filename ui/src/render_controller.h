#pragma once
// Asks the worker for the result of the document as it is and shows what comes back: the newest request
// wins, a drag on a slow device shows the fast preview and rests get the full synthesis, the chosen map is
// drawn over the views, and the status bar says what is shown and how long it took.
#include "marionette/edit/repose_session.h"

#include <QObject>
#include <QPointF>
#include <QStringList>

#include <functional>
#include <memory>
#include <optional>

class QLabel;
class QTimer;

namespace marionette::ui {

class Document;
class InferenceWorker;
class MapsPanel;
class PoseCanvas;
struct EditorActions;
struct EngineInfo;
struct Frame;
struct RenderTicket;
enum class MapKind;

class RenderController : public QObject {
    Q_OBJECT
public:
    struct Views {
        PoseCanvas* result;
        PoseCanvas* reference;
        MapsPanel* maps;
        QLabel* modeLabel;     // "Preview", "Sharp re-posing", ...
        QLabel* latencyLabel;  // "65 ms/edit"
    };
    // The engine of the mode in use, or null while none has loaded.
    using ActiveEngine = std::function<const EngineInfo*()>;

    // `previewWhileDragging` unset: the preview on a CPU slower than kPreviewThresholdMilliseconds.
    RenderController(Document* document, InferenceWorker* worker, const EditorActions& actions, Views views,
                     std::optional<bool> previewWhileDragging, ActiveEngine activeEngine, QObject* parent);
    ~RenderController() override;

    void request(bool preview);
    // After a change during a drag: the preview on a slow device, else the full synthesis. With
    // `restGetsFull`, a rest in the drag gets the full synthesis.
    void requestWhileDragging(bool restGetsFull);
    void beginDrag() { m_dragging = true; }
    // The drag ended: the full synthesis.
    void endDrag();
    // Another photo or mode: no frame and no attention point.
    void clear();
    // Another engine or method: the time a synthesis takes is unknown until measured.
    void forgetTimes();

    const Frame* frame() const { return m_frame.get(); }
    bool hasEngine() const { return m_activeEngine() != nullptr; }
    bool isUpToDate() const;
    std::optional<QPointF> attentionPoint() const { return m_attentionPoint; }

Q_SIGNALS:
    void frameShown();
    // The shown frame's sentences for the user (from core: lower case, for joining).
    void warningsChanged(const QStringList& warnings);
    void failed(const QString& message);

private:
    void onFrameReady(const Frame& frame);
    void onRenderFailed(const RenderTicket& ticket, const QString& message);
    void showFrameTimes(const Frame& frame);
    void updateModeLabel();
    bool usePreview() const;
    bool warpOnly() const;
    bool portraitMode() const;
    edit::MapSelection selectedMaps() const;
    void showMapOverlays();
    void onMapSelectionChanged(MapKind kind);

    Document* m_document;
    InferenceWorker* m_worker;
    const EditorActions& m_actions;
    Views m_views;
    std::optional<bool> m_previewWhileDragging;
    ActiveEngine m_activeEngine;
    QTimer* m_pauseTimer;
    std::unique_ptr<Frame> m_frame;  // the frame shown
    quint64 m_serial = 0;            // render requests so far; the newest wins
    bool m_dragging = false;
    static constexpr double kUnmeasuredMilliseconds = 1e9;
    double m_lastFullMilliseconds = kUnmeasuredMilliseconds;  // unknown: assume slow until measured
    std::optional<QPointF> m_attentionPoint;                  // Maps > Attention: where the result reads from
};

}  // namespace marionette::ui

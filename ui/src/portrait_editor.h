#pragma once
// The face's edits in portrait mode: slider moves and landmark drags (live while dragging, one undo step when
// the gesture ends), face presets, resetting the face, and choosing the photo's next face.
#include "document.h"

#include "marionette/face/face_parameters.h"

#include <QObject>
#include <QPointF>
#include <QString>

#include <memory>
#include <optional>
#include <utility>
#include <vector>

class QAction;
class QMenu;
class QStatusBar;
class QWidget;

namespace marionette::ui {

class InferenceWorker;
class PortraitPanel;
class PoseCanvas;
class RenderController;
struct EditorActions;
struct FoundFace;
struct OpenedPhoto;

class PortraitEditor : public QObject {
    Q_OBJECT
public:
    PortraitEditor(Document* document, InferenceWorker* worker, RenderController* render, QWidget* window,
                   QStatusBar* statusBar);

    // The bundled face presets (title, resource), in the order their buttons show.
    static std::vector<std::pair<QString, QString>> facePresets();
    // Connects the Portrait menu's actions and fills Portrait > Presets: one action per face preset
    // (actionFacePreset_<name>, kept in actions.facePresets).
    void connectActions(EditorActions& actions, QMenu* presets);
    // The sliders and presets of the Portrait dock, and the landmark drags of the result view.
    void attach(PortraitPanel* panel, PoseCanvas* result);

    // An opened photo's fitted face, with its saved portrait edit; returns why that edit could not be used.
    QString openFace(const OpenedPhoto& photo);
    // An autosave's face edit, when it is of the face that was found again.
    void restoreAutosaved(const edit::EditDocument& restored, const OpenedPhoto& photo);
    // One undo step (merged with the previous one of the same `mergeKey`), when the landmarks stay in range.
    void apply(const QString& name, const PortraitState& after, std::optional<int> mergeKey = std::nullopt);
    // A slider moved: live during a gesture, else an undo step. Returns whether a render is due now.
    bool sliderEdited(const face::FaceParameters& parameters, const QString& name, int key);
    void beginGesture();
    void dragLandmark(int landmark, const QPointF& photoPoint);
    // The gesture's change as one undo step.
    void finishGesture(const QString& name);
    void applyFacePreset(const QString& title, const QString& resource);
    void resetFace();
    // Portrait > Next Face: detected and fitted on the worker.
    void nextFace();
    bool findingFace() const { return m_faceJob != 0; }

Q_SIGNALS:
    void portraitModeWanted();
    void stateChanged();

private:
    void onFaceFound(quint64 job, const FoundFace& found);

    Document* m_document;
    InferenceWorker* m_worker;
    RenderController* m_render;
    QWidget* m_window;
    QStatusBar* m_statusBar;
    std::unique_ptr<PortraitState> m_gestureStart;  // a slider or landmark gesture in progress
    quint64 m_faceJob = 0;                          // Portrait > Next Face
};

}  // namespace marionette::ui

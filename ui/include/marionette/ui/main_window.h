#pragma once
// The editor's main window (docs/editor.md): the result view with the draggable target skeleton in the middle,
// the reference view, the Maps and History docks, and a status bar with the device, the weights, whether a
// preview or the full synthesis is shown, and the time per edit. Object names are the tests' contract:
// resultCanvas, referenceCanvas, mapsDock, historyDock, historyView, modelBanner, hintLabel,
// deviceLabel, weightsLabel, modeLabel, latencyLabel, splitSlider, busyBar, cancelButton, portraitDock,
// portraitPanel, action*.
//
// Body and portrait edits are drawn by sharp re-posing (edit::ReposeMethod::Hybrid: the photo's own pixels move
// with a mesh over the skeleton or the face's landmarks, the network draws only what the photo never showed) or by
// the network alone (Model menu, remembered, saved with the edit). A limb's right-click menu draws it in front of or behind the body (an undo step).
//
// Portrait mode (actionPortraitMode) edits the face instead of the body: sliders for the head pose and every
// expression of the morphable model, face presets, and draggable landmarks, synthesised by a portrait model held
// beside the body model. A photo opens in portrait mode when its largest face covers at least
// edit::kPortraitModeFaceFraction of it, or when its saved edit was a portrait edit.
#include "marionette/edit/repose_session.h"
#include "marionette/face/face_parameters.h"
#include "marionette/pose/pose.h"
#include "marionette/ui/editor_options.h"

#include "marionette/edit/edit_document.h"

#include <QMainWindow>
#include <QString>
#include <QStringList>

#include <memory>
#include <optional>
#include <utility>

class QAction;
class QDockWidget;
class QLabel;
class QSlider;

namespace marionette::edit {
struct PortraitFace;
}

namespace marionette::ui {

class AdaptationController;
class Autosave;
class Document;
class Engines;
class Exporter;
class LongJobs;
class PoseEditor;
class PortraitEditor;
class RecentFiles;
class RenderController;
struct EditorActions;
struct EngineSlot;
class PortraitPanel;
class InferenceWorker;
class MapsPanel;
class PoseCanvas;
struct EngineInfo;
struct Frame;
struct OpenedPhoto;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(const EditorOptions& options, QWidget* parent = nullptr);
    ~MainWindow() override;

    // A photo, an edit document (*.marionette.json) or a weights file (*.safetensors). Opening happens on
    // the worker; on failure a message says why and the current document stays as it was.
    void openFile(const QString& path);
    // Loads a weights file on the worker; an empty path loads the untrained (random) weights. A portrait
    // weights file goes to the portrait engine.
    void openWeights(const QString& path);
    // Portrait or body mode. Portrait mode needs a face in the photo; without one it stays off and the status
    // bar says why.
    void setPortraitMode(bool on);
    bool portraitMode() const;
    // Saves the edit beside the photo (photo.jpg.marionette.json) atomically; false when it could not.
    bool saveEdit();

    // State, for tests and the benchmark.
    Document& document() const { return *m_document; }
    PoseCanvas* resultCanvas() const { return m_resultCanvas; }
    PoseCanvas* referenceCanvas() const { return m_referenceCanvas; }
    MapsPanel* mapsPanel() const { return m_mapsPanel; }
    PortraitPanel* portraitPanel() const { return m_portraitPanel; }
    const Frame* currentFrame() const;
    // The engine of the current mode (body or portrait).
    bool hasEngine() const;
    const EngineInfo& engineInfo() const;
    // The newest result is shown, is the full synthesis and matches the document's skeletons.
    bool isUpToDate() const;
    // The CPU threads the networks of edits may use at most (0: no cap): 1 while an adaptation trains.
    int inferenceThreadCap() const;
    // A long job (opening, loading weights, exporting) is running.
    bool isBusy() const;
    // Enables and disables the actions for the current state (one place; tests walk its states).
    void updateActionStates();

Q_SIGNALS:
    void frameShown();

protected:
    void closeEvent(QCloseEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    // Construction: the views, the parts below, the actions' connections and the wiring between them.
    void createCentralWidget();
    void createParts();
    void connectActions();
    void connectModelActions();
    void createMenus();
    void connectDocument();
    void restoreLayout();
    void startUp();

    // Engines: one slot per model kind, the active one of the mode in use.
    EngineSlot& activeSlot() const;
    const EngineInfo* activeEngine() const;
    void loadWeights(model::SemanticsKind kind, const QString& path);
    void onEngineLoaded(model::SemanticsKind kind);
    void updateEngineLabels();

    // Photos.
    void onPhotoOpened(quint64 job, const OpenedPhoto& photo);
    void restoreAutosaved(const edit::EditDocument& restored, const OpenedPhoto& photo);
    void onPhotoFailed(quint64 job, const QString& message);
    void updateHint();
    void onPosesChanged();
    void onPortraitChanged();
    // Model > Sharp Re-posing / Network Only: the user's choice, remembered for the photos to come.
    void chooseReposeMethod(edit::ReposeMethod method);
    // The method the window shows and the document records, without remembering it (an opened edit's own).
    void showReposeMethod(edit::ReposeMethod method);
    void onReposeMethodChanged();
    void onFrameWarnings(const QStringList& warnings);

    // Files.
    void openDialog();
    bool confirmDiscardChanges();
    edit::EditDocument editDocumentFor(const QString& documentPath) const;
    QString editJsonFor(const QString& documentPath) const;
    void updateTitle();
    void cancelLongJobs();

    EditorOptions m_options;
    Document* m_document;
    InferenceWorker* m_worker;
    PoseCanvas* m_resultCanvas;
    PoseCanvas* m_referenceCanvas;
    MapsPanel* m_mapsPanel;
    PortraitPanel* m_portraitPanel;
    QDockWidget* m_portraitDock = nullptr;
    QLabel* m_banner;
    QLabel* m_hint;
    QLabel* m_deviceLabel = nullptr;   // where the network runs
    QLabel* m_weightsLabel = nullptr;  // the weights in use
    QSlider* m_splitSlider = nullptr;
    std::unique_ptr<EditorActions> m_actions;
    // The parts, each with one job (children of this window).
    LongJobs* m_longJobs = nullptr;
    Engines* m_engines = nullptr;
    RenderController* m_render = nullptr;
    AdaptationController* m_adaptation = nullptr;
    Autosave* m_autosave = nullptr;
    Exporter* m_exporter = nullptr;
    RecentFiles* m_recentFiles = nullptr;
    PoseEditor* m_poseEditor = nullptr;
    PortraitEditor* m_portraitEditor = nullptr;

    // The face whose portrait weights were last matched (photo id, face index): slider moves change the
    // portrait many times a second, and only another face can need other weights.
    std::pair<quint64, int> m_matchedFace{0, -1};
    QString m_faceNote;   // why the photo has no face
    QString m_photoNote;  // where the skeleton came from
    quint64 m_openJob = 0;
    // The face whose landmarks the worker's portrait session holds as its reference.
    std::shared_ptr<const edit::PortraitFace> m_workerFace;
    // The method the user chose last (Model menu; else EditorOptions or the settings): photos without a saved
    // method of their own open with it.
    edit::ReposeMethod m_preferredMethod = edit::ReposeMethod::Hybrid;
    QStringList m_frameWarnings;  // the shown frame's sentences for the user, on the hint line
    QString m_openedPath;         // the path the user opened (photo or edit), for recent files
};

}  // namespace marionette::ui

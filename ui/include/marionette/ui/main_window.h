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

#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <utility>

class QAction;
class QDockWidget;
class QLabel;
class QMenu;
class QProgressBar;
class QSlider;
class QTimer;
class QToolButton;
class QUndoView;

namespace marionette::edit {
struct PortraitFace;
}

namespace marionette::ui {

class AdaptationRunner;
class Document;
class PortraitPanel;
struct PortraitState;
class InferenceWorker;
class MapsPanel;
class PoseCanvas;
struct EngineInfo;
struct EngineSpec;
struct Frame;
struct OpenedPhoto;
struct FoundFace;
struct PosePair;
enum class MapKind;

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
    int inferenceThreadCap() const { return m_inferenceThreadCap; }
    // A long job (opening, loading weights, exporting) is running.
    bool isBusy() const { return !m_longJobs.empty(); }
    // Enables and disables the actions for the current state (one place; tests walk its states).
    void updateActionStates();

Q_SIGNALS:
    void frameShown();

protected:
    void closeEvent(QCloseEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    void createActions();
    void createReposeActions();
    void createMenus();
    void createDocks();
    void createStatusBar();
    void restoreLayout();
    void startUp();

    // Worker answers.
    void onEngineLoaded(quint64 job, const EngineInfo& info);
    void updateEngineLabels();
    void loadPortraitEngine(const QString& path);
    const EngineInfo* activeEngine() const;
    void onEngineFailed(quint64 job, const QString& message);
    void onPhotoOpened(quint64 job, const OpenedPhoto& photo);
    void onPhotoFailed(quint64 job, const QString& message);
    void onFaceFound(quint64 job, const FoundFace& found);
    void onFrameReady(const Frame& frame);
    void onExportFinished(quint64 job, const QStringList& written, const QString& error);

    // Rendering.
    void requestRender(bool preview);
    edit::MapSelection selectedMaps() const;
    bool usePreview() const;
    void updateModeLabel();
    void onPosesChanged();
    void onPortraitChanged();
    void updateHint();
    void showMapOverlays();
    void onMapSelectionChanged(MapKind kind);
    // Model > Sharp Re-posing / Network Only: the user's choice, remembered for the photos to come.
    void chooseReposeMethod(edit::ReposeMethod method);
    // The method the window shows and the document records, without remembering it (an opened edit's own).
    void showReposeMethod(edit::ReposeMethod method);
    void onReposeMethodChanged();
    void onFrameWarnings(const QStringList& warnings);

    // Edits.
    void applyEdit(const QString& name, const PosePair& after);
    void applyPortraitEdit(const QString& name, const PortraitState& after, std::optional<int> mergeKey = std::nullopt);
    void onSliderEdited(const face::FaceParameters& parameters, const QString& name, int key);
    void onSliderDragFinished(const QString& name);
    void onLandmarkDragged(int landmark, const QPointF& photoPoint);
    void onLandmarkGestureFinished(const QString& name);
    void applyFacePreset(const QString& title, const QString& resource);
    void resetFace();
    void nextFace();
    void onTargetGestureFinished(const pose::Pose& before, const pose::Pose& after, const QString& name);
    void onReferenceDragged(const pose::Pose& reference);
    void onReferenceGestureFinished(const pose::Pose& before, const pose::Pose& after, const QString& name);
    void showJointMenu(bool onReference, pose::JointId joint, const QPoint& globalPosition);
    // `limb`: the menu of a bone of the result view (pose::limbs()[limb]), which adds its limb's depth choices.
    void showBackgroundMenu(bool onReference, const QPointF& photoPoint, const QPoint& globalPosition,
                            std::optional<int> limb = std::nullopt);
    // "Draw In Front of the Body", "Draw Behind the Body", "Automatic Depth" for the limb `part` (not the trunk).
    void addDepthActions(QMenu& menu, deform::BodyPart part);
    void setLimbDepth(deform::BodyPart part, deform::Depth depth);
    void hideJoint(bool onReference, pose::JointId joint);
    void restoreJoint(bool onReference, pose::JointId joint, std::optional<QPointF> at);
    void mirrorPose();
    void resetPose();
    void applyPreset(const QString& title, const QString& jsonText, const QString& sourceName);
    void loadPresetFile();
    void importPose();
    void exportPose();

    // Files.
    void openDialog();
    bool confirmDiscardChanges();
    void exportImage(bool cropOnly);
    void exportEditJson();
    void exportMaps();
    QString editJsonFor(const QString& documentPath) const;
    void addRecentFile(const QString& path);
    void rebuildRecentMenu();
    QString autosavePath() const;
    void autosave();
    void removeAutosave();
    std::optional<edit::EditDocument> offerAutosave(const OpenedPhoto& photo);
    void restoreReposeChoices(const edit::EditDocument& restored);  // an autosave's method and depth order
    void updateTitle();

    // Model > Adapt to This Photo: fine-tunes the weights of the mode in use on the photo's person (body) or
    // face (portrait) on a thread of its own, then loads the adapted weights.
    void adaptToPhoto();
    // Model > Forget Adapted Weights: deletes the photo's adapted weights in use and loads their base.
    void forgetAdaptation();
    void onAdaptationProgress(int step, int steps, double pixelL1, double imagesPerSecond);
    void onAdaptationEnded();
    // Where the open photo's weights adapted from `baseWeights` are kept (portrait weights: per face of it).
    QString adaptedWeightsPath(const QString& baseWeights, model::SemanticsKind kind) const;
    // Weights adapted to one photo serve that photo alone: opening another goes back to the weights they
    // started from, and a photo adapted before gets its adapted weights back.
    void matchWeightsToPhoto();
    void matchWeightsToPhoto(model::SemanticsKind kind);
    // The engine, the base of adaptations and the loading of weights of body or portrait mode.
    const EngineInfo* engineFor(model::SemanticsKind kind) const;
    QString& adaptationBaseFor(model::SemanticsKind kind);
    void loadWeightsFor(model::SemanticsKind kind, const QString& path);

    // Long jobs: a progress bar and a Cancel button appear after half a second.
    void startLongJob(quint64 job, const QString& text);
    void endLongJob(quint64 job);
    void cancelLongJobs();

    EditorOptions m_options;
    Document* m_document;
    InferenceWorker* m_worker;
    PoseCanvas* m_resultCanvas;
    PoseCanvas* m_referenceCanvas;
    MapsPanel* m_mapsPanel;
    PortraitPanel* m_portraitPanel = nullptr;
    QDockWidget* m_portraitDock = nullptr;
    QUndoView* m_historyView = nullptr;
    QLabel* m_banner;
    QLabel* m_hint;
    QLabel* m_deviceLabel = nullptr;
    QLabel* m_weightsLabel = nullptr;
    QLabel* m_modeLabel = nullptr;
    QLabel* m_latencyLabel = nullptr;
    QProgressBar* m_busyBar = nullptr;
    QToolButton* m_cancelButton = nullptr;
    AdaptationRunner* m_adaptation = nullptr;
    QProgressBar* m_adaptBar = nullptr;
    QToolButton* m_adaptCancelButton = nullptr;
    // The weights in use before any adapted ones, body and portrait (empty: unknown or untrained).
    QString m_adaptationBase;
    QString m_portraitAdaptationBase;
    // The face whose portrait weights were last matched (photo id, face index): slider moves change the
    // portrait many times a second, and only another face can need other weights.
    std::pair<quint64, int> m_matchedFace{0, -1};
    int m_inferenceThreadCap = 0;  // as last asked of the worker (InferenceWorker::capCpuThreads)
    // Of the adaptation running: the model it adapts, the weights it started from and the photo's name.
    model::SemanticsKind m_adaptingKind = model::SemanticsKind::Body;
    QString m_adaptingBase;
    QString m_adaptingPhoto;
    QSlider* m_splitSlider = nullptr;
    QMenu* m_recentMenu = nullptr;
    QMenu* m_presetMenu = nullptr;
    QTimer* m_pauseTimer;
    QTimer* m_autosaveTimer;
    QTimer* m_busyTimer;

    std::map<QString, QAction*> m_actions;  // by object name
    QAction* action(const char* objectName) const;
    // Adds the named actions to a menu or tool bar in order; a null name adds a separator.
    void addNamedActions(QWidget* target, std::initializer_list<const char*> objectNames);
    edit::PasteExtent pasteExtent() const;  // View > Paste Back
    bool warpOnly() const;                  // Model > Warp Only: the preview is the result

    std::unique_ptr<EngineInfo> m_engine;  // null until the first engine has loaded
    std::unique_ptr<EngineSpec> m_engineSpec;  // the spec of the last load requested
    std::unique_ptr<EngineInfo> m_portraitEngine;  // null until portrait mode first needs it
    std::unique_ptr<EngineSpec> m_portraitSpec;
    quint64 m_portraitEngineJob = 0;
    std::unique_ptr<PortraitState> m_portraitDragStart;  // a slider or landmark gesture in progress
    QString m_faceNote;   // why the photo has no face
    QString m_photoNote;  // where the skeleton came from
    std::unique_ptr<Frame> m_frame;        // the frame shown
    quint64 m_engineJob = 0;
    quint64 m_openJob = 0;
    quint64 m_faceJob = 0;  // Portrait > Next Face
    // The face whose landmarks the worker's portrait session holds as its reference.
    std::shared_ptr<const edit::PortraitFace> m_workerFace;
    quint64 m_exportJob = 0;
    std::map<quint64, QString> m_longJobs;
    quint64 m_serial = 0;  // render requests so far; the newest wins
    bool m_dragging = false;
    static constexpr double kUnmeasuredMilliseconds = 1e9;
    double m_lastFullMilliseconds = kUnmeasuredMilliseconds;  // unknown: assume slow until measured
    std::optional<QPointF> m_attentionPoint;
    std::unique_ptr<PosePair> m_referenceDragStart;
    // The method the user chose last (Model menu; else EditorOptions or the settings): photos without a saved
    // method of their own open with it.
    edit::ReposeMethod m_preferredMethod = edit::ReposeMethod::Hybrid;
    QStringList m_frameWarnings;  // the shown frame's sentences for the user, on the hint line
    QString m_openedPath;  // the path the user opened (photo or edit), for recent files
};

}  // namespace marionette::ui

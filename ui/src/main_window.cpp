#include "marionette/ui/main_window.h"

#include "adaptation_controller.h"
#include "atomic_save.h"
#include "autosave.h"
#include "document.h"
#include "editor_actions.h"
#include "engines.h"
#include "exporter.h"
#include "inference_worker.h"
#include "long_jobs.h"
#include "maps_panel.h"
#include "model_banner.h"
#include "portrait_editor.h"
#include "portrait_panel.h"
#include "pose_canvas.h"
#include "pose_commands.h"
#include "pose_editor.h"
#include "recent_files.h"
#include "render_controller.h"
#include "window_layout.h"

#include "marionette/edit/edit_document.h"
#include "marionette/edit/version_report.h"
#include "marionette/ui/file_dialog.h"
#include "marionette/ui/message_box.h"
#include "marionette/ui/settings.h"

#include <QAction>
#include <QCheckBox>
#include <QCloseEvent>
#include <QCoreApplication>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QFileInfo>
#include <QLabel>
#include <QMenu>
#include <QMimeData>
#include <QSlider>
#include <QStatusBar>
#include <QTimer>

// The presets are compiled into this static library: register them before the first window needs them.
static void initEditorResources() { Q_INIT_RESOURCE(editor); }

namespace marionette::ui {
namespace {

const char* const kPhotoFilter =
    QT_TRANSLATE_NOOP("MainWindow",
                      "Photos and edits (*.jpg *.jpeg *.png *.webp *.bmp *.tif *.tiff *.marionette.json);;"
                      "All files (*)");

}  // namespace

MainWindow::MainWindow(const EditorOptions& options, QWidget* parent)
    : QMainWindow(parent),
      m_options(options),
      m_document(new Document(this)),
      m_worker(new InferenceWorker(this)),
      m_resultCanvas(new PoseCanvas),
      m_referenceCanvas(new PoseCanvas),
      m_mapsPanel(new MapsPanel),
      m_portraitPanel(nullptr),
      m_banner(new QLabel),
      m_hint(new QLabel) {
    initEditorResources();
    m_portraitPanel = new PortraitPanel(PortraitEditor::facePresets());
    m_portraitPanel->setObjectName(QStringLiteral("portraitPanel"));
    setObjectName(QStringLiteral("mainWindow"));
    setWindowTitle(tr("Marionette"));
    setAcceptDrops(true);
    resize(1400, 900);
    m_actions = std::make_unique<EditorActions>(EditorActions::create(this));
    createCentralWidget();
    createParts();
    connectActions();
    createMenus();
    connectDocument();
    m_poseEditor->attach(m_resultCanvas, false);
    m_poseEditor->attach(m_referenceCanvas, true);
    m_portraitEditor->attach(m_portraitPanel, m_resultCanvas);
    restoreLayout();
    updateTitle();
    updateActionStates();
    startUp();
}

MainWindow::~MainWindow() {
    // The document (a child) clears its undo stack when it goes, after this window's members: stop listening.
    disconnect(m_document->undoStack(), nullptr, this, nullptr);
    disconnect(m_document, nullptr, this, nullptr);
    // The worker's thread goes first (it finishes the job in hand), before anything it reports to.
    delete m_worker;
    m_worker = nullptr;
}

const Frame* MainWindow::currentFrame() const { return m_render->frame(); }
bool MainWindow::portraitMode() const { return m_document->mode() == EditMode::Portrait; }
EngineSlot& MainWindow::activeSlot() const { return portraitMode() ? m_engines->portrait() : m_engines->body(); }
const EngineInfo* MainWindow::activeEngine() const { return activeSlot().info.get(); }
bool MainWindow::hasEngine() const { return activeEngine() != nullptr; }
const EngineInfo& MainWindow::engineInfo() const {
    static const EngineInfo none;
    return activeEngine() ? *activeEngine() : none;
}
bool MainWindow::isBusy() const { return !m_longJobs->empty(); }
int MainWindow::inferenceThreadCap() const { return m_adaptation->inferenceThreadCap(); }
bool MainWindow::isUpToDate() const { return m_render->isUpToDate(); }

// --- construction --------------------------------------------------------------------------------------

void MainWindow::createCentralWidget() {
    m_resultCanvas->setObjectName(QStringLiteral("resultCanvas"));
    m_referenceCanvas->setObjectName(QStringLiteral("referenceCanvas"));
    m_referenceCanvas->setGestureNamePrefix(tr("reference "));
    m_referenceCanvas->setLandmarksEditable(false);  // the face as photographed; the fit follows from it
    setCentralWidget(resultArea(m_banner, m_hint, m_resultCanvas));
}

void MainWindow::createParts() {
    m_longJobs = new LongJobs(statusBar(), this);
    connect(m_longJobs, &LongJobs::cancelRequested, this, &MainWindow::cancelLongJobs);
    m_engines = new Engines(m_worker, m_longJobs, this);
    connect(m_engines, &Engines::loaded, this, &MainWindow::onEngineLoaded);
    m_adaptation = new AdaptationController(m_options, m_document, m_worker, statusBar(), this);
    connect(m_adaptation, &AdaptationController::loadRequested, this, &MainWindow::loadWeights);
    connect(m_adaptation, &AdaptationController::runningChanged, this, &MainWindow::updateActionStates);
    const StatusLabels labels = addStatusLabels(statusBar());
    m_deviceLabel = labels.device;
    m_weightsLabel = labels.weights;
    m_render = new RenderController(
        m_document, m_worker, *m_actions, {m_resultCanvas, m_referenceCanvas, m_mapsPanel, labels.mode, labels.latency},
        m_options.previewWhileDragging, [this] { return activeEngine(); }, this);
    connect(m_render, &RenderController::frameShown, this, &MainWindow::frameShown);
    connect(m_render, &RenderController::warningsChanged, this, &MainWindow::onFrameWarnings);
    connect(m_render, &RenderController::failed, this,
            [this](const QString& message) { statusBar()->showMessage(message, 8000); });
    m_autosave = new Autosave(
        m_options.autosaveFolder, m_options.autosaveSeconds, m_document,
        [this](const QString& path) { return editDocumentFor(path); }, this);
    connect(m_autosave, &Autosave::failed, this,
            [this](const QString& message) { statusBar()->showMessage(message, 8000); });
    m_exporter = new Exporter(
        m_document, m_worker, m_longJobs, *m_actions, *m_render,
        [this](const QString& path) { return editJsonFor(path); }, this, statusBar());
    connect(m_exporter, &Exporter::runningChanged, this, &MainWindow::updateActionStates);
    m_poseEditor = new PoseEditor(m_document, m_render, this, statusBar());
    m_portraitEditor = new PortraitEditor(m_document, m_worker, m_render, this, statusBar());
    connect(m_portraitEditor, &PortraitEditor::stateChanged, this, &MainWindow::updateActionStates);
    connect(m_portraitEditor, &PortraitEditor::portraitModeWanted, this, [this] {
        if (!portraitMode()) setPortraitMode(true);
    });
    connect(m_worker, &InferenceWorker::photoOpened, this, &MainWindow::onPhotoOpened);
    connect(m_worker, &InferenceWorker::photoFailed, this, &MainWindow::onPhotoFailed);
}

void MainWindow::connectActions() {
    const EditorActions& a = *m_actions;
    connect(a.open, &QAction::triggered, this, &MainWindow::openDialog);
    connect(a.saveEdit, &QAction::triggered, this, [this] { saveEdit(); });
    connect(a.quit, &QAction::triggered, this, &MainWindow::close);
    QUndoStack* stack = m_document->undoStack();
    connect(a.undo, &QAction::triggered, stack, &QUndoStack::undo);
    connect(a.redo, &QAction::triggered, stack, &QUndoStack::redo);
    connect(stack, &QUndoStack::canUndoChanged, a.undo, &QAction::setEnabled);
    connect(stack, &QUndoStack::canRedoChanged, a.redo, &QAction::setEnabled);
    connect(stack, &QUndoStack::undoTextChanged, a.undo,
            [u = a.undo](const QString& text) { u->setToolTip(tr("Undo %1").arg(text)); });
    connect(stack, &QUndoStack::redoTextChanged, a.redo,
            [r = a.redo](const QString& text) { r->setToolTip(tr("Redo %1").arg(text)); });
    connect(a.fit, &QAction::triggered, this, [this] {
        m_resultCanvas->fitToWindow();
        m_referenceCanvas->fitToWindow();
    });
    connect(a.actualSize, &QAction::triggered, m_resultCanvas, &PoseCanvas::actualSize);
    connect(a.zoomIn, &QAction::triggered, this, [this] { m_resultCanvas->zoomBy(1.25); });
    connect(a.zoomOut, &QAction::triggered, this, [this] { m_resultCanvas->zoomBy(0.8); });
    connect(a.beforeAfter, &QAction::triggered, this, [this](bool on) {
        m_resultCanvas->setSplit(on, m_splitSlider->value() / 100.0);
        updateActionStates();
    });
    for (const auto e : {edit::PasteExtent::MovedParts, edit::PasteExtent::Person, edit::PasteExtent::WholeCrop}) {
        connect(a.pasteAction(e), &QAction::triggered, this, [this, e] {
            Settings::instance().set(Settings::Key::PasteBack, QString::fromLatin1(edit::toString(e)));
            m_render->request(false);
        });
    }
    const auto applyLocks = [this] {
        m_resultCanvas->setLocks(m_actions->symmetryLock->isChecked(), m_actions->keepBoneLengths->isChecked());
        Settings::instance().set(Settings::Key::SymmetryLock, m_actions->symmetryLock->isChecked());
        Settings::instance().set(Settings::Key::KeepBoneLengths, m_actions->keepBoneLengths->isChecked());
    };
    connect(a.symmetryLock, &QAction::triggered, this, applyLocks);
    connect(a.keepBoneLengths, &QAction::triggered, this, applyLocks);
    connect(a.portraitMode, &QAction::triggered, this, &MainWindow::setPortraitMode);
    a.linkSides->setChecked(m_portraitPanel->linked());
    connect(a.linkSides, &QAction::triggered, m_portraitPanel, &PortraitPanel::setLinked);
    connectModelActions();
}

void MainWindow::connectModelActions() {
    const EditorActions& a = *m_actions;
    for (const auto m : {edit::ReposeMethod::Hybrid, edit::ReposeMethod::Network})
        connect(a.methodAction(m), &QAction::triggered, this, [this, m] { chooseReposeMethod(m); });
    connect(a.openWeights, &QAction::triggered, this, [this] {
        const QString path = FileDialog::getOpenFileName(this, tr("Open Weights"),
                                                         tr("Marionette weights (*.safetensors);;All files (*)"));
        if (!path.isEmpty()) loadWeights(activeSlot().kind(), path);  // the model of the mode in use
    });
    connect(a.untrainedWeights, &QAction::triggered, this, [this] { loadWeights(activeSlot().kind(), QString()); });
    connect(a.warpOnly, &QAction::triggered, this, [this] {
        m_render->request(false);
        updateActionStates();
    });
    m_adaptation->connectActions(a, [this]() -> const EngineSlot& { return activeSlot(); });
    for (const auto d : {edit::Device::Auto, edit::Device::Cpu, edit::Device::Cuda})
        connect(a.deviceAction(d), &QAction::triggered, m_engines, [this, d] { m_engines->setDevice(d); });
    connect(a.about, &QAction::triggered, this, [this] {
        MessageBox::information(
            this, tr("About Marionette"),
            tr("Marionette %1\nRe-pose people in photos with attention + flow synthesis\n"
               "(Ren et al., \"Combining Attention with Flow for Person Image Synthesis\", ACM MM 2021).")
                .arg(QCoreApplication::applicationVersion()));
    });
}

void MainWindow::createMenus() {
    const EditorMenus menus = addMenus(this, *m_actions, m_mapsPanel->mapActions());
    m_recentFiles = new RecentFiles(menus.recent, this);
    connect(m_recentFiles, &RecentFiles::openRequested, this, &MainWindow::openFile);
    m_poseEditor->connectActions(*m_actions, menus.posePresets);
    m_portraitEditor->connectActions(*m_actions, menus.facePresets);
    connect(m_portraitPanel->findChild<QCheckBox*>(QStringLiteral("linkSides")), &QCheckBox::toggled,
            m_actions->linkSides, &QAction::setChecked);
    m_portraitDock =
        addDocks(this, m_referenceCanvas, m_mapsPanel, m_portraitPanel, m_document->undoStack(), menus.view);
    m_splitSlider = menus.split;
    connect(m_splitSlider, &QSlider::valueChanged, this,
            [this](int v) { m_resultCanvas->setSplit(m_actions->beforeAfter->isChecked(), v / 100.0); });
}

void MainWindow::connectDocument() {
    connect(m_document, &Document::referenceChanged, this,
            [this] { m_worker->setPhoto(m_document->photoId(), m_document->photo(), m_document->reference()); });
    connect(m_document, &Document::targetChanged, this, &MainWindow::onPosesChanged);
    connect(m_document, &Document::portraitChanged, this, &MainWindow::onPortraitChanged);
    // Portrait weights adapted to one face of a group photo serve that face: another face goes back.
    connect(m_document, &Document::portraitChanged, this, [this] {
        const std::pair<quint64, int> face{m_document->photoId(),
                                           m_document->face() ? m_document->face()->faceIndex : -1};
        if (face == m_matchedFace) return;
        m_matchedFace = face;
        m_adaptation->matchWeightsToPhoto(m_engines->portrait());
    });
    connect(m_document, &Document::referenceChanged, this, &MainWindow::onPosesChanged);
    connect(m_document, &Document::methodChanged, this, &MainWindow::onReposeMethodChanged);
    connect(m_document, &Document::depthChanged, this, [this] {
        if (m_document->hasPhoto() && !portraitMode()) m_render->request(false);
    });
    connect(m_document->undoStack(), &QUndoStack::cleanChanged, this, &MainWindow::updateTitle);
    connect(m_document->undoStack(), &QUndoStack::indexChanged, this, &MainWindow::updateActionStates);
}

void MainWindow::restoreLayout() {
    Settings& s = Settings::instance();
    restoreGeometry(s.get(Settings::Key::WindowGeometry).toByteArray());
    restoreState(s.get(Settings::Key::WindowState).toByteArray());
    m_mapsPanel->setOpacity(s.get(Settings::Key::MapOpacity).toDouble());
    m_actions->symmetryLock->setChecked(s.get(Settings::Key::SymmetryLock).toBool());
    m_actions->keepBoneLengths->setChecked(s.get(Settings::Key::KeepBoneLengths).toBool());
    const auto extent = edit::pasteExtentFromString(s.get(Settings::Key::PasteBack).toString().toStdString());
    m_actions->pasteAction(extent.value_or(edit::PasteExtent::MovedParts))->setChecked(true);
    m_resultCanvas->setLocks(m_actions->symmetryLock->isChecked(), m_actions->keepBoneLengths->isChecked());
}

void MainWindow::startUp() {
    Settings& s = Settings::instance();
    const edit::Device device = m_options.device != edit::Device::Auto ? m_options.device : Engines::rememberedDevice();
    m_engines->configure(m_options, device);
    m_actions->deviceAction(device)->setChecked(true);
    const auto remembered = edit::reposeMethodFromString(s.get(Settings::Key::ReposeMethod).toString().toStdString());
    m_preferredMethod = m_options.reposeMethod.value_or(remembered.value_or(edit::ReposeMethod::Hybrid));
    showReposeMethod(m_preferredMethod);
    loadWeights(model::SemanticsKind::Body, Engines::startWeights(m_options));

    const QString open = !m_options.openPath.isEmpty() || !m_options.openRecentOrSample ? m_options.openPath
                                                                                        : m_recentFiles->startFile();
    if (!open.isEmpty())
        openFile(open);
    else
        m_hint->setText(tr("Open a photo of a person (File \u25b8 Open or drop it here)."));
}

// --- engines -------------------------------------------------------------------------------------------

void MainWindow::openWeights(const QString& path) {
    // The file says which model it is; one that cannot be read goes to the body model, whose load says why.
    const auto kind = path.isEmpty() ? std::nullopt : edit::weightsKind(path.toStdString());
    loadWeights(kind.value_or(model::SemanticsKind::Body), path);
}

void MainWindow::loadWeights(model::SemanticsKind kind, const QString& path) { m_engines->load(kind, path); }

void MainWindow::onEngineLoaded(model::SemanticsKind kind) {
    // The first portrait load of a session may find weights adapted to this face before.
    if (kind == model::SemanticsKind::Face) m_adaptation->matchWeightsToPhoto(m_engines->portrait());
    m_render->forgetTimes();
    updateEngineLabels();
    updateActionStates();
    m_render->request(false);
}

void MainWindow::updateEngineLabels() {
    showModelStatus(activeEngine(), !activeSlot().adaptationBase.isEmpty(),
                    m_document->method() == edit::ReposeMethod::Hybrid, m_banner, m_deviceLabel, m_weightsLabel);
}

// --- photos --------------------------------------------------------------------------------------------

void MainWindow::openFile(const QString& path) {
    if (path.endsWith(QLatin1String(".safetensors"), Qt::CaseInsensitive)) {
        openWeights(path);
        return;
    }
    if (!confirmDiscardChanges()) return;
    if (m_openJob) {
        m_worker->cancel(m_openJob);
        m_longJobs->end(m_openJob);
    }
    m_openedPath = QFileInfo(path).absoluteFilePath();
    m_openJob = m_worker->openPhoto(m_openedPath);
    m_longJobs->start(m_openJob, tr("Opening %1\u2026").arg(QFileInfo(path).fileName()));
}

void MainWindow::onPhotoOpened(quint64 job, const OpenedPhoto& photo) {
    if (job != m_openJob) return;
    m_longJobs->end(job);
    m_openJob = 0;
    const std::optional<edit::EditDocument> restored = m_autosave->offer(photo);
    m_render->clear();
    m_resultCanvas->setPhoto(photo.image);
    m_referenceCanvas->setPhoto(photo.image);
    m_referenceCanvas->setMapOverlay(QImage(), QRectF(), 0);
    m_document->reset(photo.photoPath, photo.photo, photo.image, photo.sha256, {photo.reference, photo.target});
    m_frameWarnings.clear();
    showReposeMethod(photo.method.value_or(m_preferredMethod));  // the saved edit's own, else the user's choice
    m_document->setDepth(photo.depth);
    m_faceNote = photo.faceNote;
    if (photo.face) {
        const QString problem = m_portraitEditor->openFace(photo);  // onPortraitChanged hands the face to the worker
        if (!problem.isEmpty()) m_faceNote = problem;
    }
    if (restored) restoreAutosaved(*restored, photo);
    m_recentFiles->add(m_openedPath);
    m_photoNote = photo.note;
    setPortraitMode(photo.portraitMode && photo.face);
    m_adaptation->matchWeightsToPhoto(m_engines->body());
    m_adaptation->matchWeightsToPhoto(m_engines->portrait());
    updateTitle();
    updateActionStates();
    if (!photo.warning.isEmpty()) MessageBox::warning(this, tr("Opened with a warning"), photo.warning);
}

void MainWindow::restoreAutosaved(const edit::EditDocument& restored, const OpenedPhoto& photo) {
    const PosePair poses{restored.reference, restored.target};
    m_poseEditor->applyEdit(tr("Restore autosaved edit"), poses);
    if (const auto method = edit::reposeMethodFromString(restored.method)) showReposeMethod(*method);
    const deform::DepthOrder depth = deform::parseDepthOrder(restored.depth);  // checked when read
    if (!(depth == m_document->depth()))
        m_document->undoStack()->push(
            new DepthCommand(m_document, tr("Restore autosaved depth order"), m_document->depth(), depth));
    m_portraitEditor->restoreAutosaved(restored, photo);
}

void MainWindow::onPhotoFailed(quint64 job, const QString& message) {
    if (job != m_openJob) return;
    m_longJobs->end(job);
    m_openJob = 0;
    MessageBox::critical(this, tr("Cannot open"),
                         m_document->hasPhoto() ? tr("%1\n\nThe current edit stays open.").arg(message) : message);
}

void MainWindow::setPortraitMode(bool on) {
    QAction* toggle = m_actions->portraitMode;
    if (on && !m_document->face()) {
        const QSignalBlocker block(toggle);
        toggle->setChecked(false);
        if (m_document->hasPhoto())
            statusBar()->showMessage(
                tr("Portrait mode needs a face: %1").arg(m_faceNote.isEmpty() ? tr("none was found") : m_faceNote),
                8000);
        return;
    }
    {
        const QSignalBlocker block(toggle);
        toggle->setChecked(on);
    }
    const bool changed = portraitMode() != on;
    m_document->setMode(on ? EditMode::Portrait : EditMode::Body);
    m_resultCanvas->setFaceMode(on);
    m_referenceCanvas->setFaceMode(on);
    m_portraitDock->setVisible(on);
    if (on) {
        m_portraitDock->raise();
        if (m_portraitDock->width() < 340) resizeDocks({m_portraitDock}, {340}, Qt::Horizontal);
    }
    if (on && !m_engines->portrait().info && !m_engines->portrait().job)
        loadWeights(model::SemanticsKind::Face, Engines::portraitStartWeights(m_options));
    if (changed) {
        m_render->clear();
        m_render->forgetTimes();
        m_resultCanvas->clearResult();
    }
    updateEngineLabels();
    updateHint();
    updateActionStates();
    m_render->request(false);
}

void MainWindow::updateHint() {
    if (!m_document->hasPhoto()) return;
    if (portraitMode()) {
        m_hint->setText(
            tr("Portrait mode: move the sliders in the Portrait dock (double-click one to reset it) or drag a "
               "landmark; P switches back to the body."));
        return;
    }
    QString text = tr("Drag a joint to re-pose the person; drag a bone to turn a limb; right-click for more.");
    if (!m_photoNote.isEmpty()) text += QStringLiteral("  ") + m_photoNote;
    if (m_document->face()) text += QStringLiteral("  ") + tr("A face was found: P edits it in portrait mode.");
    for (const QString& warning : m_frameWarnings) text += QStringLiteral("  ") + warning;
    m_hint->setText(text);
}

void MainWindow::onPortraitChanged() {
    const auto& face = m_document->face();
    if (face && face != m_workerFace) {
        m_worker->setPortraitPhoto(m_document->photoId(), m_document->photo(), face->observed);
        m_workerFace = face;
    }
    m_resultCanvas->setLandmarks(m_document->portraitTarget());
    m_referenceCanvas->setLandmarks(m_document->portraitReference());
    if (face) m_portraitPanel->setParameters(m_document->portrait().parameters, face->fitted);
    if (!m_document->hasPhoto() || !portraitMode()) return;
    m_render->requestWhileDragging(true);
    updateActionStates();
}

void MainWindow::onPosesChanged() {
    m_resultCanvas->setPose(m_document->target());
    m_referenceCanvas->setPose(m_document->reference());
    if (!m_document->hasPhoto() || portraitMode()) return;
    // Hybrid's preview is already the photo's own pixels, and its full render (the best background fill) can
    // hold the worker for seconds on a CPU: it waits for the release.
    m_render->requestWhileDragging(m_document->method() == edit::ReposeMethod::Network);
    updateActionStates();
}

void MainWindow::chooseReposeMethod(edit::ReposeMethod method) {
    m_preferredMethod = method;
    Settings::instance().set(Settings::Key::ReposeMethod, QString::fromLatin1(edit::toString(method)));
    showReposeMethod(method);
}

void MainWindow::showReposeMethod(edit::ReposeMethod method) {
    m_actions->methodAction(method)->setChecked(true);
    m_document->setMethod(method);
}

void MainWindow::onReposeMethodChanged() {
    m_render->forgetTimes();  // the other method takes another time
    m_frameWarnings.clear();
    updateEngineLabels();  // the banner says what the weights spoil, which depends on the method
    updateHint();
    updateActionStates();
    if (m_document->hasPhoto()) m_render->request(false);
}

// Sentences from core start in lower case, for joining; the hint line shows each as a sentence.
void MainWindow::onFrameWarnings(const QStringList& warnings) {
    QStringList sentences;
    for (QString w : warnings) {
        if (w.isEmpty()) continue;
        w[0] = w[0].toUpper();
        if (!w.endsWith(QLatin1Char('.'))) w += QLatin1Char('.');
        sentences << w;
    }
    if (sentences == m_frameWarnings) return;
    m_frameWarnings = sentences;
    updateHint();
}

// --- files ---------------------------------------------------------------------------------------------

void MainWindow::openDialog() {
    const QString path = FileDialog::getOpenFileName(this, tr("Open Photo or Edit"), tr(kPhotoFilter));
    if (!path.isEmpty()) openFile(path);
}

bool MainWindow::confirmDiscardChanges() {
    if (!m_document->isModified()) return true;
    const auto answer = MessageBox::question(
        this, tr("Unsaved edit"),
        tr("Save the edit of %1 before closing it?").arg(QFileInfo(m_document->photoPath()).fileName()),
        QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel, QMessageBox::Save);
    if (answer == QMessageBox::Cancel) return false;
    if (answer == QMessageBox::Save) return saveEdit();
    m_autosave->remove();
    return true;
}

// The edit as saved at `documentPath`, with the crop box of the model in use (before one has loaded: that of
// the model that would load without weights).
edit::EditDocument MainWindow::editDocumentFor(const QString& documentPath) const {
    const EngineSlot& slot = activeSlot();
    const ImageSize canvas = slot.info
                                 ? slot.info->canvas
                                 : ImageSize{slot.spec.untrainedConfig.canvasWidth, slot.spec.untrainedConfig.height};
    return m_document->toEditDocument(documentPath, slot.info ? slot.info->weightsId : QString(), canvas);
}

QString MainWindow::editJsonFor(const QString& documentPath) const {
    return QString::fromStdString(edit::toJson(editDocumentFor(documentPath)));
}

bool MainWindow::saveEdit() {
    if (!m_document->hasPhoto()) return false;
    const QString path = m_document->documentPath();
    const QString error = saveAtomically(path, editJsonFor(path).toUtf8());
    if (!error.isEmpty()) {
        MessageBox::critical(this, tr("Cannot save the edit"), error);
        return false;
    }
    m_document->undoStack()->setClean();
    m_autosave->remove();
    m_recentFiles->add(m_document->photoPath());
    statusBar()->showMessage(tr("Saved %1").arg(QFileInfo(path).fileName()), 5000);
    return true;
}

void MainWindow::updateTitle() {
    const QString name = m_document->hasPhoto() ? QFileInfo(m_document->photoPath()).fileName() : tr("No photo");
    setWindowTitle(tr("%1[*] \u2014 Marionette").arg(name));
    setWindowModified(m_document->isModified());
}

void MainWindow::cancelLongJobs() {
    for (const quint64 job : m_longJobs->jobs()) {
        m_worker->cancel(job);
        m_longJobs->end(job);
    }
    // The engines' jobs stay: a load the worker finished before it saw the cancel is in use there, so its
    // answer is still taken.
    m_openJob = 0;
    m_exporter->forget();
    statusBar()->showMessage(tr("Cancelled"), 4000);
    m_engines->ensureBodyModel();
    updateActionStates();
}

// --- state ---------------------------------------------------------------------------------------------

void MainWindow::updateActionStates() {
    const EditorActions& a = *m_actions;
    const bool photo = m_document->hasPhoto();
    const bool body = photo && !portraitMode();
    const auto& face = m_document->face();
    for (QAction* action : {a.saveEdit, a.exportEdit, a.fit, a.actualSize, a.zoomIn, a.zoomOut, a.beforeAfter,
                            a.paste[0], a.paste[1], a.paste[2]})
        action->setEnabled(photo);
    for (QAction* action : {a.exportImage, a.exportCrop, a.exportMaps})
        action->setEnabled(photo && activeEngine() && !m_exporter->running());
    for (QAction* action : {a.importPose, a.exportPose, a.mirrorPose, a.loadPreset, a.savePreset})
        action->setEnabled(body);
    a.symmetryLock->setEnabled(!portraitMode());
    a.keepBoneLengths->setEnabled(!portraitMode());
    a.resetPose->setEnabled(body && !(m_document->target() == m_document->reference()));
    m_poseEditor->presetMenu()->setEnabled(body);
    a.portraitMode->setEnabled(photo && (face || portraitMode()));
    a.nextFace->setEnabled(photo && face && face->faceCount > 1 && !m_portraitEditor->findingFace());
    a.resetFace->setEnabled(photo && face && m_document->portrait() != PortraitState{face->fitted, {}});
    for (QAction* preset : a.facePresets) preset->setEnabled(photo && face);
    m_portraitPanel->setEnabled(photo && face);
    m_splitSlider->setEnabled(photo && a.beforeAfter->isChecked());
    a.deviceAction(edit::Device::Cuda)->setEnabled(edit::cudaAvailable());
    m_adaptation->updateActions();
}

// --- window events -------------------------------------------------------------------------------------

void MainWindow::closeEvent(QCloseEvent* event) {
    if (!confirmDiscardChanges()) {
        event->ignore();
        return;
    }
    Settings& s = Settings::instance();
    s.set(Settings::Key::WindowGeometry, saveGeometry());
    s.set(Settings::Key::WindowState, saveState());
    s.sync();
    event->accept();
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
    const QList<QUrl> urls = event->mimeData()->urls();
    if (!urls.isEmpty() && urls.front().isLocalFile()) event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event) {
    const QList<QUrl> urls = event->mimeData()->urls();
    if (urls.isEmpty() || !urls.front().isLocalFile()) return;
    event->acceptProposedAction();
    const QString path = urls.front().toLocalFile();
    QTimer::singleShot(0, this, [this, path] { openFile(path); });  // not inside the drop's own event handling
}

}  // namespace marionette::ui

#include "marionette/ui/main_window.h"
#include "marionette/ui/photo_point.h"

#include "adaptation_runner.h"
#include "adapted_weights_folder.h"
#include "document.h"
#include "inference_worker.h"
#include "maps_panel.h"
#include "pose_canvas.h"
#include "portrait_panel.h"
#include "pose_commands.h"

#include "marionette/edit/bundled_weights.h"
#include "marionette/edit/edit_document.h"
#include "marionette/edit/portrait.h"
#include "marionette/edit/pose_editing.h"
#include "marionette/pose/openpose_json.h"
#include "marionette/ui/file_dialog.h"
#include "marionette/ui/message_box.h"
#include "marionette/ui/settings.h"
#include "marionette/util/bundled_files.h"
#include "marionette/util/error.h"

#include <QAction>
#include <QCheckBox>
#include <QActionGroup>
#include <QApplication>
#include <QCloseEvent>
#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QFile>
#include <QFileInfo>
#include <QLabel>
#include <QLocale>
#include <QMenu>
#include <QMenuBar>
#include <QMimeData>
#include <QProgressBar>
#include <QSaveFile>
#include <QSlider>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTimer>
#include <QToolBar>
#include <QToolButton>
#include <QUndoView>
#include <QVBoxLayout>

// The presets are compiled into this static library: register them before the first window needs them.
static void initEditorResources() { Q_INIT_RESOURCE(editor); }

namespace marionette::ui {
namespace {

constexpr int kMaxRecentFiles = 8;
constexpr int kDragPauseMilliseconds = 250;  // a drag that rests this long gets the full synthesis
constexpr int kLongJobDelayMilliseconds = 500;

const char* const kPhotoFilter = QT_TRANSLATE_NOOP("MainWindow",
                                                   "Photos and edits (*.jpg *.jpeg *.png *.webp *.bmp *.tif *.tiff *.marionette.json);;"
                                                   "All files (*)");

// View > Paste Back, in menu order: one action per edit::PasteExtent, in the enum's order.
constexpr const char* kPasteActions[] = {"actionPasteMoved", "actionPastePerson", "actionPasteWholeCrop"};

const char* pasteActionName(edit::PasteExtent extent) { return kPasteActions[static_cast<int>(extent)]; }

QString bundledSample() { return QString::fromStdString(bundled::samplePath("messi5.jpg")); }

// What the user must know about the model in use, or nothing: random weights make meaningless pictures, and
// weights that have seen synthetic people only make blurred ones. `baseKnown`: for adapted weights, whether
// the editor knows the weights they started from (not when they were opened by hand). `hybrid`: edits move the
// photo's own pixels, and the network draws only what the photo never showed.
QString bannerText(const EngineInfo& info, bool baseKnown, bool hybrid) {
    const bool face = info.kind == model::SemanticsKind::Face;
    if (info.untrained && hybrid && face) {
        return MainWindow::tr("<b>Untrained portrait model.</b> No portrait weights are installed: the photo's own pixels follow the "
                              "sliders, but what the network draws inside an opened mouth is meaningless until a portrait weights "
                              "file is opened (Model \u25b8 Open Weights\u2026)");
    }
    if (info.untrained && hybrid && !face) {
        return MainWindow::tr("<b>Untrained model.</b> No trained weights are installed: the photo's own pixels follow the skeleton, "
                              "but what the network draws where the photo never showed anything is meaningless until trained "
                              "weights are installed (Model \u25b8 Open Weights\u2026)");
    }
    if (info.untrained) {
        return face ? MainWindow::tr("<b>Untrained portrait model.</b> No portrait weights are installed, so the face is "
                                     "synthesised by random weights: the landmarks and sliders work, the pixels are meaningless. "
                                     "Open a portrait weights file with Model \u25b8 Open Weights\u2026")
                    : MainWindow::tr("<b>Untrained model.</b> No trained weights are installed, so the results are meaningless "
                                     "until trained weights are installed: open a weights file with Model \u25b8 Open Weights\u2026");
    }
    if (info.adaptedToPhotos) {
        const QString from = info.initImagesSeen > 0
                                 ? MainWindow::tr(", starting from weights that had seen %1 training images")
                                       .arg(QLocale().toString(static_cast<qulonglong>(info.initImagesSeen)))
                                 : QString();
        const QString scope = baseKnown ? MainWindow::tr("They serve that photo alone: another photo goes back to the weights they "
                                                         "started from.")
                                        : MainWindow::tr("They suit that photo best: for other photos, open the weights they started "
                                                         "from (Model \u25b8 Open Weights\u2026).");
        return MainWindow::tr("<b>Adapted model.</b> These weights were fine-tuned for %1 steps on warped copies of %2%3. %4")
            .arg(QLocale().toString(static_cast<qulonglong>(info.adaptationSteps)), info.adaptedData.toHtmlEscaped(), from, scope);
    }
    if (info.syntheticOnly) {
        const QString images = QLocale().toString(static_cast<qulonglong>(info.imagesSeen));
        if (hybrid && face) {
            return MainWindow::tr("<b>Early portrait model.</b> These weights have seen %1 synthetic faces and no photographs: the "
                                  "photo's own pixels follow the sliders sharply, but what the network draws inside an opened mouth "
                                  "comes out blurred.")
                .arg(images);
        }
        if (hybrid && !face) {
            return MainWindow::tr("<b>Early model.</b> These weights have seen %1 synthetic people and no photographs: the photo's own "
                                  "pixels follow the skeleton sharply, but what the network draws where the photo never showed anything "
                                  "(the body behind a raised arm) comes out blurred.")
                .arg(images);
        }
        return face ? MainWindow::tr("<b>Early portrait model.</b> These weights have seen %1 synthetic faces and no photographs: "
                                     "the face takes the new expression and pose, blurred. Model \u25b8 Adapt to This Photo "
                                     "fine-tunes them on this face (minutes on a CPU).")
                          .arg(images)
                    : MainWindow::tr("<b>Early model.</b> These weights have seen %1 synthetic people and no photographs: "
                                     "the person takes the new pose, blurred. Model \u25b8 Adapt to This Photo fine-tunes "
                                     "them on this person (minutes on a CPU).")
                          .arg(images);
    }
    return {};
}

// The face presets in the order their buttons show, then any others by name.
std::vector<std::pair<QString, QString>> facePresets() {
    static const QStringList order = {QStringLiteral("neutral"), QStringLiteral("smile"), QStringLiteral("laugh"),
                                      QStringLiteral("surprise"), QStringLiteral("wink"), QStringLiteral("frown"),
                                      QStringLiteral("kiss"), QStringLiteral("skeptical"), QStringLiteral("sleepy")};
    QStringList names;
    for (const QString& name : QDir(QStringLiteral(":/face_presets")).entryList({QStringLiteral("*.json")}, QDir::Files, QDir::Name))
        names << QFileInfo(name).completeBaseName();
    std::stable_sort(names.begin(), names.end(), [](const QString& a, const QString& b) {
        const auto rank = [](const QString& n) { return order.contains(n) ? order.indexOf(n) : int(order.size()); };
        return rank(a) < rank(b);
    });
    std::vector<std::pair<QString, QString>> presets;
    for (const QString& name : names) {
        QString title = QString(name).replace(QLatin1Char('_'), QLatin1Char(' '));
        title[0] = title[0].toUpper();
        presets.emplace_back(title, QStringLiteral(":/face_presets/%1.json").arg(name));
    }
    return presets;
}

QString lowerLabel(pose::JointId joint) { return QString::fromUtf8(pose::jointLabel(joint)).toLower(); }

// "arms_raised.json" -> "Arms raised".
QString presetTitle(const QString& fileName) {
    QString title = QFileInfo(fileName).completeBaseName().replace(QLatin1Char('_'), QLatin1Char(' '));
    if (!title.isEmpty()) title[0] = title[0].toUpper();
    return title;
}

QString deviceKey(edit::Device d) {
    return d == edit::Device::Cpu ? QStringLiteral("cpu") : d == edit::Device::Cuda ? QStringLiteral("cuda") : QStringLiteral("auto");
}

edit::Device deviceFromKey(const QString& key) {
    if (key == QLatin1String("cpu")) return edit::Device::Cpu;
    if (key == QLatin1String("cuda")) return edit::Device::Cuda;
    return edit::Device::Auto;
}

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
      m_hint(new QLabel),
      m_pauseTimer(new QTimer(this)),
      m_autosaveTimer(new QTimer(this)),
      m_busyTimer(new QTimer(this)),
      m_engineSpec(std::make_unique<EngineSpec>()),
      m_portraitSpec(std::make_unique<EngineSpec>()) {
    initEditorResources();
    m_portraitPanel = new PortraitPanel(facePresets());
    m_portraitPanel->setObjectName(QStringLiteral("portraitPanel"));
    setObjectName(QStringLiteral("mainWindow"));
    setWindowTitle(tr("Marionette"));
    setAcceptDrops(true);
    resize(1400, 900);

    m_resultCanvas->setObjectName(QStringLiteral("resultCanvas"));
    m_referenceCanvas->setObjectName(QStringLiteral("referenceCanvas"));
    m_referenceCanvas->setGestureNamePrefix(tr("reference "));
    m_referenceCanvas->setLandmarksEditable(false);  // the face as photographed; the fit follows from it

    m_banner->setObjectName(QStringLiteral("modelBanner"));
    m_banner->setWordWrap(true);
    m_banner->setVisible(false);
    m_hint->setObjectName(QStringLiteral("hintLabel"));
    m_hint->setWordWrap(true);
    m_hint->setStyleSheet(QStringLiteral("background: #2d3e50; color: #e8eef4; padding: 4px 10px;"));

    auto* central = new QWidget;
    auto* layout = new QVBoxLayout(central);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(m_banner);
    layout->addWidget(m_hint);
    layout->addWidget(m_resultCanvas, 1);
    setCentralWidget(central);

    m_adaptation = new AdaptationRunner(this);
    connect(m_adaptation, &AdaptationRunner::progressed, this, &MainWindow::onAdaptationProgress);
    connect(m_adaptation, &AdaptationRunner::finished, this, [this](const QString& path) {
        onAdaptationEnded();
        pruneAdaptedWeights(QFileInfo(path).absolutePath(), kAdaptedWeightsKept, path);
        // The user may have opened another photo meanwhile: the weights are for the photo they were adapted to,
        // and load when it is opened again.
        if (m_document->hasPhoto() && QFileInfo(adaptedWeightsPath(m_adaptingBase, m_adaptingKind)) == QFileInfo(path)) {
            statusBar()->showMessage(tr("Adapted weights saved as %1").arg(QDir::toNativeSeparators(path)), 10000);
            loadWeightsFor(m_adaptingKind, path);
        } else {
            statusBar()->showMessage(tr("The weights adapted to %1 are saved; they load when that photo is opened again")
                                         .arg(m_adaptingPhoto), 10000);
        }
    });
    connect(m_adaptation, &AdaptationRunner::cancelled, this, [this] {
        onAdaptationEnded();
        statusBar()->showMessage(tr("Adaptation cancelled; the weights in use stay"), 5000);
    });
    connect(m_adaptation, &AdaptationRunner::failed, this, [this](const QString& message) {
        onAdaptationEnded();
        MessageBox::critical(this, tr("Cannot adapt the weights"), tr("%1\n\nThe weights in use stay loaded.").arg(message));
    });

    createActions();
    createMenus();
    createDocks();
    createStatusBar();

    m_pauseTimer->setSingleShot(true);
    m_pauseTimer->setInterval(kDragPauseMilliseconds);
    connect(m_pauseTimer, &QTimer::timeout, this, [this] {
        if (m_dragging) requestRender(false);
    });
    m_autosaveTimer->setSingleShot(true);
    m_autosaveTimer->setInterval(std::max(1, m_options.autosaveSeconds) * 1000);
    connect(m_autosaveTimer, &QTimer::timeout, this, &MainWindow::autosave);
    m_busyTimer->setSingleShot(true);
    m_busyTimer->setInterval(kLongJobDelayMilliseconds);
    connect(m_busyTimer, &QTimer::timeout, this, [this] {
        if (m_longJobs.empty()) return;
        m_busyBar->setVisible(true);
        m_cancelButton->setVisible(true);
    });

    connect(m_worker, &InferenceWorker::engineLoaded, this, &MainWindow::onEngineLoaded);
    connect(m_worker, &InferenceWorker::engineFailed, this, &MainWindow::onEngineFailed);
    connect(m_worker, &InferenceWorker::photoOpened, this, &MainWindow::onPhotoOpened);
    connect(m_worker, &InferenceWorker::faceFound, this, &MainWindow::onFaceFound);
    connect(m_worker, &InferenceWorker::photoFailed, this, &MainWindow::onPhotoFailed);
    connect(m_worker, &InferenceWorker::frameReady, this, &MainWindow::onFrameReady);
    connect(m_worker, &InferenceWorker::exportFinished, this, &MainWindow::onExportFinished);
    connect(m_worker, &InferenceWorker::renderFailed, this, [this](const RenderTicket& ticket, const QString& message) {
        if (ticket.photoId != m_document->photoId()) return;
        m_frame.reset();
        m_resultCanvas->clearResult();
        m_modeLabel->setText(tr("No result"));
        statusBar()->showMessage(tr("Cannot synthesise: %1").arg(message), 8000);
    });

    connect(m_document, &Document::referenceChanged, this, [this] {
        m_worker->setPhoto(m_document->photoId(), m_document->photo(), m_document->reference());
    });
    connect(m_document, &Document::targetChanged, this, &MainWindow::onPosesChanged);
    connect(m_document, &Document::portraitChanged, this, &MainWindow::onPortraitChanged);
    // Portrait weights adapted to one face of a group photo serve that face: another face goes back.
    connect(m_document, &Document::portraitChanged, this, [this] {
        const std::pair<quint64, int> face{m_document->photoId(), m_document->face() ? m_document->face()->faceIndex : -1};
        if (face == m_matchedFace) return;
        m_matchedFace = face;
        matchWeightsToPhoto(model::SemanticsKind::Face);
    });
    connect(m_document, &Document::referenceChanged, this, &MainWindow::onPosesChanged);
    connect(m_document, &Document::methodChanged, this, &MainWindow::onReposeMethodChanged);
    connect(m_document, &Document::depthChanged, this, [this] {
        if (m_document->hasPhoto() && !portraitMode()) requestRender(false);
    });
    QUndoStack* stack = m_document->undoStack();
    connect(stack, &QUndoStack::cleanChanged, this, &MainWindow::updateTitle);
    connect(stack, &QUndoStack::indexChanged, this, [this] {
        updateActionStates();
        if (m_document->isModified() && m_options.autosaveSeconds > 0 && !m_autosaveTimer->isActive()) m_autosaveTimer->start();
    });

    // The result view: drag the target skeleton.
    connect(m_resultCanvas, &PoseCanvas::gestureStarted, this, [this] {
        m_dragging = true;
        if (portraitMode()) m_portraitDragStart = std::make_unique<PortraitState>(m_document->portrait());
    });
    connect(m_resultCanvas, &PoseCanvas::landmarkDragged, this, &MainWindow::onLandmarkDragged);
    connect(m_resultCanvas, &PoseCanvas::landmarkGestureFinished, this,
            [this](int, const QString& name) { onLandmarkGestureFinished(name); });

    // The Portrait dock: sliders, presets, reset.
    connect(m_portraitPanel, &PortraitPanel::dragStarted, this, [this] {
        m_dragging = true;
        m_portraitDragStart = std::make_unique<PortraitState>(m_document->portrait());
    });
    connect(m_portraitPanel, &PortraitPanel::parametersEdited, this, &MainWindow::onSliderEdited);
    connect(m_portraitPanel, &PortraitPanel::dragFinished, this, &MainWindow::onSliderDragFinished);
    connect(m_portraitPanel, &PortraitPanel::resetRequested, this, &MainWindow::resetFace);
    connect(m_portraitPanel, &PortraitPanel::presetRequested, this, &MainWindow::applyFacePreset);
    connect(m_resultCanvas, &PoseCanvas::poseDragged, this, [this](const pose::Pose& p) { m_document->setTarget(p); });
    connect(m_resultCanvas, &PoseCanvas::gestureFinished, this, &MainWindow::onTargetGestureFinished);
    connect(m_resultCanvas, &PoseCanvas::poseNudged, this,
            [this](const pose::Pose& before, const pose::Pose& after, pose::JointId joint, const QString& name) {
                m_document->undoStack()->push(new PoseCommand(m_document, name, {m_document->reference(), before},
                                                              {m_document->reference(), after}, pose::index(joint)));
                requestRender(false);
            });
    connect(m_resultCanvas, &PoseCanvas::jointMenuRequested, this,
            [this](pose::JointId j, const QPoint& at) { showJointMenu(false, j, at); });
    connect(m_resultCanvas, &PoseCanvas::backgroundMenuRequested, this,
            [this](const QPointF& p, const QPoint& at) { showBackgroundMenu(false, p, at); });
    connect(m_resultCanvas, &PoseCanvas::limbMenuRequested, this,
            [this](int limb, const QPointF& p, const QPoint& at) { showBackgroundMenu(false, p, at, limb); });
    connect(m_resultCanvas, &PoseCanvas::pointPicked, this, [this](const QPointF& p) {
        m_attentionPoint = p;
        m_resultCanvas->setMarker(p);
        requestRender(false);
    });

    // The reference view: fix the photo's own skeleton.
    connect(m_referenceCanvas, &PoseCanvas::gestureStarted, this, [this] {
        m_dragging = true;
        m_referenceDragStart = std::make_unique<PosePair>(m_document->poses());
    });
    connect(m_referenceCanvas, &PoseCanvas::poseDragged, this, &MainWindow::onReferenceDragged);
    connect(m_referenceCanvas, &PoseCanvas::gestureFinished, this, &MainWindow::onReferenceGestureFinished);
    connect(m_referenceCanvas, &PoseCanvas::poseNudged, this,
            [this](const pose::Pose& before, const pose::Pose& after, pose::JointId joint, const QString& name) {
                m_document->undoStack()->push(new PoseCommand(m_document, name, {before, m_document->target()},
                                                              {after, m_document->target()}, pose::index(joint) + 100));
                requestRender(false);
            });
    connect(m_referenceCanvas, &PoseCanvas::jointMenuRequested, this,
            [this](pose::JointId j, const QPoint& at) { showJointMenu(true, j, at); });
    connect(m_referenceCanvas, &PoseCanvas::backgroundMenuRequested, this,
            [this](const QPointF& p, const QPoint& at) { showBackgroundMenu(true, p, at); });
    connect(m_referenceCanvas, &PoseCanvas::limbMenuRequested, this,
            [this](int, const QPointF& p, const QPoint& at) { showBackgroundMenu(true, p, at); });

    connect(m_mapsPanel, &MapsPanel::selectionChanged, this, &MainWindow::onMapSelectionChanged);
    connect(m_mapsPanel, &MapsPanel::opacityChanged, this, [this](double opacity) {
        m_resultCanvas->setMapOpacity(opacity);
        m_referenceCanvas->setMapOpacity(opacity);
        Settings::instance().set(Settings::Key::MapOpacity, opacity);
    });

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

QAction* MainWindow::action(const char* objectName) const { return m_actions.at(QString::fromLatin1(objectName)); }

void MainWindow::addNamedActions(QWidget* target, std::initializer_list<const char*> objectNames) {
    for (const char* name : objectNames) {
        if (name) {
            target->addAction(action(name));
            continue;
        }
        auto* separator = new QAction(target);  // QMenu and QToolBar both draw a separator action as a line
        separator->setSeparator(true);
        target->addAction(separator);
    }
}

bool MainWindow::warpOnly() const { return action("actionWarpOnly")->isChecked(); }

edit::PasteExtent MainWindow::pasteExtent() const {
    for (const auto e : {edit::PasteExtent::MovedParts, edit::PasteExtent::Person, edit::PasteExtent::WholeCrop})
        if (action(pasteActionName(e))->isChecked()) return e;
    return edit::PasteExtent::MovedParts;
}

const Frame* MainWindow::currentFrame() const { return m_frame.get(); }
bool MainWindow::portraitMode() const { return m_document->mode() == EditMode::Portrait; }
const EngineInfo* MainWindow::activeEngine() const { return portraitMode() ? m_portraitEngine.get() : m_engine.get(); }
bool MainWindow::hasEngine() const { return activeEngine() != nullptr; }
const EngineInfo& MainWindow::engineInfo() const {
    static const EngineInfo none;
    return activeEngine() ? *activeEngine() : none;
}

bool MainWindow::isUpToDate() const {
    return m_frame && (!m_frame->preview || warpOnly()) && m_frame->ticket.serial == m_serial && m_frame->ticket.photoId == m_document->photoId() &&
           m_frame->ticket.generation == m_document->generation();
}

// --- construction --------------------------------------------------------------------------------------

void MainWindow::createActions() {
    const auto add = [this](const char* name, const QString& text, const QKeySequence& shortcut, auto slot) {
        auto* a = new QAction(text, this);
        a->setObjectName(QString::fromLatin1(name));
        if (!shortcut.isEmpty()) a->setShortcut(shortcut);
        connect(a, &QAction::triggered, this, slot);
        m_actions[a->objectName()] = a;
        return a;
    };
    add("actionOpen", tr("&Open\u2026"), QKeySequence::Open, [this] { openDialog(); });
    add("actionSaveEdit", tr("&Save Edit"), QKeySequence::Save, [this] { saveEdit(); });
    add("actionExportImage", tr("&Export Image\u2026"), QKeySequence(Qt::CTRL | Qt::Key_E), [this] { exportImage(false); });
    add("actionExportCrop", tr("Export &Crop\u2026"), QKeySequence(), [this] { exportImage(true); });
    add("actionExportEdit", tr("Export Edit as &JSON\u2026"), QKeySequence(), [this] { exportEditJson(); });
    add("actionExportMaps", tr("Export &Maps\u2026"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_E), [this] { exportMaps(); });
    add("actionImportPose", tr("&Import Pose (OpenPose JSON)\u2026"), QKeySequence(), [this] { importPose(); });
    add("actionExportPose", tr("Export &Pose (OpenPose JSON)\u2026"), QKeySequence(), [this] { exportPose(); });
    add("actionQuit", tr("&Quit"), QKeySequence::Quit, [this] { close(); });

    // Undo and redo keep short texts (the toolbar stays put); the step they act on is in their tooltip and
    // in the History dock.
    QUndoStack* stack = m_document->undoStack();
    QAction* undo = add("actionUndo", tr("&Undo"), QKeySequence::Undo, [stack] { stack->undo(); });
    QAction* redo = add("actionRedo", tr("&Redo"), QKeySequence(), [stack] { stack->redo(); });
    redo->setShortcuts({QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_Z), QKeySequence::Redo});
    undo->setEnabled(false);
    redo->setEnabled(false);
    connect(stack, &QUndoStack::canUndoChanged, undo, &QAction::setEnabled);
    connect(stack, &QUndoStack::canRedoChanged, redo, &QAction::setEnabled);
    connect(stack, &QUndoStack::undoTextChanged, undo, [undo](const QString& text) { undo->setToolTip(tr("Undo %1").arg(text)); });
    connect(stack, &QUndoStack::redoTextChanged, redo, [redo](const QString& text) { redo->setToolTip(tr("Redo %1").arg(text)); });

    add("actionFit", tr("&Fit to Window"), QKeySequence(Qt::Key_F), [this] {
        m_resultCanvas->fitToWindow();
        m_referenceCanvas->fitToWindow();
    });
    add("actionActualSize", tr("&Actual Size"), QKeySequence(Qt::Key_1), [this] { m_resultCanvas->actualSize(); });
    add("actionZoomIn", tr("Zoom &In"), QKeySequence::ZoomIn, [this] { m_resultCanvas->zoomBy(1.25); });
    add("actionZoomOut", tr("Zoom &Out"), QKeySequence::ZoomOut, [this] { m_resultCanvas->zoomBy(0.8); });
    QAction* split = add("actionBeforeAfter", tr("&Before / After"), QKeySequence(Qt::Key_Tab), [this](bool on) {
        m_resultCanvas->setSplit(on, m_splitSlider->value() / 100.0);
        updateActionStates();
    });
    split->setCheckable(true);
    split->setToolTip(tr("Show the original photo left of the split line (Tab)"));
    auto* pasteExtents = new QActionGroup(this);
    for (const auto& [name, text, tip, extent] :
         {std::tuple{"actionPasteMoved", tr("&Moved Parts"), tr("Replace only the parts of the body or face the edit moved; the rest keeps the photo's pixels"),
                     edit::PasteExtent::MovedParts},
          std::tuple{"actionPastePerson", tr("Whole &Person or Face"), tr("Replace the whole person (in portrait mode the whole face) with the synthesis"),
                     edit::PasteExtent::Person},
          std::tuple{"actionPasteWholeCrop", tr("Whole &Crop"), tr("Replace the whole crop around the person, background included"),
                     edit::PasteExtent::WholeCrop}}) {
        const edit::PasteExtent e = extent;
        QAction* a = add(name, text, QKeySequence(), [this, e] {
            Settings::instance().set(Settings::Key::PasteBack, QString::fromLatin1(edit::toString(e)));
            requestRender(false);
        });
        a->setCheckable(true);
        a->setToolTip(tip);
        pasteExtents->addAction(a);
    }

    add("actionMirrorPose", tr("&Mirror Pose"), QKeySequence(Qt::Key_M), [this] { mirrorPose(); });
    add("actionResetPose", tr("&Reset to Reference"), QKeySequence(Qt::Key_R), [this] { resetPose(); });
    QAction* symmetry = add("actionSymmetryLock", tr("&Symmetry Lock"), QKeySequence(), [this](bool on) {
        m_resultCanvas->setLocks(on, action("actionKeepBoneLengths")->isChecked());
        Settings::instance().set(Settings::Key::SymmetryLock, on);
    });
    symmetry->setCheckable(true);
    symmetry->setToolTip(tr("The mirror joint moves too, mirrored about the body's axis (or hold Shift)"));
    QAction* keep = add("actionKeepBoneLengths", tr("&Keep Bone Lengths"), QKeySequence(), [this](bool on) {
        m_resultCanvas->setLocks(action("actionSymmetryLock")->isChecked(), on);
        Settings::instance().set(Settings::Key::KeepBoneLengths, on);
    });
    keep->setCheckable(true);
    keep->setToolTip(tr("Joints turn about their parent and the limb below follows (or hold Alt)"));
    add("actionLoadPreset", tr("Load Preset &File\u2026"), QKeySequence(), [this] { loadPresetFile(); });
    add("actionSavePreset", tr("&Save Pose as Preset\u2026"), QKeySequence(), [this] { exportPose(); });

    QAction* portrait = add("actionPortraitMode", tr("&Portrait Mode"), QKeySequence(Qt::Key_P), [this](bool on) { setPortraitMode(on); });
    portrait->setCheckable(true);
    portrait->setToolTip(tr("Edit the face: head pose and expression sliders, draggable landmarks (P)"));
    add("actionResetFace", tr("&Reset Face to Photo"), QKeySequence(), [this] { resetFace(); });
    add("actionNextFace", tr("&Next Face"), QKeySequence(Qt::SHIFT | Qt::Key_P), [this] { nextFace(); })
        ->setToolTip(tr("Edit the next of the photo's faces, by size (Shift+P)"));
    QAction* link = add("actionLinkSides", tr("&Link Left and Right"), QKeySequence(), [this](bool on) { m_portraitPanel->setLinked(on); });
    link->setCheckable(true);
    link->setChecked(m_portraitPanel->linked());

    add("actionOpenWeights", tr("Open &Weights\u2026"), QKeySequence(), [this] {
        const QString path = FileDialog::getOpenFileName(this, tr("Open Weights"), tr("Marionette weights (*.safetensors);;All files (*)"));
        if (path.isEmpty()) return;
        if (portraitMode()) loadPortraitEngine(path);  // the model of the mode in use
        else openWeights(path);
    });
    add("actionUntrainedWeights", tr("Use &Untrained Weights"), QKeySequence(), [this] {
        if (portraitMode()) loadPortraitEngine(QString());
        else openWeights(QString());
    });
    // The preview as the result: the photo carried along the bones (or moved with the landmarks), sharp, and
    // no network at all. Not remembered, so that a new session starts with the network.
    QAction* warpOnly = add("actionWarpOnly", tr("&Warp Only (No Network)"), QKeySequence(), [this] {
        requestRender(false);
        updateActionStates();
    });
    warpOnly->setCheckable(true);
    warpOnly->setToolTip(tr("Show and export the photo moved along the skeleton (or the face's landmarks) instead of the network's "
                            "synthesis: sharp, but it cannot draw what the photo does not show"));
    add("actionAdaptToPhoto", tr("&Adapt to This Photo"), QKeySequence(), [this] { adaptToPhoto(); })
        ->setToolTip(tr("Fine-tune the weights on warped copies of this photo's person (in portrait mode, of the face being "
                        "edited), then use them for this photo: the network learns this person's own clothes, skin and colours. "
                        "Minutes on a CPU, seconds on a GPU"));
    add("actionForgetAdaptation", tr("&Forget Adapted Weights"), QKeySequence(), [this] { forgetAdaptation(); })
        ->setToolTip(tr("Delete the weights adapted to this photo and go back to the weights they started from"));
    // How long an adaptation trains: more steps, closer to the photo (README, "adapt"), minutes more on a CPU.
    auto* lengths = new QActionGroup(this);
    for (const auto& [name, text, steps] : {std::tuple{"actionAdaptationSteps150", tr("&Quick (150 Steps)"), 150},
                                            std::tuple{"actionAdaptationSteps300", tr("&Longer (300 Steps)"), 300},
                                            std::tuple{"actionAdaptationSteps600", tr("Lon&gest (600 Steps)"), 600}}) {
        const int n = steps;
        QAction* a = add(name, text, QKeySequence(), [n] { Settings::instance().set(Settings::Key::AdaptationSteps, n); });
        a->setCheckable(true);
        a->setChecked(Settings::instance().get(Settings::Key::AdaptationSteps).toInt() == n);
        lengths->addAction(a);
    }
    auto* devices = new QActionGroup(this);
    for (const auto& [name, text, device] : {std::tuple{"actionDeviceAuto", tr("&Automatic"), edit::Device::Auto},
                                             std::tuple{"actionDeviceCpu", tr("&CPU"), edit::Device::Cpu},
                                             std::tuple{"actionDeviceCuda", tr("C&UDA"), edit::Device::Cuda}}) {
        const edit::Device d = device;
        QAction* a = add(name, text, QKeySequence(), [this, d] {
            Settings::instance().set(Settings::Key::Device, deviceKey(d));
            m_engineSpec->device = d;
            m_portraitSpec->device = d;
            openWeights(m_engine && !m_engine->untrained ? m_engine->weightsPath : QString());
            if (m_portraitEngine || m_portraitEngineJob) loadPortraitEngine(m_portraitEngine ? m_portraitEngine->weightsPath : QString());
        });
        a->setCheckable(true);
        devices->addAction(a);
    }
    createReposeActions();
    add("actionAbout", tr("&About Marionette"), QKeySequence(), [this] {
        MessageBox::information(this, tr("About Marionette"),
                                tr("Marionette %1\nRe-pose people in photos with attention + flow synthesis\n"
                                   "(Ren et al., \"Combining Attention with Flow for Person Image Synthesis\", ACM MM 2021).")
                                    .arg(QCoreApplication::applicationVersion()));
    });
}

// Model > Sharp Re-posing / Network Only: how body edits are drawn.
void MainWindow::createReposeActions() {
    auto* methods = new QActionGroup(this);
    for (const auto& [name, text, tip, method] :
         {std::tuple{"actionMethodHybrid", tr("&Sharp Re-posing (Move the Photo's Pixels)"),
                     tr("The photo's own pixels move with the skeleton, at the photo's resolution; the network draws only "
                        "what the photo never showed (the body behind a raised arm)"),
                     edit::ReposeMethod::Hybrid},
          std::tuple{"actionMethodNetwork", tr("&Network Only (the Paper's Synthesis)"),
                     tr("The network redraws the person at its own small size, pasted back into the photo (blurred)"),
                     edit::ReposeMethod::Network}}) {
        const edit::ReposeMethod m = method;
        auto* a = new QAction(text, this);
        a->setObjectName(QString::fromLatin1(name));
        a->setCheckable(true);
        a->setToolTip(tip);
        connect(a, &QAction::triggered, this, [this, m] { chooseReposeMethod(m); });
        m_actions[a->objectName()] = a;
        methods->addAction(a);
    }
}

void MainWindow::createMenus() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(action("actionOpen"));
    m_recentMenu = file->addMenu(tr("Open &Recent"));
    m_recentMenu->setObjectName(QStringLiteral("menuRecentFiles"));
    addNamedActions(file, {"actionSaveEdit", nullptr, "actionExportImage", "actionExportCrop", "actionExportEdit", "actionExportMaps", nullptr, "actionImportPose", "actionExportPose", nullptr, "actionQuit"});

    QMenu* editMenu = menuBar()->addMenu(tr("&Edit"));
    addNamedActions(editMenu, {"actionUndo", "actionRedo"});

    QMenu* view = menuBar()->addMenu(tr("&View"));
    view->setObjectName(QStringLiteral("menuView"));
    addNamedActions(view, {"actionFit", "actionActualSize", "actionZoomIn", "actionZoomOut", "actionBeforeAfter"});
    QMenu* pasteBack = view->addMenu(tr("&Paste Back"));
    pasteBack->setObjectName(QStringLiteral("menuPasteBack"));
    for (const char* name : kPasteActions) pasteBack->addAction(action(name));
    view->addSeparator();
    for (QAction* a : m_mapsPanel->mapActions()) {
        view->addAction(a);
        m_actions[a->objectName()] = a;
    }
    view->addSeparator();

    QMenu* poseMenu = menuBar()->addMenu(tr("&Pose"));
    addNamedActions(poseMenu, {"actionMirrorPose", "actionResetPose", nullptr, "actionSymmetryLock", "actionKeepBoneLengths"});
    poseMenu->addSeparator();
    m_presetMenu = poseMenu->addMenu(tr("&Presets"));
    m_presetMenu->setObjectName(QStringLiteral("menuPresets"));
    QDir presets(QStringLiteral(":/presets"));
    for (const QString& name : presets.entryList({QStringLiteral("*.json")}, QDir::Files, QDir::Name)) {
        const QString title = presetTitle(name);
        auto* a = m_presetMenu->addAction(title);
        a->setObjectName(QStringLiteral("actionPreset_") + QFileInfo(name).completeBaseName());
        m_actions[a->objectName()] = a;
        const QString resource = presets.filePath(name);
        connect(a, &QAction::triggered, this, [this, title, resource] {
            QFile f(resource);
            f.open(QIODevice::ReadOnly);
            applyPreset(title, QString::fromUtf8(f.readAll()), resource);
        });
    }
    m_presetMenu->addSeparator();
    addNamedActions(m_presetMenu, {"actionLoadPreset", "actionSavePreset"});

    QMenu* portraitMenu = menuBar()->addMenu(tr("P&ortrait"));
    portraitMenu->setObjectName(QStringLiteral("menuPortrait"));
    addNamedActions(portraitMenu, {"actionPortraitMode", "actionResetFace", "actionNextFace", "actionLinkSides"});
    QMenu* facePresetMenu = portraitMenu->addMenu(tr("&Presets"));
    facePresetMenu->setObjectName(QStringLiteral("menuFacePresets"));
    for (const auto& [title, resource] : facePresets()) {
        auto* a = facePresetMenu->addAction(title);
        a->setObjectName(QStringLiteral("actionFacePreset_") + QFileInfo(resource).completeBaseName());
        m_actions[a->objectName()] = a;
        const QString t = title, r = resource;
        connect(a, &QAction::triggered, this, [this, t, r] { applyFacePreset(t, r); });
    }
    connect(m_portraitPanel->findChild<QCheckBox*>(QStringLiteral("linkSides")), &QCheckBox::toggled, action("actionLinkSides"),
            &QAction::setChecked);

    QMenu* model = menuBar()->addMenu(tr("&Model"));
    model->setObjectName(QStringLiteral("menuModel"));
    addNamedActions(model, {"actionMethodHybrid", "actionMethodNetwork", nullptr, "actionOpenWeights", "actionUntrainedWeights", "actionWarpOnly", "actionAdaptToPhoto", "actionForgetAdaptation"});
    QMenu* length = model->addMenu(tr("Adaptation &Length"));
    length->setObjectName(QStringLiteral("menuAdaptationLength"));
    for (QAction* a : action("actionAdaptationSteps150")->actionGroup()->actions()) length->addAction(a);
    QMenu* device = model->addMenu(tr("&Device"));
    addNamedActions(device, {"actionDeviceAuto", "actionDeviceCpu", "actionDeviceCuda"});

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(action("actionAbout"));

    QToolBar* tools = addToolBar(tr("Main"));
    tools->setObjectName(QStringLiteral("mainToolBar"));
    tools->setToolButtonStyle(Qt::ToolButtonTextOnly);
    addNamedActions(tools, {"actionOpen", "actionSaveEdit", "actionExportImage", nullptr, "actionUndo", "actionRedo", nullptr, "actionMirrorPose", "actionResetPose", "actionSymmetryLock", "actionKeepBoneLengths", nullptr, "actionPortraitMode", nullptr, "actionFit", "actionBeforeAfter"});
    m_splitSlider = new QSlider(Qt::Horizontal);
    m_splitSlider->setObjectName(QStringLiteral("splitSlider"));
    m_splitSlider->setRange(0, 100);
    m_splitSlider->setValue(50);
    m_splitSlider->setFixedWidth(140);
    m_splitSlider->setToolTip(tr("Where the before/after split line is"));
    connect(m_splitSlider, &QSlider::valueChanged, this, [this](int v) {
        m_resultCanvas->setSplit(action("actionBeforeAfter")->isChecked(), v / 100.0);
    });
    tools->addWidget(m_splitSlider);
}

void MainWindow::createDocks() {
    auto* reference = new QDockWidget(tr("Reference"), this);
    reference->setObjectName(QStringLiteral("referenceDock"));
    reference->setWidget(m_referenceCanvas);
    m_referenceCanvas->setMinimumWidth(220);
    addDockWidget(Qt::LeftDockWidgetArea, reference);

    auto* maps = new QDockWidget(tr("Maps"), this);
    maps->setObjectName(QStringLiteral("mapsDock"));
    maps->setWidget(m_mapsPanel);
    addDockWidget(Qt::RightDockWidgetArea, maps);

    auto* history = new QDockWidget(tr("History"), this);
    history->setObjectName(QStringLiteral("historyDock"));
    m_historyView = new QUndoView(m_document->undoStack());
    m_historyView->setObjectName(QStringLiteral("historyView"));
    m_historyView->setEmptyLabel(tr("Opened"));
    history->setWidget(m_historyView);
    addDockWidget(Qt::RightDockWidgetArea, history);

    m_portraitDock = new QDockWidget(tr("Portrait"), this);
    m_portraitDock->setObjectName(QStringLiteral("portraitDock"));
    m_portraitDock->setWidget(m_portraitPanel);
    addDockWidget(Qt::RightDockWidgetArea, m_portraitDock);
    tabifyDockWidget(maps, m_portraitDock);
    m_portraitDock->setVisible(false);

    resizeDocks({reference, maps}, {320, 300}, Qt::Horizontal);
    QMenu* view = menuBar()->findChild<QMenu*>(QStringLiteral("menuView"));
    for (QDockWidget* dock : {reference, maps, m_portraitDock, history}) view->addAction(dock->toggleViewAction());
}

void MainWindow::createStatusBar() {
    const auto label = [this](const char* name, const QString& tip) {
        auto* l = new QLabel;
        l->setObjectName(QString::fromLatin1(name));
        l->setToolTip(tip);
        l->setStyleSheet(QStringLiteral("QLabel { padding: 0 8px; border-left: 1px solid palette(mid); }"));
        statusBar()->addPermanentWidget(l);
        return l;
    };
    m_busyBar = new QProgressBar;
    m_busyBar->setObjectName(QStringLiteral("busyBar"));
    m_busyBar->setRange(0, 0);
    m_busyBar->setMaximumWidth(140);
    m_busyBar->setVisible(false);
    statusBar()->addPermanentWidget(m_busyBar);
    m_cancelButton = new QToolButton;
    m_cancelButton->setObjectName(QStringLiteral("cancelButton"));
    m_cancelButton->setText(tr("Cancel"));
    m_cancelButton->setVisible(false);
    connect(m_cancelButton, &QToolButton::clicked, this, &MainWindow::cancelLongJobs);
    statusBar()->addPermanentWidget(m_cancelButton);
    m_adaptBar = new QProgressBar;
    m_adaptBar->setObjectName(QStringLiteral("adaptationBar"));
    m_adaptBar->setMaximumWidth(180);
    m_adaptBar->setFormat(tr("Adapting %v/%m"));
    m_adaptBar->setVisible(false);
    statusBar()->addPermanentWidget(m_adaptBar);
    m_adaptCancelButton = new QToolButton;
    m_adaptCancelButton->setObjectName(QStringLiteral("adaptationCancelButton"));
    m_adaptCancelButton->setText(tr("Stop Adapting"));
    m_adaptCancelButton->setVisible(false);
    connect(m_adaptCancelButton, &QToolButton::clicked, m_adaptation, &AdaptationRunner::cancel);
    statusBar()->addPermanentWidget(m_adaptCancelButton);
    m_deviceLabel = label("deviceLabel", tr("Where the network runs"));
    m_weightsLabel = label("weightsLabel", tr("The weights in use"));
    m_modeLabel = label("modeLabel", tr("Preview: the reference moved by the flow alone, shown while dragging on a slow device. "
                                        "Full synthesis: the network's output."));
    m_latencyLabel = label("latencyLabel", tr("Time to synthesise the last edit"));
    m_deviceLabel->setText(tr("Loading model\u2026"));
}

void MainWindow::restoreLayout() {
    Settings& s = Settings::instance();
    restoreGeometry(s.get(Settings::Key::WindowGeometry).toByteArray());
    restoreState(s.get(Settings::Key::WindowState).toByteArray());
    m_mapsPanel->setOpacity(s.get(Settings::Key::MapOpacity).toDouble());
    action("actionSymmetryLock")->setChecked(s.get(Settings::Key::SymmetryLock).toBool());
    action("actionKeepBoneLengths")->setChecked(s.get(Settings::Key::KeepBoneLengths).toBool());
    const auto extent = edit::pasteExtentFromString(s.get(Settings::Key::PasteBack).toString().toStdString());
    action(pasteActionName(extent.value_or(edit::PasteExtent::MovedParts)))->setChecked(true);
    m_resultCanvas->setLocks(action("actionSymmetryLock")->isChecked(), action("actionKeepBoneLengths")->isChecked());
    rebuildRecentMenu();
}

void MainWindow::startUp() {
    Settings& s = Settings::instance();
    m_engineSpec->untrainedConfig = m_options.untrainedConfig;
    m_engineSpec->seed = m_options.untrainedSeed;
    m_engineSpec->threads = m_options.threads;
    m_portraitSpec->kind = model::SemanticsKind::Face;
    m_portraitSpec->untrainedConfig = m_options.untrainedPortraitConfig;
    m_portraitSpec->seed = m_options.untrainedSeed;
    m_portraitSpec->threads = m_options.threads;
    m_engineSpec->device = m_options.device != edit::Device::Auto ? m_options.device : deviceFromKey(s.get(Settings::Key::Device).toString());
    m_portraitSpec->device = m_engineSpec->device;
    const char* deviceAction = m_engineSpec->device == edit::Device::Cpu    ? "actionDeviceCpu"
                               : m_engineSpec->device == edit::Device::Cuda ? "actionDeviceCuda"
                                                                            : "actionDeviceAuto";
    action(deviceAction)->setChecked(true);
    const auto remembered = edit::reposeMethodFromString(s.get(Settings::Key::ReposeMethod).toString().toStdString());
    m_preferredMethod = m_options.reposeMethod.value_or(remembered.value_or(edit::ReposeMethod::Hybrid));
    showReposeMethod(m_preferredMethod);

    QString weights = m_options.weightsPath;
    if (weights.isEmpty() && m_options.useInstalledWeights) {
        const QString remembered = s.get(Settings::Key::WeightsPath).toString();
        weights = !remembered.isEmpty() && QFileInfo::exists(remembered) ? remembered
                                                                          : QString::fromStdString(edit::bundledWeights(model::SemanticsKind::Body));
    }
    openWeights(weights);

    QString open = m_options.openPath;
    if (open.isEmpty() && m_options.openRecentOrSample) {
        for (const QString& recent : s.get(Settings::Key::RecentFiles).toStringList()) {
            if (QFileInfo::exists(recent)) {
                open = recent;
                break;
            }
        }
    }
    if (open.isEmpty() && m_options.openRecentOrSample) open = bundledSample();
    if (!open.isEmpty()) openFile(open);
    else m_hint->setText(tr("Open a photo of a person (File \u25b8 Open or drop it here)."));
}

// --- worker answers ------------------------------------------------------------------------------------

void MainWindow::openWeights(const QString& path) {
    if (m_engineJob) {
        m_worker->cancel(m_engineJob);
        endLongJob(m_engineJob);
    }
    m_engineSpec->weightsPath = path;
    m_engineJob = m_worker->loadEngine(*m_engineSpec);
    startLongJob(m_engineJob, path.isEmpty() ? tr("Preparing the untrained model\u2026")
                                             : tr("Loading %1\u2026").arg(QFileInfo(path).fileName()));
}

void MainWindow::loadPortraitEngine(const QString& path) {
    if (m_portraitEngineJob) {
        m_worker->cancel(m_portraitEngineJob);
        endLongJob(m_portraitEngineJob);
    }
    m_portraitSpec->weightsPath = path;
    m_portraitEngineJob = m_worker->loadEngine(*m_portraitSpec);
    startLongJob(m_portraitEngineJob, path.isEmpty() ? tr("Preparing the untrained portrait model\u2026")
                                                     : tr("Loading %1\u2026").arg(QFileInfo(path).fileName()));
}

void MainWindow::onEngineLoaded(quint64 job, const EngineInfo& info) {
    if (job == m_portraitEngineJob) {
        endLongJob(job);
        m_portraitEngine = std::make_unique<EngineInfo>(info);
        if (!info.adaptedToPhotos) m_portraitAdaptationBase = info.untrained ? QString() : info.weightsPath;
        matchWeightsToPhoto(model::SemanticsKind::Face);  // the first load of a session may find adapted ones
    } else if (job == m_engineJob) {
        endLongJob(job);
        m_engine = std::make_unique<EngineInfo>(info);
        // Remember weights the user opened; the shipped ones stay the default, so that a newer release's
        // shipped weights replace them, and weights adapted to one photo are for that photo only.
        if (!info.adaptedToPhotos) m_adaptationBase = info.untrained ? QString() : info.weightsPath;
        if (!info.untrained && !info.adaptedToPhotos) {
            const bool shipped = QFileInfo(info.weightsPath) == QFileInfo(QString::fromStdString(edit::bundledWeights(model::SemanticsKind::Body)));
            Settings::instance().set(Settings::Key::WeightsPath, shipped ? QString() : info.weightsPath);
        }
    } else {
        return;  // an older load; the newest one follows
    }
    m_lastFullMilliseconds = kUnmeasuredMilliseconds;
    updateEngineLabels();
    updateActionStates();
    requestRender(false);
}

void MainWindow::updateEngineLabels() {
    const EngineInfo* info = activeEngine();
    if (!info) {
        m_banner->setVisible(false);
        m_deviceLabel->setText(tr("Loading model\u2026"));
        m_weightsLabel->clear();
        return;
    }
    m_banner->setText(bannerText(*info, !adaptationBaseFor(info->kind).isEmpty(), m_document->method() == edit::ReposeMethod::Hybrid));
    m_banner->setStyleSheet(info->untrained ? QStringLiteral("background: #f6d365; color: #222; padding: 6px 10px;")
                                            : QStringLiteral("background: #dfe9f3; color: #222; padding: 6px 10px;"));
    m_banner->setVisible(!m_banner->text().isEmpty());
    m_deviceLabel->setText(info->deviceName);
    m_weightsLabel->setText(info->untrained              ? tr("Untrained weights")
                            : info->adaptedToPhotos ? tr("%1 (adapted)").arg(QFileInfo(info->weightsPath).fileName())
                            : info->imagesSeen == 0 ? QFileInfo(info->weightsPath).fileName()
                                                    : tr("%1 (%2 training images)")
                                                          .arg(QFileInfo(info->weightsPath).fileName(),
                                                               QLocale().toString(static_cast<qulonglong>(info->imagesSeen))));
    m_weightsLabel->setToolTip(tr("%1\n%2").arg(info->weightsId, info->description));
}

void MainWindow::onEngineFailed(quint64 job, const QString& message) {
    if (job == m_portraitEngineJob) {
        endLongJob(job);
        const bool keepsPrevious = m_portraitEngine != nullptr;
        MessageBox::critical(this, tr("Cannot load the portrait weights"),
                             keepsPrevious ? tr("%1\n\nThe portrait model in use stays loaded.").arg(message)
                                           : tr("%1\n\nThe untrained portrait model is used instead.").arg(message));
        if (!keepsPrevious && !m_portraitSpec->weightsPath.isEmpty()) loadPortraitEngine(QString());
        return;
    }
    if (job != m_engineJob) return;
    endLongJob(job);
    const bool keepsPrevious = m_engine != nullptr;
    MessageBox::critical(this, tr("Cannot load the weights"),
                         keepsPrevious ? tr("%1\n\nThe model in use stays loaded.").arg(message)
                                       : tr("%1\n\nThe untrained model is used instead.").arg(message));
    if (!keepsPrevious && !m_engineSpec->weightsPath.isEmpty()) openWeights(QString());
}

void MainWindow::openFile(const QString& path) {
    if (path.endsWith(QLatin1String(".safetensors"), Qt::CaseInsensitive)) {
        openWeights(path);
        return;
    }
    if (!confirmDiscardChanges()) return;
    if (m_openJob) {
        m_worker->cancel(m_openJob);
        endLongJob(m_openJob);
    }
    m_openedPath = QFileInfo(path).absoluteFilePath();
    m_openJob = m_worker->openPhoto(m_openedPath);
    startLongJob(m_openJob, tr("Opening %1\u2026").arg(QFileInfo(path).fileName()));
}

void MainWindow::onPhotoOpened(quint64 job, const OpenedPhoto& photo) {
    if (job != m_openJob) return;
    endLongJob(job);
    m_openJob = 0;
    const std::optional<edit::EditDocument> restored = offerAutosave(photo);
    m_frame.reset();
    m_attentionPoint.reset();
    m_resultCanvas->setMarker(std::nullopt);
    m_resultCanvas->setPhoto(photo.image);
    m_referenceCanvas->setPhoto(photo.image);
    m_referenceCanvas->setMapOverlay(QImage(), QRectF(), 0);
    m_document->reset(photo.photoPath, photo.photo, photo.image, photo.sha256, {photo.reference, photo.target});
    m_frameWarnings.clear();
    showReposeMethod(photo.method.value_or(m_preferredMethod));  // the saved edit's own, else the user's choice
    m_document->setDepth(photo.depth);
    m_faceNote = photo.faceNote;
    if (photo.face) {
        PortraitState state{photo.face->fitted, {}};
        if (photo.portraitEdit) {
            try {
                state = m_document->stateFor(photo.portraitEdit->parameters, photo.portraitEdit->target);
            } catch (const std::exception& e) {
                m_faceNote = QString::fromUtf8(e.what());
            }
        }
        m_document->setFace(photo.face, state);  // onPortraitChanged hands the face to the worker
        statusBar()->showMessage(tr("Face %1 of %2 fitted in %3 ms (landmarks off the model by %4 px rms)")
                                     .arg(photo.face->faceIndex + 1)
                                     .arg(photo.face->faceCount)
                                     .arg(photo.fitMilliseconds, 0, 'f', 0)
                                     .arg(photo.face->rmsResidual, 0, 'f', 1),
                                 8000);
    }
    if (restored) {
        const PosePair poses{restored->reference, restored->target};
        if (poses != m_document->poses()) applyEdit(tr("Restore autosaved edit"), poses);
        restoreReposeChoices(*restored);
        // The autosaved face edit, when it is of the face that was found again.
        if (restored->portrait && photo.face && restored->portrait->faceIndex == photo.face->faceIndex) {
            try {
                applyPortraitEdit(tr("Restore autosaved face edit"),
                                  m_document->stateFor(restored->portrait->parameters, restored->portrait->target));
            } catch (const std::exception& e) {
                statusBar()->showMessage(tr("The autosaved face edit could not be restored: %1").arg(QString::fromUtf8(e.what())), 8000);
            }
        }
    }
    addRecentFile(m_openedPath);
    m_photoNote = photo.note;
    setPortraitMode(photo.portraitMode && photo.face);
    matchWeightsToPhoto();
    updateTitle();
    updateActionStates();
    if (!photo.warning.isEmpty()) MessageBox::warning(this, tr("Opened with a warning"), photo.warning);
}

void MainWindow::restoreReposeChoices(const edit::EditDocument& restored) {
    if (const auto method = edit::reposeMethodFromString(restored.method)) showReposeMethod(*method);
    const deform::DepthOrder depth = deform::parseDepthOrder(restored.depth);  // checked when read
    if (!(depth == m_document->depth()))
        m_document->undoStack()->push(new DepthCommand(m_document, tr("Restore autosaved depth order"), m_document->depth(), depth));
}

void MainWindow::onPhotoFailed(quint64 job, const QString& message) {
    if (job != m_openJob) return;
    endLongJob(job);
    m_openJob = 0;
    MessageBox::critical(this, tr("Cannot open"),
                         m_document->hasPhoto() ? tr("%1\n\nThe current edit stays open.").arg(message) : message);
}

void MainWindow::updateHint() {
    if (!m_document->hasPhoto()) return;
    if (portraitMode()) {
        m_hint->setText(tr("Portrait mode: move the sliders in the Portrait dock (double-click one to reset it) or drag a "
                           "landmark; P switches back to the body."));
        return;
    }
    QString text = tr("Drag a joint to re-pose the person; drag a bone to turn a limb; right-click for more.");
    if (!m_photoNote.isEmpty()) text += QStringLiteral("  ") + m_photoNote;
    if (m_document->face()) text += QStringLiteral("  ") + tr("A face was found: P edits it in portrait mode.");
    for (const QString& warning : m_frameWarnings) text += QStringLiteral("  ") + warning;
    m_hint->setText(text);
}

void MainWindow::setPortraitMode(bool on) {
    QAction* toggle = action("actionPortraitMode");
    if (on && !m_document->face()) {
        const QSignalBlocker block(toggle);
        toggle->setChecked(false);
        if (m_document->hasPhoto())
            statusBar()->showMessage(tr("Portrait mode needs a face: %1").arg(m_faceNote.isEmpty() ? tr("none was found") : m_faceNote), 8000);
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
    if (on && !m_portraitEngine && !m_portraitEngineJob) {
        QString weights = m_options.portraitWeightsPath;
        if (weights.isEmpty() && m_options.useInstalledWeights) weights = QString::fromStdString(edit::bundledWeights(model::SemanticsKind::Face));
        loadPortraitEngine(weights);
    }
    if (changed) {
        m_frame.reset();
        m_resultCanvas->clearResult();
        m_lastFullMilliseconds = kUnmeasuredMilliseconds;
        m_attentionPoint.reset();
        m_resultCanvas->setMarker(std::nullopt);
    }
    updateEngineLabels();
    updateHint();
    updateActionStates();
    requestRender(false);
}

void MainWindow::onFrameReady(const Frame& frame) {
    if (frame.ticket.photoId != m_document->photoId()) return;          // another photo's
    if (m_frame && frame.ticket.serial < m_frame->ticket.serial) return;  // older than what is shown
    m_frame = std::make_unique<Frame>(frame);
    m_resultCanvas->setResult(frame.output, frame.cropBox);
    if (!frame.preview) {
        // The first full synthesis after a load or another photo pays one-time set-up (oneDNN builds its
        // kernels on first use: 400 ms and more for a 65 ms edit). It is run again once, unseen, so that the
        // first drag chooses between the preview and the full synthesis by a warm figure.
        const bool firstMeasure = m_lastFullMilliseconds >= kUnmeasuredMilliseconds;
        // Hybrid's full render is the warp's best fill plus the network only where holes opened: all of it counts.
        m_lastFullMilliseconds = frame.method == edit::ReposeMethod::Hybrid ? frame.milliseconds : frame.synthesisMilliseconds;
        if (firstMeasure && !m_dragging) QTimer::singleShot(0, this, [this] { requestRender(false); });
        showMapOverlays();
        m_mapsPanel->showFrame(frame, m_attentionPoint.has_value());
    } else if (warpOnly()) {
        showMapOverlays();  // no maps: clears the overlays
        m_mapsPanel->showFrame(frame, m_attentionPoint.has_value(), /*warpOnly=*/true);
    }
    updateModeLabel();
    onFrameWarnings(frame.warnings);
    m_latencyLabel->setText(tr("%1 ms/edit").arg(frame.milliseconds, 0, 'f', 0));
    m_latencyLabel->setToolTip(tr("%1 ms moving the photo's pixels, %2 ms in the network; stages: %3")
                                   .arg(frame.deformMilliseconds, 0, 'f', 1)
                                   .arg(frame.synthesisMilliseconds, 0, 'f', 1)
                                   .arg(frame.stages));
    Q_EMIT frameShown();
}

void MainWindow::onExportFinished(quint64 job, const QStringList& written, const QString& error) {
    if (job != m_exportJob) return;
    endLongJob(job);
    m_exportJob = 0;
    updateActionStates();
    if (!error.isEmpty()) {
        MessageBox::critical(this, tr("Cannot export"), error);
        return;
    }
    QStringList names;
    for (const QString& p : written) names << QFileInfo(p).fileName();
    statusBar()->showMessage(tr("Exported %1").arg(names.join(QStringLiteral(", "))), 8000);
}

// --- rendering -----------------------------------------------------------------------------------------

bool MainWindow::usePreview() const {
    const EngineInfo* engine = activeEngine();
    if (!engine || !engine->hasPreview) return false;
    if (m_options.previewWhileDragging) return *m_options.previewWhileDragging;
    return !engine->onCuda && m_lastFullMilliseconds > kPreviewThresholdMilliseconds;
}

edit::MapSelection MainWindow::selectedMaps() const {
    edit::MapSelection maps;
    switch (m_mapsPanel->selected()) {
    case MapKind::None: break;
    case MapKind::Flow: maps.flow = true; break;
    case MapKind::Combination: maps.combination = true; break;
    case MapKind::AttentionWarped: maps.attentionWarped = true; break;
    case MapKind::FlowWarped: maps.flowWarped = true; break;
    case MapKind::Attention:
        if (m_attentionPoint) maps.attentionPoint = toPoint2(*m_attentionPoint);
        break;
    // MapSelection has no entry of their own: Hybrid draws its mesh and holes whenever any map is asked for.
    case MapKind::Mesh:
    case MapKind::Holes: maps.flow = true; break;
    }
    return maps;
}

void MainWindow::requestRender(bool preview) {
    if (!m_document->hasPhoto() || !activeEngine()) return;
    preview = preview || warpOnly();
    if (portraitMode()) {
        if (!m_document->face()) return;
        RenderTicket ticket{m_document->photoId(), ++m_serial, m_document->generation()};
        edit::PortraitRenderRequest request;
        request.target = m_document->portraitTarget();
        request.preview = preview;
        if (!preview) request.maps = selectedMaps();
        request.paste = pasteExtent();
        request.method = m_document->method();
        m_worker->renderPortrait(ticket, request);
        updateModeLabel();
        return;
    }
    RenderTicket ticket{m_document->photoId(), ++m_serial, m_document->generation()};
    edit::RenderRequest request;
    request.target = m_document->target();
    request.preview = preview;
    if (!preview) request.maps = selectedMaps();
    request.paste = pasteExtent();
    request.method = m_document->method();
    request.depth = m_document->depth();
    m_worker->render(ticket, request);
    updateModeLabel();
}

void MainWindow::updateModeLabel() {
    if (!m_frame) {
        m_modeLabel->setText(m_serial ? tr("Synthesising\u2026") : QString());
        return;
    }
    const bool hybrid = m_frame->method == edit::ReposeMethod::Hybrid;
    const QString full = !hybrid                ? tr("Full synthesis")
                         : m_frame->networkFilled ? tr("Sharp re-posing + network")
                                                  : tr("Sharp re-posing");
    const QString shown = !m_frame->preview ? full : warpOnly() ? tr("Warp only") : tr("Preview");
    // Behind the newest request: say that a newer result is on its way.
    m_modeLabel->setText(m_frame->ticket.serial < m_serial ? tr("%1 \u2014 updating\u2026").arg(shown) : shown);
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
    const bool preview = m_dragging && usePreview();
    requestRender(preview);
    if (preview)
        m_pauseTimer->start(static_cast<int>(std::clamp(0.5 * m_lastFullMilliseconds, double(kDragPauseMilliseconds), 1500.0)));
    updateActionStates();
}

void MainWindow::onPosesChanged() {
    m_resultCanvas->setPose(m_document->target());
    m_referenceCanvas->setPose(m_document->reference());
    if (!m_document->hasPhoto() || portraitMode()) return;
    const bool preview = m_dragging && usePreview();
    requestRender(preview);
    // Hybrid's preview is already the photo's own pixels, and its full render (the best background fill) can
    // hold the worker for seconds on a CPU: it waits for the release.
    if (preview && m_document->method() == edit::ReposeMethod::Network) {
        // A rest this long gets the full synthesis; a slow synthesis needs a longer rest, or a short
        // hesitation would hold the previews back until it finished.
        m_pauseTimer->start(static_cast<int>(std::clamp(0.5 * m_lastFullMilliseconds, double(kDragPauseMilliseconds), 1500.0)));
    }
    updateActionStates();
}

void MainWindow::showMapOverlays() {
    if (!m_frame) return;
    const MapKind kind = m_mapsPanel->selected();
    const double opacity = m_mapsPanel->opacity();
    if (kind == MapKind::Attention) {
        m_resultCanvas->setMapOverlay(QImage(), QRectF(), 0);
        m_referenceCanvas->setMapOverlay(m_frame->attention, m_frame->mapBox, opacity);
    } else {
        m_resultCanvas->setMapOverlay(MapsPanel::mapOf(*m_frame, kind), m_frame->mapBox, opacity);
        m_referenceCanvas->setMapOverlay(QImage(), QRectF(), 0);
    }
}

void MainWindow::onMapSelectionChanged(MapKind kind) {
    const bool attention = kind == MapKind::Attention;
    m_resultCanvas->setPointPicking(attention);
    if (attention && !m_attentionPoint && m_document->hasPhoto() && portraitMode()) {
        const Point2 nose = m_document->portraitTarget().points[30];  // the nose tip
        m_attentionPoint = toQPointF(nose);
    }
    if (attention && !m_attentionPoint && m_document->hasPhoto()) {
        // Start somewhere telling: the right wrist, else the first joint.
        const pose::Pose& t = m_document->target();
        for (pose::JointId j : {pose::JointId::RightWrist, pose::JointId::LeftWrist, pose::JointId::Nose, pose::JointId::Neck}) {
            if (t.has(j)) {
                m_attentionPoint = toQPointF(t.at(j).position);
                break;
            }
        }
    }
    m_resultCanvas->setMarker(attention ? m_attentionPoint : std::nullopt);
    showMapOverlays();
    requestRender(false);
}

void MainWindow::chooseReposeMethod(edit::ReposeMethod method) {
    m_preferredMethod = method;
    Settings::instance().set(Settings::Key::ReposeMethod, QString::fromLatin1(edit::toString(method)));
    showReposeMethod(method);
}

void MainWindow::showReposeMethod(edit::ReposeMethod method) {
    action(method == edit::ReposeMethod::Hybrid ? "actionMethodHybrid" : "actionMethodNetwork")->setChecked(true);
    m_document->setMethod(method);
}

void MainWindow::onReposeMethodChanged() {
    m_lastFullMilliseconds = kUnmeasuredMilliseconds;  // the other method takes another time
    m_frameWarnings.clear();
    updateEngineLabels();  // the banner says what the weights spoil, which depends on the method
    updateHint();
    updateActionStates();
    if (m_document->hasPhoto()) requestRender(false);
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

// --- edits ---------------------------------------------------------------------------------------------

void MainWindow::applyEdit(const QString& name, const PosePair& after) {
    if (!m_document->hasPhoto() || after == m_document->poses()) return;
    m_document->undoStack()->push(new PoseCommand(m_document, name, m_document->poses(), after));
}

void MainWindow::applyPortraitEdit(const QString& name, const PortraitState& after, std::optional<int> mergeKey) {
    if (!m_document->face() || after == m_document->portrait()) return;
    try {
        edit::portraitLandmarks(*m_document->face(), after.parameters, after.offsets);  // range check before the push
    } catch (const std::exception& e) {
        statusBar()->showMessage(QString::fromUtf8(e.what()), 8000);
        return;
    }
    m_document->undoStack()->push(new PortraitCommand(m_document, name, m_document->portrait(), after, mergeKey));
}

void MainWindow::onSliderEdited(const face::FaceParameters& parameters, const QString& name, int key) {
    PortraitState state = m_document->portrait();
    state.parameters = parameters;
    if (m_portraitDragStart) {  // a drag: live, one undo step when it ends
        try {
            m_document->setPortrait(state);
        } catch (const std::exception& e) {
            statusBar()->showMessage(QString::fromUtf8(e.what()), 8000);
        }
        return;
    }
    applyPortraitEdit(name, state, key >= 0 ? std::optional<int>(key) : std::nullopt);
    requestRender(false);
}

void MainWindow::onSliderDragFinished(const QString& name) {
    m_dragging = false;
    m_pauseTimer->stop();
    if (m_portraitDragStart && *m_portraitDragStart != m_document->portrait())
        m_document->undoStack()->push(new PortraitCommand(m_document, name, *m_portraitDragStart, m_document->portrait()));
    m_portraitDragStart.reset();
    requestRender(false);
}

void MainWindow::onLandmarkDragged(int landmark, const QPointF& photoPoint) {
    if (!m_portraitDragStart || !m_document->face()) return;
    PortraitState state = *m_portraitDragStart;
    const face::FaceLandmarks start = edit::portraitLandmarks(*m_document->face(), state.parameters, state.offsets);
    const auto i = static_cast<std::size_t>(landmark);
    state.offsets[i].x += static_cast<float>(photoPoint.x()) - start.points[i].x;
    state.offsets[i].y += static_cast<float>(photoPoint.y()) - start.points[i].y;
    m_document->setPortrait(state);
}

void MainWindow::onLandmarkGestureFinished(const QString& name) {
    m_dragging = false;
    m_pauseTimer->stop();
    if (m_portraitDragStart && *m_portraitDragStart != m_document->portrait())
        m_document->undoStack()->push(new PortraitCommand(m_document, name, *m_portraitDragStart, m_document->portrait()));
    m_portraitDragStart.reset();
    requestRender(false);
}

void MainWindow::applyFacePreset(const QString& title, const QString& resource) {
    if (!m_document->face()) return;
    QFile f(resource);
    if (!f.open(QIODevice::ReadOnly)) {
        MessageBox::critical(this, tr("Cannot load the preset"), tr("%1: %2").arg(resource, f.errorString()));
        return;
    }
    try {
        PortraitState state = m_document->portrait();
        state.parameters = edit::applyFacePreset(f.read(1 << 20).toStdString(), resource.toStdString(), state.parameters,
                                                 face::MorphableModel::standard());
        applyPortraitEdit(tr("Apply face preset %1").arg(title), state);
        if (!portraitMode()) setPortraitMode(true);
    } catch (const std::exception& e) {
        MessageBox::critical(this, tr("Cannot load the preset"), QString::fromUtf8(e.what()));
    }
}

void MainWindow::nextFace() {
    const auto& face = m_document->face();
    if (!face || face->faceCount < 2 || m_faceJob) return;
    const int next = (face->faceIndex + 1) % face->faceCount;
    m_faceJob = m_worker->detectFace(m_document->photoId(), m_document->photo(), next);
    statusBar()->showMessage(tr("Finding face %1 of %2\u2026").arg(next + 1).arg(face->faceCount));
    updateActionStates();
}

void MainWindow::onFaceFound(quint64 job, const FoundFace& found) {
    if (job != m_faceJob) return;
    m_faceJob = 0;
    updateActionStates();
    if (found.photoId != m_document->photoId()) return;  // another photo was opened since
    if (!found.face) {
        statusBar()->showMessage(tr("Cannot use that face: %1").arg(found.error), 8000);
        return;
    }
    const FaceCommand::Choice before{m_document->face(), m_document->portrait()};
    const FaceCommand::Choice after{found.face, PortraitState{found.face->fitted, {}}};
    m_document->undoStack()->push(new FaceCommand(m_document, tr("Choose face %1").arg(found.face->faceIndex + 1), before, after));
    statusBar()->showMessage(tr("Face %1 of %2 (faces count from the largest)").arg(found.face->faceIndex + 1).arg(found.face->faceCount),
                             8000);
}

void MainWindow::resetFace() {
    if (const auto& face = m_document->face()) applyPortraitEdit(tr("Reset face"), PortraitState{face->fitted, {}});
}

void MainWindow::onTargetGestureFinished(const pose::Pose& before, const pose::Pose& after, const QString& name) {
    m_dragging = false;
    m_pauseTimer->stop();
    if (!(before == after))
        m_document->undoStack()->push(new PoseCommand(m_document, name, {m_document->reference(), before}, {m_document->reference(), after}));
    requestRender(false);
}

void MainWindow::onReferenceDragged(const pose::Pose& reference) {
    if (!m_referenceDragStart) return;
    // Target joints the user has not moved away from the reference follow it.
    const PosePair& start = *m_referenceDragStart;
    pose::Pose target = start.target;
    for (int i = 0; i < pose::kJointCount; ++i) {
        const pose::JointId j = pose::jointAt(i);
        const auto r = start.reference.find(j), t = start.target.find(j), now = reference.find(j);
        if (r && t && now && r->position.x == t->position.x && r->position.y == t->position.y) target.set(j, *now);
    }
    m_document->setPoses({reference, target});
}

void MainWindow::onReferenceGestureFinished(const pose::Pose&, const pose::Pose&, const QString& name) {
    m_dragging = false;
    m_pauseTimer->stop();
    if (m_referenceDragStart && *m_referenceDragStart != m_document->poses())
        m_document->undoStack()->push(new PoseCommand(m_document, name, *m_referenceDragStart, m_document->poses()));
    m_referenceDragStart.reset();
    requestRender(false);
}

void MainWindow::hideJoint(bool onReference, pose::JointId joint) {
    PosePair after = m_document->poses();
    pose::Pose& p = onReference ? after.reference : after.target;
    if (!p.has(joint)) return;
    if (p.presentCount() <= 2) {
        statusBar()->showMessage(tr("A skeleton needs at least two joints."), 5000);
        return;
    }
    p.remove(joint);
    applyEdit(tr("Hide %1%2").arg(onReference ? tr("reference ") : QString(), lowerLabel(joint)), after);
}

void MainWindow::restoreJoint(bool onReference, pose::JointId joint, std::optional<QPointF> at) {
    PosePair after = m_document->poses();
    pose::Pose& p = onReference ? after.reference : after.target;
    const Point2 position = at ? toPoint2(*at)
                               : edit::restorePosition(joint, p, onReference ? m_document->target() : m_document->reference());
    p.set(joint, position.x, position.y);
    p = edit::clampedTo(p, ImageSize{m_document->photoSize().width(), m_document->photoSize().height()});
    applyEdit(tr("%1 %2%3").arg(at ? tr("Place") : tr("Restore"), onReference ? tr("reference ") : QString(), lowerLabel(joint)), after);
}

void MainWindow::showJointMenu(bool onReference, pose::JointId joint, const QPoint& globalPosition) {
    QMenu menu(this);
    menu.setObjectName(QStringLiteral("jointMenu"));
    const QString label = QString::fromUtf8(pose::jointLabel(joint));
    menu.addAction(tr("Hide %1").arg(label), this, [this, onReference, joint] { hideJoint(onReference, joint); });
    if (!onReference && m_document->reference().has(joint))
        menu.addAction(tr("Back to Its Reference Position"), this, [this, joint] { restoreJoint(false, joint, std::nullopt); });
    if (!onReference && deform::isLimb(deform::partOfJoint(joint))) addDepthActions(menu, deform::partOfJoint(joint));
    if (!onReference) {
        menu.addSeparator();
        menu.addAction(action("actionMirrorPose"));
        menu.addAction(action("actionResetPose"));
    }
    menu.exec(globalPosition);
}

void MainWindow::addDepthActions(QMenu& menu, deform::BodyPart part) {
    menu.addSeparator();
    menu.setToolTipsVisible(true);
    const bool hybrid = m_document->method() == edit::ReposeMethod::Hybrid;
    const deform::Depth current = m_document->depth().of(part);
    for (const auto& [depth, text] : {std::pair{deform::Depth::Front, tr("Draw In Front of the Body")},
                                      std::pair{deform::Depth::Behind, tr("Draw Behind the Body")},
                                      std::pair{deform::Depth::Auto, tr("Automatic Depth")}}) {
        const deform::Depth d = depth;
        QAction* a = menu.addAction(text, this, [this, part, d] { setLimbDepth(part, d); });
        a->setCheckable(true);
        a->setChecked(current == d);
        a->setEnabled(hybrid);  // the network draws the person whole: it has no layers to order
        a->setToolTip(hybrid ? tr("Where the %1 is drawn when it crosses the body").arg(QString::fromUtf8(deform::bodyPartLabel(part)).toLower())
                             : tr("Only sharp re-posing draws limbs in front of or behind the body (Model menu)"));
    }
}

void MainWindow::setLimbDepth(deform::BodyPart part, deform::Depth depth) {
    deform::DepthOrder after = m_document->depth();
    if (after.of(part) == depth) return;
    after.set(part, depth);
    const QString limb = QString::fromUtf8(deform::bodyPartLabel(part)).toLower();
    const QString name = depth == deform::Depth::Front    ? tr("Draw %1 in front of the body").arg(limb)
                         : depth == deform::Depth::Behind ? tr("Draw %1 behind the body").arg(limb)
                                                          : tr("Automatic depth for %1").arg(limb);
    m_document->undoStack()->push(new DepthCommand(m_document, name, m_document->depth(), after));
}

void MainWindow::showBackgroundMenu(bool onReference, const QPointF& photoPoint, const QPoint& globalPosition, std::optional<int> limb) {
    QMenu menu(this);
    menu.setObjectName(QStringLiteral("backgroundMenu"));
    if (limb) {
        const deform::BodyPart part = deform::partOfJoint(pose::limbs()[static_cast<std::size_t>(*limb)].child);
        if (deform::isLimb(part)) {
            addDepthActions(menu, part);
            menu.addSeparator();
        }
    }
    const pose::Pose& p = onReference ? m_document->reference() : m_document->target();
    QMenu* restore = menu.addMenu(tr("Restore Joint"));
    QMenu* place = menu.addMenu(tr("Place Joint Here"));
    for (int i = 0; i < pose::kJointCount; ++i) {
        const pose::JointId j = pose::jointAt(i);
        if (p.has(j)) continue;
        const QString label = QString::fromUtf8(pose::jointLabel(j));
        restore->addAction(label, this, [this, onReference, j] { restoreJoint(onReference, j, std::nullopt); });
        place->addAction(label, this, [this, onReference, j, photoPoint] { restoreJoint(onReference, j, photoPoint); });
    }
    restore->setEnabled(!restore->isEmpty());
    place->setEnabled(!place->isEmpty());
    if (!onReference) {
        menu.addSeparator();
        menu.addAction(action("actionResetPose"));
        menu.addAction(action("actionMirrorPose"));
        menu.addMenu(m_presetMenu);
    }
    menu.exec(globalPosition);
}

void MainWindow::mirrorPose() {
    const ImageSize size{m_document->photoSize().width(), m_document->photoSize().height()};
    applyEdit(tr("Mirror pose"), {m_document->reference(), edit::clampedTo(edit::mirrorPose(m_document->target()), size)});
}

void MainWindow::resetPose() { applyEdit(tr("Reset pose"), {m_document->reference(), m_document->reference()}); }

void MainWindow::applyPreset(const QString& title, const QString& jsonText, const QString& sourceName) {
    if (!m_document->hasPhoto()) return;
    try {
        const pose::People people = pose::parseOpenPoseJson(jsonText.toStdString(), sourceName.toStdString());
        if (people.empty()) throw Error(sourceName.toStdString() + ": holds no person");
        const ImageSize size{m_document->photoSize().width(), m_document->photoSize().height()};
        const pose::Pose fitted = edit::clampedTo(edit::fitPoseTo(people.front(), m_document->reference()), size);
        applyEdit(tr("Apply preset %1").arg(title), {m_document->reference(), fitted});
    } catch (const std::exception& e) {
        MessageBox::critical(this, tr("Cannot load the preset"), QString::fromUtf8(e.what()));
    }
}

void MainWindow::loadPresetFile() {
    const QString path = FileDialog::getOpenFileName(this, tr("Load Preset"), tr("OpenPose JSON (*.json);;All files (*)"));
    if (path.isEmpty()) return;
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        MessageBox::critical(this, tr("Cannot load the preset"), tr("%1: %2").arg(path, f.errorString()));
        return;
    }
    applyPreset(presetTitle(path), QString::fromUtf8(f.read(static_cast<qint64>(pose::kMaxPoseJsonBytes))), path);
}

void MainWindow::importPose() {
    const QString path = FileDialog::getOpenFileName(this, tr("Import Pose"), tr("OpenPose JSON (*.json);;All files (*)"));
    if (path.isEmpty()) return;
    try {
        const pose::People people = pose::readOpenPoseJson(path.toStdString());
        if (people.empty()) throw Error(path.toStdString() + ": holds no person");
        pose::Pose target = people.front();
        if (target.presentCount() < 2) throw Error(path.toStdString() + ": the person has fewer than two joints");
        const ImageSize size{m_document->photoSize().width(), m_document->photoSize().height()};
        applyEdit(tr("Import pose"), {m_document->reference(), edit::clampedTo(target, size)});
    } catch (const std::exception& e) {
        MessageBox::critical(this, tr("Cannot import the pose"), QString::fromUtf8(e.what()));
    }
}

void MainWindow::exportPose() {
    const QString suggested = m_document->photoPath() + QStringLiteral(".target.json");
    QString path = FileDialog::getSaveFileName(this, tr("Export Pose"), suggested, tr("OpenPose JSON (*.json)"));
    if (path.isEmpty()) return;
    QSaveFile f(path);
    const QByteArray bytes = QByteArray::fromStdString(pose::toOpenPoseJson({m_document->target()}));
    if (!f.open(QIODevice::WriteOnly) || f.write(bytes) != bytes.size() || !f.commit()) {
        MessageBox::critical(this, tr("Cannot export the pose"), tr("%1: %2").arg(path, f.errorString()));
        return;
    }
    statusBar()->showMessage(tr("Exported %1").arg(QFileInfo(path).fileName()), 5000);
}

// --- files ---------------------------------------------------------------------------------------------

void MainWindow::openDialog() {
    const QString path = FileDialog::getOpenFileName(this, tr("Open Photo or Edit"), tr(kPhotoFilter));
    if (!path.isEmpty()) openFile(path);
}

bool MainWindow::confirmDiscardChanges() {
    if (!m_document->isModified()) return true;
    const auto answer = MessageBox::question(this, tr("Unsaved edit"),
                                             tr("Save the edit of %1 before closing it?").arg(QFileInfo(m_document->photoPath()).fileName()),
                                             QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel, QMessageBox::Save);
    if (answer == QMessageBox::Cancel) return false;
    if (answer == QMessageBox::Save) return saveEdit();
    removeAutosave();
    return true;
}

QString MainWindow::editJsonFor(const QString& documentPath) const {
    const model::ModelConfig& untrained = portraitMode() ? m_options.untrainedPortraitConfig : m_options.untrainedConfig;
    const EngineInfo* engine = activeEngine();
    const ImageSize canvas = engine ? engine->canvas : ImageSize{untrained.canvasWidth, untrained.height};
    return QString::fromStdString(edit::toJson(m_document->toEditDocument(documentPath, engine ? engine->weightsId : QString(), canvas)));
}

bool MainWindow::saveEdit() {
    if (!m_document->hasPhoto()) return false;
    const QString path = m_document->documentPath();
    QSaveFile file(path);
    const QByteArray bytes = editJsonFor(path).toUtf8();
    if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size() || !file.commit()) {
        MessageBox::critical(this, tr("Cannot save the edit"), tr("%1: %2").arg(path, file.errorString()));
        return false;
    }
    m_document->undoStack()->setClean();
    removeAutosave();
    addRecentFile(m_document->photoPath());
    statusBar()->showMessage(tr("Saved %1").arg(QFileInfo(path).fileName()), 5000);
    return true;
}

void MainWindow::exportImage(bool cropOnly) {
    if (!m_document->hasPhoto() || !activeEngine()) return;
    const QFileInfo photo(m_document->photoPath());
    const QString suggested = photo.absolutePath() + QLatin1Char('/') + photo.completeBaseName() +
                              (cropOnly ? QStringLiteral("_crop.png") : QStringLiteral("_reposed.png"));
    QString path = FileDialog::getSaveFileName(this, cropOnly ? tr("Export Crop") : tr("Export Image"), suggested,
                                               tr("PNG image (*.png);;JPEG image (*.jpg *.jpeg)"));
    if (path.isEmpty()) return;
    if (QFileInfo(path).suffix().isEmpty()) path += QStringLiteral(".png");
    ExportJob job;
    job.kind = cropOnly ? ExportKind::Crop : ExportKind::Photo;
    job.path = path;
    job.target = m_document->target();
    if (portraitMode()) job.faceTarget = m_document->portraitTarget();
    job.paste = pasteExtent();
    job.method = m_document->method();
    job.depth = m_document->depth();
    job.warpOnly = warpOnly();
    job.editJson = editJsonFor(path + QString::fromLatin1(edit::kEditDocumentSuffix));
    m_exportJob = m_worker->exportResult(job);
    startLongJob(m_exportJob, tr("Exporting %1\u2026").arg(QFileInfo(path).fileName()));
    updateActionStates();
}

void MainWindow::exportMaps() {
    if (!m_document->hasPhoto() || !activeEngine()) return;
    const QFileInfo photo(m_document->photoPath());
    const QString folder = FileDialog::getExistingDirectory(this, tr("Export Maps to Folder"), photo.absolutePath());
    if (folder.isEmpty()) return;
    ExportJob job;
    job.kind = ExportKind::Maps;
    job.path = folder;
    job.target = m_document->target();
    job.method = m_document->method();
    job.depth = m_document->depth();
    if (portraitMode()) {
        job.faceTarget = m_document->portraitTarget();
        if (!m_attentionPoint) job.attentionPoint = job.faceTarget->points[30];
    }
    if (m_attentionPoint) job.attentionPoint = toPoint2(*m_attentionPoint);
    else if (job.target.has(pose::JointId::RightWrist)) job.attentionPoint = job.target.at(pose::JointId::RightWrist).position;
    job.editJson = editJsonFor(QDir(folder).filePath(QStringLiteral("edit.marionette.json")));
    m_exportJob = m_worker->exportResult(job);
    startLongJob(m_exportJob, tr("Exporting maps\u2026"));
    updateActionStates();
}

void MainWindow::exportEditJson() {
    if (!m_document->hasPhoto()) return;
    const QString path = FileDialog::getSaveFileName(this, tr("Export Edit"), m_document->documentPath(),
                                                     tr("Marionette edit (*.marionette.json);;JSON (*.json)"));
    if (path.isEmpty()) return;
    QSaveFile file(path);
    const QByteArray bytes = editJsonFor(path).toUtf8();
    if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size() || !file.commit()) {
        MessageBox::critical(this, tr("Cannot export the edit"), tr("%1: %2").arg(path, file.errorString()));
        return;
    }
    statusBar()->showMessage(tr("Exported %1").arg(QFileInfo(path).fileName()), 5000);
}

void MainWindow::addRecentFile(const QString& path) {
    if (path.isEmpty()) return;
    QStringList recent = Settings::instance().get(Settings::Key::RecentFiles).toStringList();
    recent.removeAll(path);
    recent.prepend(path);
    while (recent.size() > kMaxRecentFiles) recent.removeLast();
    Settings::instance().set(Settings::Key::RecentFiles, recent);
    rebuildRecentMenu();
}

void MainWindow::rebuildRecentMenu() {
    m_recentMenu->clear();
    for (const QString& path : Settings::instance().get(Settings::Key::RecentFiles).toStringList()) {
        QAction* a = m_recentMenu->addAction(QFileInfo(path).fileName(), this, [this, path] { openFile(path); });
        a->setToolTip(path);
    }
    m_recentMenu->setEnabled(!m_recentMenu->isEmpty());
}

QString MainWindow::autosavePath() const {
    if (m_document->sha256().isEmpty()) return {};
    QString folder = m_options.autosaveFolder;
    if (folder.isEmpty()) folder = QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation) + QStringLiteral("/autosave");
    return QDir(folder).filePath(m_document->sha256() + QString::fromLatin1(edit::kEditDocumentSuffix));
}

void MainWindow::autosave() {
    if (!m_document->hasPhoto() || !m_document->isModified() || m_options.autosaveSeconds <= 0) return;
    const QString path = autosavePath();
    QDir().mkpath(QFileInfo(path).absolutePath());
    QSaveFile file(path);
    // The photo path is absolute here: the autosave lives far from the photo.
    const EngineInfo* engine = activeEngine();
    edit::EditDocument doc = m_document->toEditDocument(path, engine ? engine->weightsId : QString(),
                                                        engine ? engine->canvas : ImageSize{176, 256});
    doc.photoPath = QFileInfo(m_document->photoPath()).absoluteFilePath().toStdString();
    const QByteArray bytes = QByteArray::fromStdString(edit::toJson(doc));
    if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size() || !file.commit())
        statusBar()->showMessage(tr("Autosave failed: %1: %2").arg(path, file.errorString()), 8000);
}

void MainWindow::removeAutosave() {
    m_autosaveTimer->stop();
    const QString path = autosavePath();
    if (!path.isEmpty()) QFile::remove(path);
}

std::optional<edit::EditDocument> MainWindow::offerAutosave(const OpenedPhoto& photo) {
    if (m_options.autosaveSeconds <= 0) return std::nullopt;
    QString folder = m_options.autosaveFolder;
    if (folder.isEmpty()) folder = QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation) + QStringLiteral("/autosave");
    const QString path = QDir(folder).filePath(photo.sha256 + QString::fromLatin1(edit::kEditDocumentSuffix));
    const QFileInfo autosaved(path);
    if (!autosaved.exists()) return std::nullopt;
    if (!photo.documentPath.isEmpty() && QFileInfo(photo.documentPath).lastModified() >= autosaved.lastModified()) return std::nullopt;
    try {
        const edit::EditDocument doc = edit::readEditDocument(path.toStdString());
        const bool sameFace = !doc.portrait || (photo.portraitEdit && *doc.portrait == *photo.portraitEdit) ||
                              (photo.face && doc.portrait->target == photo.face->observed);
        if (PosePair{doc.reference, doc.target} == PosePair{photo.reference, photo.target} && sameFace) return std::nullopt;
        const auto answer = MessageBox::question(
            this, tr("Unsaved edit found"),
            tr("Marionette found unsaved changes to %1 from %2. Restore them?")
                .arg(QFileInfo(photo.photoPath).fileName(), QLocale().toString(autosaved.lastModified(), QLocale::ShortFormat)),
            QMessageBox::Yes | QMessageBox::No, QMessageBox::Yes);
        if (answer == QMessageBox::Yes) return doc;
    } catch (const std::exception&) {
        // An unreadable autosave is only a lost convenience.
    }
    QFile::remove(path);
    return std::nullopt;
}

void MainWindow::updateTitle() {
    const QString name = m_document->hasPhoto() ? QFileInfo(m_document->photoPath()).fileName() : tr("No photo");
    setWindowTitle(tr("%1[*] \u2014 Marionette").arg(name));
    setWindowModified(m_document->isModified());
}

// --- long jobs -----------------------------------------------------------------------------------------

void MainWindow::startLongJob(quint64 job, const QString& text) {
    m_longJobs[job] = text;
    statusBar()->showMessage(text);
    if (!m_busyTimer->isActive() && !m_busyBar->isVisible()) m_busyTimer->start();
}

void MainWindow::endLongJob(quint64 job) {
    if (!m_longJobs.erase(job)) return;
    if (m_longJobs.empty()) {
        m_busyTimer->stop();
        m_busyBar->setVisible(false);
        m_cancelButton->setVisible(false);
        statusBar()->clearMessage();
    } else {
        statusBar()->showMessage(m_longJobs.rbegin()->second);
    }
}

void MainWindow::cancelLongJobs() {
    for (const auto& [job, text] : std::map<quint64, QString>(m_longJobs)) {
        m_worker->cancel(job);
        endLongJob(job);
    }
    // m_engineJob stays: a load the worker finished before it saw the cancel is in use there, so its
    // answer is still taken.
    const bool withoutModel = m_engineJob != 0 && !m_engine;
    m_openJob = m_exportJob = 0;
    statusBar()->showMessage(tr("Cancelled"), 4000);
    if (withoutModel) openWeights(QString());  // never stay without a model
    updateActionStates();
}

// --- state ---------------------------------------------------------------------------------------------

void MainWindow::updateActionStates() {
    const bool photo = m_document->hasPhoto();
    const bool portrait = portraitMode();
    const bool canExport = photo && activeEngine() && m_exportJob == 0;
    for (const char* name : {"actionSaveEdit", "actionExportEdit", "actionImportPose", "actionExportPose", "actionMirrorPose",
                             "actionResetPose", "actionLoadPreset", "actionSavePreset", "actionFit", "actionActualSize",
                             "actionZoomIn", "actionZoomOut", "actionBeforeAfter", "actionPasteMoved", "actionPastePerson",
                             "actionPasteWholeCrop"})
        action(name)->setEnabled(photo);
    for (const char* name : {"actionExportImage", "actionExportCrop", "actionExportMaps"}) action(name)->setEnabled(canExport);
    action("actionResetPose")->setEnabled(photo && !portrait && !(m_document->target() == m_document->reference()));
    for (const char* name : {"actionImportPose", "actionExportPose", "actionMirrorPose", "actionLoadPreset", "actionSavePreset",
                             "actionSymmetryLock", "actionKeepBoneLengths"})
        action(name)->setEnabled(action(name)->isEnabled() && !portrait);
    m_presetMenu->setEnabled(photo && !portrait);
    const auto& face = m_document->face();
    action("actionPortraitMode")->setEnabled(photo && (face || portrait));
    action("actionNextFace")->setEnabled(photo && face && face->faceCount > 1 && !m_faceJob);
    action("actionResetFace")->setEnabled(photo && face && m_document->portrait() != PortraitState{face->fitted, {}});
    for (const auto& [name, a] : m_actions) {
        if (name.startsWith(QLatin1String("actionFacePreset_"))) a->setEnabled(photo && face);
    }
    m_portraitPanel->setEnabled(photo && face);
    m_splitSlider->setEnabled(photo && action("actionBeforeAfter")->isChecked());
    action("actionDeviceCuda")->setEnabled(edit::cudaAvailable());
    const EngineInfo* engine = activeEngine();
    action("actionForgetAdaptation")->setEnabled(photo && engine && engine->adaptedToPhotos && !m_adaptation->running() &&
                                                 !adaptationBaseFor(engine->kind).isEmpty());
    action("actionAdaptToPhoto")->setEnabled(photo && engine && !engine->untrained && !m_adaptation->running() &&
                                             (portrait ? face != nullptr
                                                       : m_document->reference().presentCount() >= train::kMinimumAdaptationJoints));
}

// --- adapting the weights to the photo ------------------------------------------------------------------

void MainWindow::adaptToPhoto() {
    const model::SemanticsKind kind = portraitMode() ? model::SemanticsKind::Face : model::SemanticsKind::Body;
    const EngineInfo* engine = engineFor(kind);
    if (!m_document->hasPhoto() || !engine || engine->untrained || m_adaptation->running()) return;
    if (kind == model::SemanticsKind::Face && !m_document->face()) return;
    const QString base = adaptationBaseFor(kind).isEmpty() ? engine->weightsPath : adaptationBaseFor(kind);
    const QString folder = QFileInfo(adaptedWeightsPath(base, kind)).absolutePath();
    if (!QDir().mkpath(folder)) {
        MessageBox::critical(this, tr("Cannot adapt the weights"), tr("Cannot make the folder %1.").arg(QDir::toNativeSeparators(folder)));
        return;
    }
    const QFileInfo photo(m_document->photoPath());
    edit::PhotoAdaptation request;
    request.weightsPath = engine->weightsPath.toStdString();  // adapted ones go on learning
    request.photo = m_document->photo();
    if (kind == model::SemanticsKind::Face) request.face = m_document->face()->observed;
    else request.reference = m_document->reference();
    request.photoName = photo.fileName().toStdString();
    request.outPath = adaptedWeightsPath(base, kind).toStdString();
    const int steps = std::max(1, m_options.adaptationSteps.value_or(Settings::instance().get(Settings::Key::AdaptationSteps).toInt()));
    request.options.steps = steps;
    request.options.device = deviceKey(m_engineSpec->device).toStdString();
    request.options.threads = m_engineSpec->threads;
    if (!m_adaptation->start(std::move(request))) return;
    // Edits go on during the adaptation; on the CPU they get one thread, so that the two do not fight over
    // every core (five times slower edits with a full team each, on two cores).
    if (!engine->onCuda) m_worker->capCpuThreads(m_inferenceThreadCap = 1);
    m_adaptingKind = kind;
    m_adaptingBase = base;
    m_adaptingPhoto = photo.fileName();
    m_adaptBar->setRange(0, steps);
    m_adaptBar->setValue(0);
    m_adaptBar->setVisible(true);
    m_adaptCancelButton->setVisible(true);
    statusBar()->showMessage(kind == model::SemanticsKind::Face
                                 ? tr("Adapting the portrait weights to the face in %1\u2026 (editing goes on meanwhile)").arg(photo.fileName())
                                 : tr("Adapting the weights to %1\u2026 (editing goes on meanwhile)").arg(photo.fileName()));
    updateActionStates();
}

void MainWindow::forgetAdaptation() {
    const EngineInfo* engine = activeEngine();
    if (!engine || !engine->adaptedToPhotos || m_adaptation->running()) return;
    const model::SemanticsKind kind = engine->kind;
    const QString base = adaptationBaseFor(kind);
    if (base.isEmpty()) return;  // opened by hand: nothing known to go back to
    const QString adapted = engine->weightsPath;
    if (!QFile::remove(adapted) && QFileInfo::exists(adapted)) {
        MessageBox::critical(this, tr("Cannot forget the adapted weights"),
                             tr("Cannot delete %1.").arg(QDir::toNativeSeparators(adapted)));
        return;
    }
    loadWeightsFor(kind, base);
    statusBar()->showMessage(tr("Deleted the adapted weights; back to %1").arg(QFileInfo(base).fileName()), 8000);
}

// One file per photo (and face of it) and starting weights, so that adapting again replaces it.
QString MainWindow::adaptedWeightsPath(const QString& baseWeights, model::SemanticsKind kind) const {
    QString folder = m_options.adaptedFolder;
    if (folder.isEmpty()) folder = QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation) + QStringLiteral("/adapted");
    QString photo = QStringLiteral("%1-%2").arg(QFileInfo(m_document->photoPath()).completeBaseName(), m_document->sha256().left(12));
    if (kind == model::SemanticsKind::Face && m_document->face()) photo += QStringLiteral("-face%1").arg(m_document->face()->faceIndex);
    return QDir(folder).filePath(QStringLiteral("%1-%2.safetensors").arg(photo, QFileInfo(baseWeights).completeBaseName()));
}

const EngineInfo* MainWindow::engineFor(model::SemanticsKind kind) const {
    return kind == model::SemanticsKind::Face ? m_portraitEngine.get() : m_engine.get();
}

QString& MainWindow::adaptationBaseFor(model::SemanticsKind kind) {
    return kind == model::SemanticsKind::Face ? m_portraitAdaptationBase : m_adaptationBase;
}

void MainWindow::loadWeightsFor(model::SemanticsKind kind, const QString& path) {
    if (kind == model::SemanticsKind::Face) loadPortraitEngine(path);
    else openWeights(path);
}

void MainWindow::matchWeightsToPhoto() {
    matchWeightsToPhoto(model::SemanticsKind::Body);
    matchWeightsToPhoto(model::SemanticsKind::Face);
}

void MainWindow::matchWeightsToPhoto(model::SemanticsKind kind) {
    const EngineInfo* engine = engineFor(kind);
    if (!engine || engine->untrained || !m_document->hasPhoto()) return;
    const QString base = engine->adaptedToPhotos ? adaptationBaseFor(kind) : engine->weightsPath;
    if (base.isEmpty()) return;  // adapted weights opened by hand: what they started from is unknown
    const QString forPhoto = adaptedWeightsPath(base, kind);
    // The weights last asked for: a load of them may be under way.
    const QFileInfo requested((kind == model::SemanticsKind::Face ? m_portraitSpec : m_engineSpec)->weightsPath);
    if (QFileInfo::exists(forPhoto)) {
        if (QFileInfo(engine->weightsPath) == QFileInfo(forPhoto) || requested == QFileInfo(forPhoto)) return;
        touchAdaptedWeights(forPhoto);  // recently used: kept longest
        loadWeightsFor(kind, forPhoto);
        statusBar()->showMessage(tr("Using the weights adapted to this photo before (%1)").arg(QFileInfo(forPhoto).fileName()), 8000);
    } else if (engine->adaptedToPhotos && requested != QFileInfo(base)) {
        loadWeightsFor(kind, base);
        statusBar()->showMessage(tr("Back to %1: the adapted weights were for another photo").arg(QFileInfo(base).fileName()), 8000);
    }
}

void MainWindow::onAdaptationProgress(int step, int steps, double pixelL1, double imagesPerSecond) {
    m_adaptBar->setRange(0, steps);
    m_adaptBar->setValue(step);
    m_adaptBar->setToolTip(tr("Step %1 of %2: pixel error %3, %4 images/s").arg(step).arg(steps).arg(pixelL1, 0, 'f', 4).arg(imagesPerSecond, 0, 'f', 2));
}

void MainWindow::onAdaptationEnded() {
    if (m_inferenceThreadCap != 0) m_worker->capCpuThreads(m_inferenceThreadCap = 0);
    m_adaptBar->setVisible(false);
    m_adaptCancelButton->setVisible(false);
    updateActionStates();
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
    if (event->mimeData()->hasUrls() && !event->mimeData()->urls().isEmpty() && event->mimeData()->urls().front().isLocalFile())
        event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event) {
    const QList<QUrl> urls = event->mimeData()->urls();
    if (urls.isEmpty() || !urls.front().isLocalFile()) return;
    event->acceptProposedAction();
    const QString path = urls.front().toLocalFile();
    QTimer::singleShot(0, this, [this, path] { openFile(path); });  // not inside the drop's own event handling
}

}  // namespace marionette::ui

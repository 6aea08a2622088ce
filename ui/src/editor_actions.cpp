#include "editor_actions.h"

#include "main_window_text.h"

#include <QAction>
#include <QActionGroup>
#include <QKeySequence>
#include <QMainWindow>
#include <QMenu>
#include <QMenuBar>
#include <QSlider>
#include <QToolBar>
#include <QWidget>

namespace marionette::ui {
namespace {

QAction* make(QObject* owner, const char* name, const QString& text, const QKeySequence& shortcut = {},
              const QString& tip = {}) {
    auto* a = new QAction(text, owner);
    a->setObjectName(QString::fromLatin1(name));
    if (!shortcut.isEmpty()) a->setShortcut(shortcut);
    if (!tip.isEmpty()) a->setToolTip(tip);
    return a;
}

QAction* checkable(QAction* a, QActionGroup* group = nullptr) {
    a->setCheckable(true);
    if (group) group->addAction(a);
    return a;
}

void createFileActions(EditorActions& a, QObject* o) {
    a.open = make(o, "actionOpen", tr("&Open\u2026"), QKeySequence::Open);
    a.saveEdit = make(o, "actionSaveEdit", tr("&Save Edit"), QKeySequence::Save);
    a.exportImage = make(o, "actionExportImage", tr("&Export Image\u2026"), QKeySequence(Qt::CTRL | Qt::Key_E));
    a.exportCrop = make(o, "actionExportCrop", tr("Export &Crop\u2026"));
    a.exportEdit = make(o, "actionExportEdit", tr("Export Edit as &JSON\u2026"));
    a.exportMaps =
        make(o, "actionExportMaps", tr("Export &Maps\u2026"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_E));
    a.importPose = make(o, "actionImportPose", tr("&Import Pose (OpenPose JSON)\u2026"));
    a.exportPose = make(o, "actionExportPose", tr("Export &Pose (OpenPose JSON)\u2026"));
    a.quit = make(o, "actionQuit", tr("&Quit"), QKeySequence::Quit);
    // Undo and redo keep short texts (the tool bar stays put); the step they act on is in their tooltip and
    // in the History dock.
    a.undo = make(o, "actionUndo", tr("&Undo"), QKeySequence::Undo);
    a.redo = make(o, "actionRedo", tr("&Redo"));
    a.redo->setShortcuts({QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_Z), QKeySequence::Redo});
    a.undo->setEnabled(false);
    a.redo->setEnabled(false);
}

void createViewActions(EditorActions& a, QObject* o) {
    a.fit = make(o, "actionFit", tr("&Fit to Window"), QKeySequence(Qt::Key_F));
    a.actualSize = make(o, "actionActualSize", tr("&Actual Size"), QKeySequence(Qt::Key_1));
    a.zoomIn = make(o, "actionZoomIn", tr("Zoom &In"), QKeySequence::ZoomIn);
    a.zoomOut = make(o, "actionZoomOut", tr("Zoom &Out"), QKeySequence::ZoomOut);
    a.beforeAfter = checkable(make(o, "actionBeforeAfter", tr("&Before / After"), QKeySequence(Qt::Key_Tab),
                                   tr("Show the original photo left of the split line (Tab)")));
    auto* paste = new QActionGroup(o);
    a.paste = {
        checkable(
            make(o, "actionPasteMoved", tr("&Moved Parts"), {},
                 tr("Replace only the parts of the body or face the edit moved; the rest keeps the photo's pixels")),
            paste),
        checkable(make(o, "actionPastePerson", tr("Whole &Person or Face"), {},
                       tr("Replace the whole person (in portrait mode the whole face) with the synthesis")),
                  paste),
        checkable(make(o, "actionPasteWholeCrop", tr("Whole &Crop"), {},
                       tr("Replace the whole crop around the person, background included")),
                  paste)};
}

void createPoseActions(EditorActions& a, QObject* o) {
    a.mirrorPose = make(o, "actionMirrorPose", tr("&Mirror Pose"), QKeySequence(Qt::Key_M));
    a.resetPose = make(o, "actionResetPose", tr("&Reset to Reference"), QKeySequence(Qt::Key_R));
    a.symmetryLock = checkable(make(o, "actionSymmetryLock", tr("&Symmetry Lock"), {},
                                    tr("The mirror joint moves too, mirrored about the body's axis (or hold Shift)")));
    a.keepBoneLengths = checkable(make(o, "actionKeepBoneLengths", tr("&Keep Bone Lengths"), {},
                                       tr("Joints turn about their parent and the limb below follows (or hold Alt)")));
    a.loadPreset = make(o, "actionLoadPreset", tr("Load Preset &File\u2026"));
    a.savePreset = make(o, "actionSavePreset", tr("&Save Pose as Preset\u2026"));
    a.portraitMode = checkable(make(o, "actionPortraitMode", tr("&Portrait Mode"), QKeySequence(Qt::Key_P),
                                    tr("Edit the face: head pose and expression sliders, draggable landmarks (P)")));
    a.resetFace = make(o, "actionResetFace", tr("&Reset Face to Photo"));
    a.nextFace = make(o, "actionNextFace", tr("&Next Face"), QKeySequence(Qt::SHIFT | Qt::Key_P),
                      tr("Edit the next of the photo's faces, by size (Shift+P)"));
    a.linkSides = checkable(make(o, "actionLinkSides", tr("&Link Left and Right")));
}

void createModelActions(EditorActions& a, QObject* o) {
    auto* methods = new QActionGroup(o);
    a.method = {
        checkable(make(o, "actionMethodHybrid", tr("&Sharp Re-posing (Move the Photo's Pixels)"), {},
                       tr("The photo's own pixels move with the skeleton, at the photo's resolution; the network draws "
                          "only what the photo never showed (the body behind a raised arm)")),
                  methods),
        checkable(
            make(o, "actionMethodNetwork", tr("&Network Only (the Paper's Synthesis)"), {},
                 tr("The network redraws the person at its own small size, pasted back into the photo (blurred)")),
            methods)};
    a.openWeights = make(o, "actionOpenWeights", tr("Open &Weights\u2026"));
    a.untrainedWeights = make(o, "actionUntrainedWeights", tr("Use &Untrained Weights"));
    // The preview as the result: the photo carried along the bones (or moved with the landmarks), sharp, and
    // no network at all. Not remembered, so that a new session starts with the network.
    a.warpOnly =
        checkable(make(o, "actionWarpOnly", tr("&Warp Only (No Network)"), {},
                       tr("Show and export the photo moved along the skeleton (or the face's landmarks) instead of the "
                          "network's synthesis: sharp, but it cannot draw what the photo does not show")));
    a.adaptToPhoto =
        make(o, "actionAdaptToPhoto", tr("&Adapt to This Photo"), {},
             tr("Fine-tune the weights on warped copies of this photo's person (in portrait mode, of the face being "
                "edited), then use them for this photo: the network learns this person's own clothes, skin and "
                "colours. Minutes on a CPU, seconds on a GPU"));
    a.forgetAdaptation =
        make(o, "actionForgetAdaptation", tr("&Forget Adapted Weights"), {},
             tr("Delete the weights adapted to this photo and go back to the weights they started from"));
    // How long an adaptation trains: more steps, closer to the photo, minutes more on a CPU.
    auto* lengths = new QActionGroup(o);
    a.adaptationSteps = {checkable(make(o, "actionAdaptationSteps150", tr("&Quick (150 Steps)")), lengths),
                         checkable(make(o, "actionAdaptationSteps300", tr("&Longer (300 Steps)")), lengths),
                         checkable(make(o, "actionAdaptationSteps600", tr("Lon&gest (600 Steps)")), lengths)};
    auto* devices = new QActionGroup(o);
    a.device = {checkable(make(o, "actionDeviceAuto", tr("&Automatic")), devices),
                checkable(make(o, "actionDeviceCpu", tr("&CPU")), devices),
                checkable(make(o, "actionDeviceCuda", tr("C&UDA")), devices)};
    a.about = make(o, "actionAbout", tr("&About Marionette"));
}

}  // namespace

EditorActions EditorActions::create(QObject* owner) {
    EditorActions a{};
    createFileActions(a, owner);
    createViewActions(a, owner);
    createPoseActions(a, owner);
    createModelActions(a, owner);
    return a;
}

edit::PasteExtent EditorActions::pasteExtent() const {
    for (const auto e : {edit::PasteExtent::MovedParts, edit::PasteExtent::Person, edit::PasteExtent::WholeCrop})
        if (pasteAction(e)->isChecked()) return e;
    return edit::PasteExtent::MovedParts;
}

EditorMenus addMenus(QMainWindow* window, const EditorActions& a, const QList<QAction*>& mapActions) {
    EditorMenus menus{};
    QMenuBar* bar = window->menuBar();
    QMenu* file = bar->addMenu(QMainWindow::tr("&File"));
    file->addAction(a.open);
    menus.recent = file->addMenu(QMainWindow::tr("Open &Recent"));
    menus.recent->setObjectName(QStringLiteral("menuRecentFiles"));
    addActions(file, {a.saveEdit, nullptr, a.exportImage, a.exportCrop, a.exportEdit, a.exportMaps, nullptr,
                      a.importPose, a.exportPose, nullptr, a.quit});
    addActions(bar->addMenu(QMainWindow::tr("&Edit")), {a.undo, a.redo});

    menus.view = bar->addMenu(QMainWindow::tr("&View"));
    menus.view->setObjectName(QStringLiteral("menuView"));
    addActions(menus.view, {a.fit, a.actualSize, a.zoomIn, a.zoomOut, a.beforeAfter});
    QMenu* pasteBack = menus.view->addMenu(QMainWindow::tr("&Paste Back"));
    pasteBack->setObjectName(QStringLiteral("menuPasteBack"));
    for (QAction* extent : a.paste) pasteBack->addAction(extent);
    menus.view->addSeparator();
    menus.view->addActions(mapActions);
    menus.view->addSeparator();

    QMenu* pose = bar->addMenu(QMainWindow::tr("&Pose"));
    addActions(pose, {a.mirrorPose, a.resetPose, nullptr, a.symmetryLock, a.keepBoneLengths, nullptr});
    menus.posePresets = pose->addMenu(QMainWindow::tr("&Presets"));
    menus.posePresets->setObjectName(QStringLiteral("menuPresets"));

    QMenu* portrait = bar->addMenu(QMainWindow::tr("P&ortrait"));
    portrait->setObjectName(QStringLiteral("menuPortrait"));
    addActions(portrait, {a.portraitMode, a.resetFace, a.nextFace, a.linkSides});
    menus.facePresets = portrait->addMenu(QMainWindow::tr("&Presets"));
    menus.facePresets->setObjectName(QStringLiteral("menuFacePresets"));

    QMenu* model = bar->addMenu(QMainWindow::tr("&Model"));
    model->setObjectName(QStringLiteral("menuModel"));
    addActions(model, {a.method[0], a.method[1], nullptr, a.openWeights, a.untrainedWeights, a.warpOnly, a.adaptToPhoto,
                       a.forgetAdaptation});
    QMenu* length = model->addMenu(QMainWindow::tr("Adaptation &Length"));
    length->setObjectName(QStringLiteral("menuAdaptationLength"));
    for (QAction* steps : a.adaptationSteps) length->addAction(steps);
    QMenu* device = model->addMenu(QMainWindow::tr("&Device"));
    for (QAction* d : a.device) device->addAction(d);
    bar->addMenu(QMainWindow::tr("&Help"))->addAction(a.about);

    QToolBar* tools = window->addToolBar(QMainWindow::tr("Main"));
    tools->setObjectName(QStringLiteral("mainToolBar"));
    tools->setToolButtonStyle(Qt::ToolButtonTextOnly);
    addActions(tools, {a.open, a.saveEdit, a.exportImage, nullptr, a.undo, a.redo, nullptr, a.mirrorPose, a.resetPose,
                       a.symmetryLock, a.keepBoneLengths, nullptr, a.portraitMode, nullptr, a.fit, a.beforeAfter});
    menus.split = new QSlider(Qt::Horizontal);
    menus.split->setObjectName(QStringLiteral("splitSlider"));
    menus.split->setRange(0, 100);
    menus.split->setValue(50);
    menus.split->setFixedWidth(140);
    menus.split->setToolTip(QMainWindow::tr("Where the before/after split line is"));
    tools->addWidget(menus.split);
    return menus;
}

void addActions(QWidget* target, std::initializer_list<QAction*> actions) {
    for (QAction* action : actions) {
        if (action) {
            target->addAction(action);
            continue;
        }
        auto* separator = new QAction(target);  // QMenu and QToolBar both draw a separator action as a line
        separator->setSeparator(true);
        target->addAction(separator);
    }
}

}  // namespace marionette::ui

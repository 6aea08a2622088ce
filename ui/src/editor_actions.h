#pragma once
// The main window's actions as a typed table: each has its object name (the tests' contract: actionOpen,
// actionPasteMoved, ...), text, shortcut and tooltip here, and the window connects them to what they do.
// Menus and the tool bar are built from the same table.
#include "marionette/edit/repose_session.h"
#include "marionette/edit/round_trip.h"

#include <QList>

#include <array>
#include <cstddef>
#include <initializer_list>
#include <vector>

class QAction;
class QActionGroup;
class QMainWindow;
class QMenu;
class QObject;
class QSlider;
class QWidget;

namespace marionette::ui {

struct EditorActions {
    // Creates every action, owned by `owner`, none connected yet.
    static EditorActions create(QObject* owner);

    // File
    QAction* open;
    QAction* saveEdit;
    QAction* exportImage;
    QAction* exportCrop;
    QAction* exportEdit;
    QAction* exportMaps;
    QAction* importPose;
    QAction* exportPose;
    QAction* quit;
    // Edit
    QAction* undo;
    QAction* redo;
    // View
    QAction* fit;
    QAction* actualSize;
    QAction* zoomIn;
    QAction* zoomOut;
    QAction* beforeAfter;
    std::array<QAction*, 3> paste;  // View > Paste Back, by edit::PasteExtent
    // Pose
    QAction* mirrorPose;
    QAction* resetPose;
    QAction* symmetryLock;
    QAction* keepBoneLengths;
    QAction* loadPreset;
    QAction* savePreset;
    // Portrait
    QAction* portraitMode;
    QAction* resetFace;
    QAction* nextFace;
    QAction* linkSides;
    std::vector<QAction*> facePresets;  // added with the Portrait menu
    // Model
    std::array<QAction*, 2> method;  // by edit::ReposeMethod
    QAction* openWeights;
    QAction* untrainedWeights;
    QAction* warpOnly;
    QAction* adaptToPhoto;
    QAction* forgetAdaptation;
    std::array<QAction*, 3> adaptationSteps;  // the steps each stands for: kAdaptationSteps
    std::array<QAction*, 3> device;           // by edit::Device
    // Help
    QAction* about;

    static constexpr std::array<int, 3> kAdaptationSteps = {150, 300, 600};

    QAction* pasteAction(edit::PasteExtent extent) const { return paste[static_cast<std::size_t>(extent)]; }
    QAction* methodAction(edit::ReposeMethod m) const { return method[static_cast<std::size_t>(m)]; }
    QAction* deviceAction(edit::Device d) const { return device[static_cast<std::size_t>(d)]; }
    // The checked Paste Back choice.
    edit::PasteExtent pasteExtent() const;
};

// The menus that others fill or switch, and the tool bar's before/after slider.
struct EditorMenus {
    QMenu* recent;
    QMenu* view;
    QMenu* posePresets;
    QMenu* facePresets;
    QSlider* split;
};
// Builds the menu bar and the main tool bar of `window` from `actions`; `mapActions` go in the View menu.
EditorMenus addMenus(QMainWindow* window, const EditorActions& actions, const QList<QAction*>& mapActions);

// Adds `actions` to a menu or tool bar in order; a null entry adds a separator.
void addActions(QWidget* target, std::initializer_list<QAction*> actions);

}  // namespace marionette::ui

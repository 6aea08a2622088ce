#pragma once
// Where the editor's widgets go: the result view under the model banner and the hint line, the docks
// (Reference, Maps, Portrait, History) and the status bar's labels. Object names are the tests' contract.
class QDockWidget;
class QLabel;
class QMainWindow;
class QMenu;
class QStatusBar;
class QUndoStack;
class QWidget;

namespace marionette::ui {

// The central widget: `banner` and `hint` above `resultCanvas`.
QWidget* resultArea(QLabel* banner, QLabel* hint, QWidget* resultCanvas);

// Adds the docks to `window` and their toggles to `viewMenu`; returns the Portrait dock, hidden until
// portrait mode.
QDockWidget* addDocks(QMainWindow* window, QWidget* referenceCanvas, QWidget* mapsPanel, QWidget* portraitPanel,
                      QUndoStack* history, QMenu* viewMenu);

struct StatusLabels {
    QLabel* device;   // where the network runs
    QLabel* weights;  // the weights in use
    QLabel* mode;     // what is shown: preview, full synthesis, sharp re-posing
    QLabel* latency;  // the time per edit
};
StatusLabels addStatusLabels(QStatusBar* statusBar);

}  // namespace marionette::ui

#pragma once
// The GUI responsiveness benchmark (not a test; run by marionette-bench-ui, built with the tests): drags a
// joint of the opened photo in circles with real mouse events while synthesis runs, and measures the event
// loop with a 5 ms timer. Reports the longest stall (the largest gap between ticks beyond 5 ms), its 99th
// percentile, and how many frames were shown.
#include <QString>

namespace marionette::ui {

class MainWindow;

struct UiBenchmarkResult {
    double longestStallMilliseconds = 0;
    double stall99Milliseconds = 0;
    int ticks = 0;
    int previewFrames = 0;
    int fullFrames = 0;
    double meanFrameMilliseconds = 0;
    QString device;
    bool screenshotSaved = false;
    QString report() const;
};

// Runs inside the window's event loop for about `seconds` of dragging after the first result appears. With
// `screenshotWhileDragging`, the window is saved there (PNG) just before the mouse is released: what a user
// sees mid-drag.
UiBenchmarkResult runUiBenchmark(MainWindow& window, double seconds,
                                 const QString& screenshotWhileDragging = QString());

}  // namespace marionette::ui

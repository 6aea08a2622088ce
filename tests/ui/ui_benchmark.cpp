#include "ui_benchmark.h"

#include "document.h"
#include "inference_worker.h"
#include "pose_canvas.h"

#include "marionette/ui/main_window.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QMouseEvent>
#include <QTimer>

#include <algorithm>
#include <cmath>
#include <functional>
#include <vector>

namespace marionette::ui {
namespace {

constexpr int kTickMilliseconds = 5;
constexpr int kMoveMilliseconds = 16;  // a mouse reporting at 60 Hz

// Runs the event loop until `done` holds or `timeoutMs` passes; false on timeout.
bool spinUntil(const std::function<bool()>& done, int timeoutMs) {
    QElapsedTimer clock;
    clock.start();
    while (!done()) {
        if (clock.elapsed() > timeoutMs) return false;
        QEventLoop loop;
        QTimer::singleShot(10, &loop, &QEventLoop::quit);
        loop.exec();
    }
    return true;
}

void sendMouse(QWidget* target, QEvent::Type type, QPoint position, Qt::MouseButtons buttons) {
    QMouseEvent event(type, QPointF(position), QPointF(target->mapToGlobal(position)),
                      type == QEvent::MouseMove ? Qt::NoButton : Qt::LeftButton, buttons, Qt::NoModifier);
    QCoreApplication::sendEvent(target, &event);
}

}  // namespace

QString UiBenchmarkResult::report() const {
    return QStringLiteral(
               "GUI responsiveness while dragging with synthesis running (%1):\n"
               "  longest event-loop stall: %2 ms (99th percentile %3 ms) over %4 ticks of a %5 ms timer\n"
               "  frames shown: %6 previews, %7 full syntheses; mean worker time per frame %8 ms")
        .arg(device)
        .arg(longestStallMilliseconds, 0, 'f', 1)
        .arg(stall99Milliseconds, 0, 'f', 1)
        .arg(ticks)
        .arg(kTickMilliseconds)
        .arg(previewFrames)
        .arg(fullFrames)
        .arg(meanFrameMilliseconds, 0, 'f', 1);
}

UiBenchmarkResult runUiBenchmark(MainWindow& window, double seconds, const QString& screenshotWhileDragging) {
    UiBenchmarkResult result;
    if (!spinUntil([&] { return window.hasEngine() && window.document().hasPhoto() && window.isUpToDate(); }, 600000)) {
        result.device = QStringLiteral("no result: the photo or the model did not load");
        return result;
    }
    result.device = window.engineInfo().deviceName + QStringLiteral(", ") + window.engineInfo().description;
    PoseCanvas* canvas = window.resultCanvas();
    const pose::Pose& target = window.document().target();
    pose::JointId joint = pose::JointId::Neck;
    for (pose::JointId j :
         {pose::JointId::RightWrist, pose::JointId::LeftWrist, pose::JointId::RightElbow, pose::JointId::Neck}) {
        if (target.has(j)) {
            joint = j;
            break;
        }
    }
    const QPoint start = canvas->viewportPositionOf(joint);
    QWidget* viewport = canvas->viewport();

    double frameMilliseconds = 0;
    const auto connection = QObject::connect(&window, &MainWindow::frameShown, [&] {
        const Frame* frame = window.currentFrame();
        if (!frame) return;
        (frame->preview ? result.previewFrames : result.fullFrames) += 1;
        frameMilliseconds += frame->milliseconds;
    });

    std::vector<double> stalls;
    QElapsedTimer sinceTick;
    QTimer ticker;
    ticker.setTimerType(Qt::PreciseTimer);
    ticker.setInterval(kTickMilliseconds);
    QObject::connect(&ticker, &QTimer::timeout, [&] {
        stalls.push_back(std::max(0.0, sinceTick.nsecsElapsed() / 1e6 - kTickMilliseconds));
        sinceTick.restart();
    });

    QElapsedTimer clock;
    int step = 0;
    QTimer mover;
    mover.setInterval(kMoveMilliseconds);
    QObject::connect(&mover, &QTimer::timeout, [&] {
        // Circles of 40 screen pixels around where the joint started, one turn every 2 seconds.
        const double angle = ++step * kMoveMilliseconds / 2000.0 * 2 * M_PI;
        const QPoint at = start + QPoint(static_cast<int>(std::lround(40 * std::sin(angle))),
                                         static_cast<int>(std::lround(40 * (1 - std::cos(angle)))));
        sendMouse(viewport, QEvent::MouseMove, at, Qt::LeftButton);
    });

    sendMouse(viewport, QEvent::MouseButtonPress, start, Qt::LeftButton);
    clock.start();
    sinceTick.start();
    ticker.start();
    mover.start();
    spinUntil([&] { return clock.elapsed() > seconds * 1000; }, static_cast<int>(seconds * 1000) + 60000);
    if (!screenshotWhileDragging.isEmpty()) {
        // Still dragging: as soon as a preview is on screen (a drag at rest turns into a full synthesis).
        spinUntil([&] { return window.currentFrame() && window.currentFrame()->preview; }, 10000);
        result.screenshotSaved = window.grab().save(screenshotWhileDragging, "PNG");
    }
    mover.stop();
    sendMouse(viewport, QEvent::MouseButtonRelease, start, Qt::NoButton);
    spinUntil([&] { return window.isUpToDate(); }, 120000);
    ticker.stop();
    QObject::disconnect(connection);

    result.ticks = static_cast<int>(stalls.size());
    if (!stalls.empty()) {
        std::sort(stalls.begin(), stalls.end());
        result.longestStallMilliseconds = stalls.back();
        result.stall99Milliseconds = stalls[static_cast<std::size_t>(0.99 * static_cast<double>(stalls.size() - 1))];
    }
    const int frames = result.previewFrames + result.fullFrames;
    result.meanFrameMilliseconds = frames ? frameMilliseconds / frames : 0.0;
    return result;
}

}  // namespace marionette::ui

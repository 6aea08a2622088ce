// marionette-bench-ui: the editor's GUI responsiveness while dragging (ui_benchmark.h), on the real window,
// weights and photo. Built with the tests, not installed: it drives the window with synthetic mouse events.
//
//   marionette-bench-ui [--seconds N] [--weights FILE] [--device auto|cpu|cuda] [--threads N]
//                       [--preview auto|on|off] [--screenshot FILE] [PHOTO]
#include "ui_benchmark.h"

#include "marionette/edit/repose_session.h"
#include "marionette/ui/editor_options.h"
#include "marionette/ui/main_window.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QTimer>

#include <cstdio>

int main(int argc, char* argv[]) {
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("marionette"));
    QApplication::setOrganizationName(QStringLiteral("marionette"));
    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Drag a joint for SECONDS with synthesis running; print the longest event-loop stall."));
    parser.addHelpOption();
    parser.addPositionalArgument(QStringLiteral("photo"),
                                 QStringLiteral("the photo or edit to drag in (default: the editor's choice)"));
    const QCommandLineOption seconds(QStringLiteral("seconds"), QStringLiteral("how long to drag"), QStringLiteral("N"),
                                     QStringLiteral("10"));
    const QCommandLineOption weights(QStringLiteral("weights"), QStringLiteral("body model weights (.safetensors)"),
                                     QStringLiteral("FILE"));
    const QCommandLineOption device(QStringLiteral("device"), QStringLiteral("auto, cpu or cuda"),
                                    QStringLiteral("DEVICE"), QStringLiteral("auto"));
    const QCommandLineOption threads(QStringLiteral("threads"), QStringLiteral("CPU threads (0: one per core)"),
                                     QStringLiteral("N"), QStringLiteral("0"));
    const QCommandLineOption preview(QStringLiteral("preview"), QStringLiteral("while dragging: auto, on or off"),
                                     QStringLiteral("MODE"), QStringLiteral("auto"));
    const QCommandLineOption screenshot(
        QStringLiteral("screenshot"), QStringLiteral("save the window mid-drag as FILE (PNG)"), QStringLiteral("FILE"));
    parser.addOptions({seconds, weights, device, threads, preview, screenshot});
    parser.process(app);

    marionette::ui::EditorOptions options;
    options.weightsPath = parser.value(weights);
    try {
        options.device = marionette::edit::parseDevice(parser.value(device).toStdString());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "marionette-bench-ui: --device: %s\n", e.what());
        return 2;
    }
    options.threads = parser.value(threads).toInt();
    if (parser.value(preview) != QLatin1String("auto"))
        options.previewWhileDragging = parser.value(preview) == QLatin1String("on");
    if (!parser.positionalArguments().isEmpty()) options.openPath = parser.positionalArguments().front();
    options.autosaveSeconds = 0;  // the drags are not the user's edits

    marionette::ui::MainWindow window(options);
    window.show();
    const double duration = parser.value(seconds).toDouble();
    const QString midDrag = parser.value(screenshot);
    QTimer::singleShot(0, &window, [&window, duration, midDrag] {
        const auto result = marionette::ui::runUiBenchmark(window, duration > 0 ? duration : 10.0, midDrag);
        std::printf("%s\n", qPrintable(result.report()));
        if (!midDrag.isEmpty())
            std::printf("%s %s\n", result.screenshotSaved ? "saved" : "could not save", qPrintable(midDrag));
        std::fflush(stdout);
        QApplication::exit(result.ticks > 0 && (midDrag.isEmpty() || result.screenshotSaved) ? 0 : 1);
    });
    return QApplication::exec();
}

// marionette: the editor. Open a photo of a person, drag the skeleton's joints and watch the person take the
// new pose (editor.md). Everything is in ui/ and core/; this only reads the command line.
#include "marionette/util/allocator.h"
#include "marionette/model/config.h"
#include "marionette/ui/editor_options.h"
#include "marionette/ui/main_window.h"
#include "marionette/ui/ui_benchmark.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QTimer>

#include <cstdio>

int main(int argc, char* argv[]) {
    marionette::allocator::keepFreedBlocksForReuse();
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("marionette"));
    QApplication::setOrganizationName(QStringLiteral("marionette"));
    QApplication::setApplicationDisplayName(QStringLiteral("Marionette"));
    QApplication::setApplicationVersion(QStringLiteral(MARIONETTE_VERSION));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Re-pose people in photos: drag the skeleton, watch the person follow."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(QStringLiteral("file"), QStringLiteral("a photo or an edit (.marionette.json) to open"));
    const QCommandLineOption weights(QStringLiteral("weights"), QStringLiteral("body model weights (.safetensors)"), QStringLiteral("FILE"));
    const QCommandLineOption device(QStringLiteral("device"), QStringLiteral("auto, cpu or cuda"), QStringLiteral("DEVICE"), QStringLiteral("auto"));
    const QCommandLineOption threads(QStringLiteral("threads"), QStringLiteral("CPU threads for the network (0: default)"),
                                     QStringLiteral("N"), QStringLiteral("0"));
    const QCommandLineOption benchUi(QStringLiteral("bench-ui"),
                                     QStringLiteral("drag a joint for SECONDS, print the longest event-loop stall, and quit"),
                                     QStringLiteral("SECONDS"));
    const QCommandLineOption preview(QStringLiteral("preview"), QStringLiteral("while dragging: auto, on or off"), QStringLiteral("MODE"),
                                     QStringLiteral("auto"));
    parser.addOptions({weights, device, threads, benchUi, preview});
    parser.process(app);

    marionette::ui::EditorOptions options;
    options.weightsPath = parser.value(weights);
    const QString deviceName = parser.value(device);
    if (deviceName != QLatin1String("auto") && deviceName != QLatin1String("cpu") && deviceName != QLatin1String("cuda")) {
        std::fprintf(stderr, "marionette: --device must be auto, cpu or cuda, not \"%s\"\n", qPrintable(deviceName));
        return 2;
    }
    options.device = deviceName == QLatin1String("cpu")    ? marionette::edit::Device::Cpu
                     : deviceName == QLatin1String("cuda") ? marionette::edit::Device::Cuda
                                                           : marionette::edit::Device::Auto;
    options.threads = parser.value(threads).toInt();
    if (parser.value(preview) == QLatin1String("on")) options.previewWhileDragging = true;
    if (parser.value(preview) == QLatin1String("off")) options.previewWhileDragging = false;
    if (!parser.positionalArguments().isEmpty()) options.openPath = parser.positionalArguments().front();

    marionette::ui::MainWindow window(options);
    window.show();
    if (parser.isSet(benchUi)) {
        const double seconds = parser.value(benchUi).toDouble();
        QTimer::singleShot(0, &window, [&window, seconds] {
            const auto result = marionette::ui::runUiBenchmark(window, seconds > 0 ? seconds : 10.0);
            std::printf("%s\n", qPrintable(result.report()));
            std::fflush(stdout);
            QApplication::exit(result.ticks > 0 ? 0 : 1);
        });
    }
    return QApplication::exec();
}

// marionette: the editor. Open a photo of a person, drag the skeleton's joints and watch the person take the
// new pose (docs/editor.md). Everything is in ui/ and core/; this only reads the command line.
#include "marionette/edit/repose_session.h"
#include "marionette/edit/version_report.h"
#include "marionette/model/config.h"
#include "marionette/ui/editor_options.h"
#include "marionette/ui/main_window.h"
#include "marionette/util/allocator.h"
#include "marionette/util/cpu_threads.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QTimer>

#include <cstdio>
#include <cstring>
#include <memory>

namespace {

// --help and --version answer before a QApplication exists: they need no display (help2man and a packager's
// check run them without one).
bool hasFlag(int argc, char* argv[], const char* longName, const char* shortName) {
    for (int i = 1; i < argc; ++i)
        if (std::strcmp(argv[i], longName) == 0 || (shortName && std::strcmp(argv[i], shortName) == 0)) return true;
    return false;
}

// --screenshot: saves the window once the opened file's result is shown and no long job runs, then quits.
// A poll, not a signal: the last of the loads, the photo and the first frames may come in any order.
void saveWhenShown(marionette::ui::MainWindow& window, const QString& path) {
    auto* poll = new QTimer(&window);
    QObject::connect(poll, &QTimer::timeout, &window, [&window, poll, path] {
        if (!window.isUpToDate() || window.isBusy()) return;
        poll->stop();
        QTimer::singleShot(300, &window, [&window, path] {  // let the last paint land
            const bool saved = window.grab().save(path, "PNG");
            std::printf("%s %s\n", saved ? "saved" : "could not save", qPrintable(path));
            std::fflush(stdout);
            QApplication::exit(saved ? 0 : 1);
        });
    });
    poll->start(100);
}

}  // namespace

int main(int argc, char* argv[]) {
    marionette::cpu_threads::prepareProcess(argv);
    marionette::allocator::keepFreedBlocksForReuse();
    if (hasFlag(argc, argv, "--version", "-v")) {
        std::fputs(marionette::edit::versionReport("marionette").c_str(), stdout);
        return 0;
    }
    std::unique_ptr<QCoreApplication> app;
    if (hasFlag(argc, argv, "--help", "-h"))
        app = std::make_unique<QCoreApplication>(argc, argv);
    else
        app = std::make_unique<QApplication>(argc, argv);
    QApplication::setApplicationName(QStringLiteral("marionette"));
    QApplication::setOrganizationName(QStringLiteral("marionette"));
    QApplication::setApplicationDisplayName(QStringLiteral("Marionette"));
    QApplication::setApplicationVersion(QStringLiteral(MARIONETTE_VERSION));

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Re-pose people in photos: drag the skeleton, watch the person follow."));
    parser.addHelpOption();
    const QCommandLineOption versionOption(
        {QStringLiteral("v"), QStringLiteral("version")},
        QStringLiteral("Print the version, revision, LibTorch, CUDA support and the shipped weights"));
    parser.addOption(versionOption);
    parser.addPositionalArgument(QStringLiteral("file"),
                                 QStringLiteral("a photo or an edit (.marionette.json) to open"));
    const QCommandLineOption weights(QStringLiteral("weights"), QStringLiteral("body model weights (.safetensors)"),
                                     QStringLiteral("FILE"));
    const QCommandLineOption device(QStringLiteral("device"), QStringLiteral("auto, cpu or cuda"),
                                    QStringLiteral("DEVICE"), QStringLiteral("auto"));
    const QCommandLineOption threads(QStringLiteral("threads"),
                                     QStringLiteral("CPU threads for the network (0: one per processor core)"),
                                     QStringLiteral("N"), QStringLiteral("0"));
    const QCommandLineOption preview(QStringLiteral("preview"), QStringLiteral("while dragging: auto, on or off"),
                                     QStringLiteral("MODE"), QStringLiteral("auto"));
    const QCommandLineOption method(
        QStringLiteral("method"),
        QStringLiteral("how body edits are drawn: hybrid (the photo's pixels move, sharp) or network "
                       "(the network redraws the person); default: the Model menu's last choice"),
        QStringLiteral("METHOD"));
    const QCommandLineOption portraitWeights(QStringLiteral("portrait-weights"),
                                             QStringLiteral("portrait model weights (.safetensors)"),
                                             QStringLiteral("FILE"));
    const QCommandLineOption screenshot(
        QStringLiteral("screenshot"),
        QStringLiteral("once the opened file's result is shown, save the window as FILE (PNG) and quit"),
        QStringLiteral("FILE"));
    parser.addOptions({weights, portraitWeights, device, threads, method, preview, screenshot});
    parser.process(*app);  // --help prints and quits here

    marionette::ui::EditorOptions options;
    options.weightsPath = parser.value(weights);
    options.portraitWeightsPath = parser.value(portraitWeights);
    try {
        options.device = marionette::edit::parseDevice(parser.value(device).toStdString());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "marionette: --device: %s\n", e.what());
        return 2;
    }
    options.threads = parser.value(threads).toInt();
    if (parser.isSet(method)) {
        options.reposeMethod = marionette::edit::reposeMethodFromString(parser.value(method).toStdString());
        if (!options.reposeMethod) {
            std::fprintf(stderr, "marionette: --method must be hybrid or network, not \"%s\"\n",
                         qPrintable(parser.value(method)));
            return 2;
        }
    }
    if (parser.value(preview) == QLatin1String("on")) options.previewWhileDragging = true;
    if (parser.value(preview) == QLatin1String("off")) options.previewWhileDragging = false;
    if (!parser.positionalArguments().isEmpty()) options.openPath = parser.positionalArguments().front();

    marionette::ui::MainWindow window(options);
    window.show();
    // --screenshot stays in the product: the docs' pictures are of the real editor, its weights and the
    // user's photo, taken once the result is shown (the GUI benchmark lives with the tests).
    if (parser.isSet(screenshot)) saveWhenShown(window, parser.value(screenshot));
    return QApplication::exec();
}

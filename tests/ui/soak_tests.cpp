// The editor over a long session, and its saves when the process dies: the real widgets (offscreen) with tiny
// random models.
//
// soak: random gestures from a seeded generator (joint and bone drags, portrait sliders, undo, redo, mirror,
// reset, photo switches between the bundled samples, map toggles, window resizes, weights reloads, saves),
// then the edit is saved, the window closed and the photo opened again: the edit must come back as saved. It
// prints the gestures done, the resident memory after 100 gestures and at the end, and the GUI thread's
// longest stall (the longest gap between two beats of a 5 ms timer). 50 gestures by default;
// MARIONETTE_SOAK_GESTURES=1000 for the long run (docs/reliability.md), which also checks that the memory
// grew by less than 10 % after the first 100 gestures. MARIONETTE_SOAK_SEED picks the gestures.
//
// savesAreWholeOrNotAtAll: the editor's own writer (Save Edit, exported edits and poses) and the autosave
// run in a child process that dies in the middle of the write; the file they replace stays whole.
#include "atomic_save.h"
#include "autosave.h"
#include "document.h"
#include "inference_worker.h"
#include "portrait_panel.h"
#include "pose_canvas.h"
#include "timeouts.h"
#include "tiny_models.h"
#include "tiny_weights.h"

#include "marionette/edit/edit_document.h"
#include "marionette/ui/main_window.h"
#include "marionette/ui/message_box.h"
#include "marionette/ui/settings.h"

#include <QAction>
#include <QApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QLabel>
#include <QSlider>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QUndoCommand>

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace marionette;
using namespace marionette::ui;

namespace {

const int kTimeoutMs = test::scaledTimeout(60000);

int environmentNumber(const char* name, int fallback) {
    const char* value = std::getenv(name);
    return value && *value ? std::atoi(value) : fallback;
}

// VmRSS of this process, in MiB.
double residentMiB() {
    std::ifstream status("/proc/self/status");
    for (std::string line; std::getline(status, line);)
        if (line.rfind("VmRSS:", 0) == 0) return std::atof(line.c_str() + 6) / 1024.0;
    return 0.0;
}

QByteArray contentOf(const QString& path) {
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

QStringList namesIn(const QString& dir) {
    return QDir(dir).entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot, QDir::Name);
}

// Runs `write` in a child process whose file size limit is `limitBytes` (0: none): the write that crosses it
// ends the child with SIGXFSZ, or with `failInstead` fails with EFBIG as on a full disk. The child exits
// with `write`'s return value. Returns the wait status.
int inChild(const std::function<int()>& write, qint64 limitBytes, bool failInstead = false) {
    const pid_t child = ::fork();
    if (child == 0) {
        if (limitBytes > 0) {
            if (failInstead) std::signal(SIGXFSZ, SIG_IGN);
            const rlimit limit{static_cast<rlim_t>(limitBytes), static_cast<rlim_t>(limitBytes)};
            ::setrlimit(RLIMIT_FSIZE, &limit);
        }
        ::_exit(write());
    }
    int status = 0;
    ::waitpid(child, &status, 0);
    return status;
}

// The gap between two beats of a timer on the GUI thread: how long the thread did not get back to its
// event loop.
class Heartbeat : public QObject {
public:
    Heartbeat() {
        m_timer.setInterval(5);
        connect(&m_timer, &QTimer::timeout, this, [this] {
            const qint64 now = m_clock.nsecsElapsed();
            if (m_last >= 0) m_longest = std::max(m_longest, now - m_last);
            m_last = now;
        });
        m_clock.start();
        m_timer.start();
    }
    double longestMs() const { return m_longest / 1e6; }

private:
    QTimer m_timer;
    QElapsedTimer m_clock;
    qint64 m_last = -1, m_longest = 0;
};

// What a window that does not settle is doing, after which gesture.
QString stateOf(MainWindow& w, int gesture, const std::string& last, const std::map<std::string, int>& done) {
    QString counts;
    for (const auto& [name, n] : done) counts += QStringLiteral(" %1 %2").arg(QString::fromStdString(name)).arg(n);
    const Frame* frame = w.currentFrame();
    return QStringLiteral(
               "gesture %1, a %11 (so far %2): busy %3, up to date %4, portrait %5, photo %6, engine %7, frame %8, "
               "hint \"%9\", status \"%10\"")
        .arg(gesture)
        .arg(counts.trimmed())
        .arg(w.isBusy())
        .arg(w.isUpToDate())
        .arg(w.portraitMode())
        .arg(QFileInfo(w.document().photoPath()).fileName())
        .arg(w.hasEngine())
        .arg(frame ? (frame->preview ? QStringLiteral("preview") : QStringLiteral("full")) : QStringLiteral("none"))
        .arg(w.findChild<QLabel*>(QStringLiteral("hintLabel"))->text(), w.statusBar()->currentMessage(),
             QString::fromStdString(last));
}

}  // namespace

class SoakTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void savesAreWholeOrNotAtAll();
    void soak();

private:
    std::unique_ptr<MainWindow> makeWindow(const QString& openPath) const;
    // Not busy and showing the newest result; `stale` counts the times the newest result was shown but the
    // window did not call it up to date (null: those do not count as settled).
    bool waitSettled(MainWindow& window, int* stale = nullptr) const;

    QTemporaryDir m_dir;
    QStringList m_photos;
    QString m_bodyWeights[2], m_faceWeights[2];
};

void SoakTest::initTestCase() {
    QVERIFY(m_dir.isValid());
    Settings::useFile(m_dir.filePath(QStringLiteral("settings.ini")));
    const QString samples = QStringLiteral(MARIONETTE_SOURCE_DIR "/resources/samples/");
    for (const char* name : {"messi5.jpg", "astronaut.jpg", "dlib-2009_004587.jpg"}) {
        const QString photo = m_dir.filePath(QString::fromLatin1(name));
        QVERIFY(QFile::copy(samples + QString::fromLatin1(name), photo));
        const QString pose = samples + QString::fromLatin1(name) + QStringLiteral(".pose.json");
        if (QFile::exists(pose)) QVERIFY(QFile::copy(pose, photo + QStringLiteral(".pose.json")));
        m_photos << photo;
    }
    model::ModelConfig body = test::tinyModelConfig(model::SemanticsKind::Body);
    body.appearanceNorm = model::Normalization::Instance;
    const model::ModelConfig face = test::tinyModelConfig(model::SemanticsKind::Face);
    for (int i = 0; i < 2; ++i) {
        m_bodyWeights[i] = m_dir.filePath(QStringLiteral("body%1.safetensors").arg(i));
        m_faceWeights[i] = m_dir.filePath(QStringLiteral("face%1.safetensors").arg(i));
        test::writeRandomWeights(m_bodyWeights[i].toStdString(), body, 10 + i,
                                 R"j({"data":"synth-body (procedural, training seeds)","images_seen":400})j");
        test::writeRandomWeights(m_faceWeights[i].toStdString(), face, 20 + i,
                                 R"j({"data":"synth-portrait (procedural, training seeds)","images_seen":900})j");
    }
}

std::unique_ptr<MainWindow> SoakTest::makeWindow(const QString& openPath) const {
    EditorOptions options;
    options.useInstalledWeights = false;
    options.weightsPath = m_bodyWeights[0];
    options.portraitWeightsPath = m_faceWeights[0];
    options.device = edit::Device::Cpu;
    options.threads = 2;
    options.openPath = openPath;
    options.openRecentOrSample = false;
    options.autosaveFolder = m_dir.filePath(QStringLiteral("autosave"));
    options.autosaveSeconds = 0;
    auto window = std::make_unique<MainWindow>(options);
    window->resize(1200, 800);
    window->show();
    return window;
}

bool SoakTest::waitSettled(MainWindow& window, int* stale) const {
    QElapsedTimer clock;
    clock.start();
    auto* mode = window.findChild<QLabel*>(QStringLiteral("modeLabel"));
    while (clock.elapsed() < kTimeoutMs) {
        if (!window.isBusy() && window.isUpToDate()) return true;
        // Undoing an edit of the other mode (a slider move in body mode) changes the document's generation
        // without a render: no newer result is on its way, the frame shown is right, yet not "up to date".
        const Frame* frame = window.currentFrame();
        if (stale && !window.isBusy() && frame && !frame->preview && clock.elapsed() > 200 &&
            !mode->text().contains(QStringLiteral("updating")) && !mode->text().startsWith(QStringLiteral("Synth"))) {
            ++*stale;
            return true;
        }
        QTest::qWait(2);
    }
    return false;
}

void SoakTest::savesAreWholeOrNotAtAll() {
    // The editor's writer (Save Edit, Export Edit as JSON, Export Pose), on a payload large enough to be
    // killed at random moments as well as at chosen bytes.
    const QString dir = m_dir.filePath(QStringLiteral("atomic"));
    QVERIFY(QDir().mkpath(dir));
    const QString path = dir + QStringLiteral("/photo.jpg.marionette.json");
    const QByteArray oldBytes(1 << 20, 'o'), newBytes(16 << 20, 'n');
    QCOMPARE(saveAtomically(path, oldBytes), QString());
    const auto save = [&] { return saveAtomically(path, newBytes).isEmpty() ? 0 : 3; };
    for (const qint64 cut : {newBytes.size() / 4, newBytes.size() * 3 / 4}) {
        const int status = inChild(save, cut);
        QVERIFY(WIFSIGNALED(status) && WTERMSIG(status) == SIGXFSZ);
        QVERIFY(contentOf(path) == oldBytes);
        QCOMPARE(namesIn(dir), QStringList{QStringLiteral("photo.jpg.marionette.json")});
    }
    const int failed = inChild(save, newBytes.size() / 2, true);  // a full disk: an error to show
    QVERIFY(WIFEXITED(failed) && WEXITSTATUS(failed) == 3);
    QVERIFY(contentOf(path) == oldBytes);
    QCOMPARE(namesIn(dir), QStringList{QStringLiteral("photo.jpg.marionette.json")});
    std::mt19937 rng(3);
    int old = 0, whole = 0;
    for (int i = 0; i < 6; ++i) {
        QCOMPARE(saveAtomically(path, oldBytes), QString());
        const pid_t child = ::fork();
        if (child == 0) ::_exit(save());
        ::usleep(std::uniform_int_distribution<int>(0, 60000)(rng));
        ::kill(child, SIGKILL);
        ::waitpid(child, nullptr, 0);
        const QByteArray now = contentOf(path);
        QVERIFY(now == oldBytes || now == newBytes);
        old += now == oldBytes;
        whole += now == newBytes;
        QCOMPARE(namesIn(dir), QStringList{QStringLiteral("photo.jpg.marionette.json")});
    }
    qInfo("random kills of a 16 MiB save left the old file %d times, the new one %d times", old, whole);

    // The autosave of an edit, killed halfway and failing halfway.
    const QString autosaveDir = m_dir.filePath(QStringLiteral("autosave-atomic"));
    Document document;
    pose::Pose reference;
    reference.set(pose::JointId::Neck, 100.f, 60.f);
    reference.set(pose::JointId::RightShoulder, 80.f, 62.f);
    reference.set(pose::JointId::RightElbow, 70.f, 90.f);
    const cv::Mat photo(120, 160, CV_8UC3, cv::Scalar(40, 80, 120));
    QImage photoImage(160, 120, QImage::Format_RGB32);
    photoImage.fill(Qt::gray);
    document.reset(m_photos.front(), photo, photoImage, QStringLiteral("ab").repeated(32), {reference, reference});
    const auto editFor = [&](const QString&) {
        edit::EditDocument doc;
        doc.reference = document.reference();
        doc.target = document.target();
        doc.weightsId = "tiny";
        return doc;
    };
    Autosave autosave(autosaveDir, 30, &document, editFor, nullptr);
    document.undoStack()->push(new QUndoCommand(QStringLiteral("edit")));  // an unsaved change
    autosave.save();
    const QStringList written = namesIn(autosaveDir);
    QCOMPARE(written.size(), 1);
    const QString autosaved = autosaveDir + QLatin1Char('/') + written.front();
    const QByteArray before = contentOf(autosaved);
    pose::Pose moved = reference;
    moved.set(pose::JointId::RightElbow, 20.f, 30.f);
    document.setTarget(moved);
    const auto autosaveInChild = [&] {
        bool reported = false;
        QObject::connect(&autosave, &Autosave::failed, [&](const QString&) { reported = true; });
        autosave.save();
        return reported ? 3 : 0;
    };
    const int killed = inChild(autosaveInChild, before.size() / 2);
    QVERIFY(WIFSIGNALED(killed) && WTERMSIG(killed) == SIGXFSZ);
    QVERIFY(contentOf(autosaved) == before);
    QCOMPARE(namesIn(autosaveDir), written);
    const int full = inChild(autosaveInChild, before.size() / 2, true);
    QVERIFY2(WIFEXITED(full) && WEXITSTATUS(full) == 3,
             qPrintable(QStringLiteral("a failed autosave is reported (status %1)").arg(full)));
    QVERIFY(contentOf(autosaved) == before);
    QCOMPARE(namesIn(autosaveDir), written);
    autosave.save();  // and the next one goes through
    QVERIFY(contentOf(autosaved) != before);
    QCOMPARE(namesIn(autosaveDir), written);
}

void SoakTest::soak() {
    const int gestures = environmentNumber("MARIONETTE_SOAK_GESTURES", 50);
    const bool longRun = std::getenv("MARIONETTE_SOAK_GESTURES") != nullptr;
    std::mt19937 rng(static_cast<std::uint32_t>(environmentNumber("MARIONETTE_SOAK_SEED", 1)));
    const auto uniform = [&](int low, int high) { return std::uniform_int_distribution<int>(low, high)(rng); };

    auto window = makeWindow(m_photos.front());
    QVERIFY(QTest::qWaitForWindowExposed(window.get()));
    QVERIFY(waitSettled(*window));
    MainWindow& w = *window;
    Heartbeat heartbeat;
    const auto action = [&](const char* name) { return w.findChild<QAction*>(QString::fromLatin1(name)); };
    const auto drag = [&](QWidget* on, QPoint from, QPoint to) {
        QTest::mousePress(on, Qt::LeftButton, Qt::NoModifier, from);
        for (int i = 1; i <= 6; ++i) QTest::mouseMove(on, from + (to - from) * i / 6);
        QTest::mouseRelease(on, Qt::LeftButton, Qt::NoModifier, to);
    };
    const auto randomJoint = [&]() -> std::optional<pose::JointId> {
        std::vector<pose::JointId> shown;
        for (int j = 0; j < pose::kJointCount; ++j)
            if (w.document().target().has(pose::jointAt(j))) shown.push_back(pose::jointAt(j));
        if (shown.empty()) return std::nullopt;
        return shown[static_cast<std::size_t>(uniform(0, static_cast<int>(shown.size()) - 1))];
    };

    std::map<std::string, int> done;
    std::string last;
    int stale = 0;
    double memoryAfter100 = 0.0;
    for (int g = 1; g <= gestures; ++g) {
        const int kind = uniform(0, 99);
        PoseCanvas* canvas = w.resultCanvas();
        QWidget* viewport = canvas->viewport();
        const QPoint nudge(uniform(-40, 40), uniform(-40, 40));
        if (kind < 30 && !w.portraitMode()) {
            if (const auto joint = randomJoint()) {
                const QPoint from = canvas->viewportPositionOf(*joint);
                drag(viewport, from, from + nudge);
                ++done[last = "joint drag"];
            }
        } else if (kind < 40 && !w.portraitMode()) {
            const auto& limb = pose::limbs()[static_cast<std::size_t>(uniform(0, pose::kLimbCount - 1))];
            const pose::Pose& target = w.document().target();
            if (target.has(limb.parent) && target.has(limb.child)) {
                const auto& a = target.at(limb.parent).position;
                const auto& b = target.at(limb.child).position;
                const QPoint from = canvas->viewportPositionOfPhotoPoint(QPointF((a.x + b.x) / 2, (a.y + b.y) / 2));
                drag(viewport, from, from + nudge);
                ++done[last = "bone drag"];
            }
        } else if (kind < 40) {
            const auto sliders = w.portraitPanel()->findChildren<QSlider*>();
            if (!sliders.isEmpty()) {
                QSlider* slider = sliders[uniform(0, static_cast<int>(sliders.size()) - 1)];
                if (slider->isVisible() && slider->isEnabled()) {
                    const QPoint from = slider->rect().center();
                    drag(slider, from, from + QPoint(nudge.x(), 0));
                } else {
                    slider->setValue(uniform(slider->minimum(), slider->maximum()));
                }
                ++done[last = "portrait slider"];
            }
        } else if (kind < 52) {
            if (action("actionUndo")->isEnabled()) action("actionUndo")->trigger();
            ++done[last = "undo"];
        } else if (kind < 60) {
            if (action("actionRedo")->isEnabled()) action("actionRedo")->trigger();
            ++done[last = "redo"];
        } else if (kind < 65) {
            if (action("actionMirrorPose")->isEnabled()) action("actionMirrorPose")->trigger();
            ++done[last = "mirror"];
        } else if (kind < 68) {
            if (action("actionResetPose")->isEnabled()) action("actionResetPose")->trigger();
            ++done[last = "reset"];
        } else if (kind < 73) {
            // Another sample; an unsaved edit is saved or discarded when asked.
            QString next = w.document().photoPath();
            while (next == w.document().photoPath()) next = m_photos[uniform(0, static_cast<int>(m_photos.size()) - 1)];
            MessageBox::setNextAnswer(uniform(0, 1) ? QMessageBox::Save : QMessageBox::Discard);
            w.openFile(next);
            QTRY_VERIFY_WITH_TIMEOUT(w.document().photoPath() == next, kTimeoutMs);
            MessageBox::setNextAnswer(QMessageBox::NoButton);
            ++done[last = "photo switch"];
        } else if (kind < 81) {
            static const char* maps[] = {"actionMapFlow", "actionMapAttention", "actionMapHoles", "actionMapMesh",
                                         "actionBeforeAfter"};
            QAction* map = action(maps[uniform(0, 4)]);
            if (map && map->isEnabled()) map->trigger();
            ++done[last = "map toggle"];
        } else if (kind < 86) {
            w.resize(uniform(700, 1500), uniform(500, 1000));
            ++done[last = "resize"];
        } else if (kind < 89) {
            const int seed = uniform(0, 1);
            w.openWeights(w.portraitMode() ? m_faceWeights[seed] : m_bodyWeights[seed]);
            ++done[last = "weights reload"];
        } else if (kind < 92) {
            if (action("actionPortraitMode")->isEnabled()) action("actionPortraitMode")->trigger();
            ++done[last = "mode toggle"];
        } else if (kind < 95) {
            w.saveEdit();
            ++done[last = "save"];
        } else {
            static const char* zooms[] = {"actionZoomIn", "actionZoomOut", "actionFit", "actionActualSize"};
            QAction* zoom = action(zooms[uniform(0, 3)]);
            if (zoom && zoom->isEnabled()) zoom->trigger();
            ++done[last = "zoom"];
        }
        // Mostly the user waits for the result; in the long run three gestures in ten come while the worker is
        // busy (the newest render wins). The ctest version always waits, so that it draws the same gestures on
        // every machine.
        if (!longRun || uniform(0, 9) < 7) QVERIFY2(waitSettled(w, &stale), qPrintable(stateOf(w, g, last, done)));
        if (g == std::min(100, gestures)) memoryAfter100 = residentMiB();
        if (longRun && g % 100 == 0)
            qInfo("%d gestures: %.1f MiB resident, longest GUI stall so far %.0f ms", g, residentMiB(),
                  heartbeat.longestMs());
    }
    QVERIFY2(waitSettled(w, &stale), qPrintable(stateOf(w, gestures, last, done)));
    const double memoryAtEnd = residentMiB();

    // Saved, closed and opened again: the same edit.
    QVERIFY(w.saveEdit());
    const QString photo = w.document().photoPath();
    const QString saved = w.document().documentPath();
    const edit::EditDocument first = edit::readEditDocument(saved.toStdString());
    const bool portrait = w.portraitMode();
    const PosePair poses = w.document().poses();
    const PortraitState portraitState = w.document().portrait();
    window->close();
    window.reset();
    auto again = makeWindow(photo);
    QVERIFY(waitSettled(*again));
    QCOMPARE(again->document().photoPath(), photo);
    QCOMPARE(again->portraitMode(), portrait);
    QVERIFY(again->document().poses() == poses);
    if (portrait) QVERIFY(again->document().portrait() == portraitState);
    QVERIFY(!again->isWindowModified());
    // Saved again, the document is the one saved before (the weights aside: reloads may have changed them).
    QVERIFY(again->saveEdit());
    edit::EditDocument second = edit::readEditDocument(saved.toStdString());
    second.weightsId = first.weightsId;
    QVERIFY(second == first);
    again->close();

    QString counts;
    for (const auto& [name, n] : done) counts += QStringLiteral("%1 %2, ").arg(QString::fromStdString(name)).arg(n);
    counts.chop(2);
    qInfo(
        "soak: %d gestures (%s); resident memory %.1f MiB after %d gestures, %.1f MiB at the end (%+.1f %%); "
        "longest GUI stall %.0f ms; settled %d times with the newest result shown but not up to date",
        gestures, qPrintable(counts), memoryAfter100, std::min(100, gestures), memoryAtEnd,
        100.0 * (memoryAtEnd - memoryAfter100) / memoryAfter100, heartbeat.longestMs(), stale);
    if (longRun && gestures >= 200)
        QVERIFY2(memoryAtEnd <= 1.1 * memoryAfter100, "memory grew by more than 10 % after the first 100 gestures");
}

int main(int argc, char** argv) {
    // The long run takes longer than QtTest's five minutes per test function.
    if (qEnvironmentVariableIsSet("MARIONETTE_SOAK_GESTURES") && !qEnvironmentVariableIsSet("QTEST_FUNCTION_TIMEOUT"))
        qputenv("QTEST_FUNCTION_TIMEOUT", "86400000");
    QApplication app(argc, argv);
    app.setAttribute(Qt::AA_Use96Dpi, true);
    SoakTest test;
    return QTest::qExec(&test, argc, argv);
}

#include "soak_tests.moc"

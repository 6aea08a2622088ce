// The editor, driven through its real widgets (offscreen): open the sample, drag joints with the mouse, wait
// for the worker's result, undo, export, and bad input. A tiny random model (c = 4, 64 x 48) keeps each
// synthesis to milliseconds.
#include "adapted_weights_folder.h"
#include "document.h"
#include "inference_worker.h"
#include "maps_panel.h"
#include "marionette/ui/photo_point.h"
#include "model_banner.h"
#include "portrait_panel.h"
#include "pose_canvas.h"
#include "timeouts.h"
#include "tiny_models.h"
#include "tiny_weights.h"

#include "marionette/deform/quality.h"
#include "marionette/detect/person_segmenter.h"
#include "marionette/edit/bundled_weights.h"
#include "marionette/edit/edit_document.h"
#include "marionette/edit/pose_editing.h"
#include "marionette/ui/file_dialog.h"
#include "marionette/ui/main_window.h"
#include "marionette/ui/message_box.h"
#include "marionette/ui/settings.h"

#include <QAction>
#include <QApplication>
#include <QContextMenuEvent>
#include <QDir>
#include <QDockWidget>
#include <QDropEvent>
#include <QFile>
#include <QLabel>
#include <QMenu>
#include <QMimeData>
#include <QPainter>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSlider>
#include <QStyle>
#include <QStyleOptionSlider>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QToolButton>
#include <QUndoView>
#include <QUrl>
#include <QWheelEvent>

#include <cmath>
#include <memory>

using namespace marionette;
using namespace marionette::ui;

namespace {

const int kTimeoutMs = test::scaledTimeout(30000);

// Instance norm in the appearance blocks: randomly initialised, the unnormalised decoder of new models gives
// nearly the same grey for any input, and these tests look at where a change of pose shows in the result.
model::ModelConfig tinyBody() {
    model::ModelConfig c = test::tinyModelConfig(model::SemanticsKind::Body);
    c.appearanceNorm = model::Normalization::Instance;
    return c;
}
model::ModelConfig tinyFace() { return test::tinyModelConfig(model::SemanticsKind::Face); }

// Tiny random weights at `path` whose record says they saw synthetic data only, as the shipped ones.
QString writeSyntheticWeights(const QString& path, const model::ModelConfig& config, int seed) {
    const char* record = config.semantics == model::SemanticsKind::Face
                             ? R"j({"data":"synth-portrait (procedural, training seeds)","images_seen":900})j"
                             : R"j({"data":"synth-body (procedural, training seeds)","images_seen":400})j";
    test::writeRandomWeights(path.toStdString(), config, seed, record);
    return path;
}

// The photo with the frame's crop drawn over it as the result view shows it (alpha = paste-back weights).
QImage shownImage(const QImage& photo, const Frame& frame) {
    QImage out = photo.convertToFormat(QImage::Format_RGB32);
    QPainter painter(&out);
    painter.setRenderHint(QPainter::SmoothPixmapTransform);
    painter.drawImage(frame.cropBox, frame.output);
    return out;
}

QPoint handleCentre(QSlider* slider) {
    QStyleOptionSlider option;
    option.initFrom(slider);
    option.orientation = slider->orientation();
    option.minimum = slider->minimum();
    option.maximum = slider->maximum();
    option.sliderPosition = slider->sliderPosition();
    option.sliderValue = slider->value();
    option.subControls = QStyle::SC_SliderHandle;
    return slider->style()->subControlRect(QStyle::CC_Slider, &option, QStyle::SC_SliderHandle, slider).center();
}

// Mean absolute difference over RGB of two same-size images at the pixels where `inside(x, y)` holds.
template <typename Region>
double meanDifference(const QImage& a, const QImage& b, Region inside, int* count = nullptr) {
    double sum = 0;
    int n = 0;
    for (int y = 0; y < a.height(); ++y) {
        for (int x = 0; x < a.width(); ++x) {
            if (!inside(x, y)) continue;
            const QRgb p = a.pixel(x, y), q = b.pixel(x, y);
            sum += std::abs(qRed(p) - qRed(q)) + std::abs(qGreen(p) - qGreen(q)) + std::abs(qBlue(p) - qBlue(q));
            ++n;
        }
    }
    if (count) *count = n;
    return n ? sum / (3.0 * n) : 0.0;
}

int maxDifference(const QImage& a, const QImage& b) {
    int worst = 0;
    for (int y = 0; y < a.height(); ++y) {
        for (int x = 0; x < a.width(); ++x) {
            const QRgb p = a.pixel(x, y), q = b.pixel(x, y);
            worst = std::max(
                {worst, std::abs(qRed(p) - qRed(q)), std::abs(qGreen(p) - qGreen(q)), std::abs(qBlue(p) - qBlue(q))});
        }
    }
    return worst;
}

double distanceToSegment(QPointF p, QPointF a, QPointF b) {
    return marionette::distanceToSegment(toPoint2(p), toPoint2(a), toPoint2(b));
}

QPointF photoPoint(const pose::Pose& p, pose::JointId j) { return {p.at(j).position.x, p.at(j).position.y}; }

// 8-bit BGR, as core reads images.
cv::Mat toBgr(const QImage& image) {
    const QImage rgb = image.convertToFormat(QImage::Format_RGB32);
    cv::Mat out(rgb.height(), rgb.width(), CV_8UC3);
    for (int y = 0; y < rgb.height(); ++y) {
        for (int x = 0; x < rgb.width(); ++x) {
            const QRgb p = rgb.pixel(x, y);
            out.at<cv::Vec3b>(y, x) =
                cv::Vec3b(static_cast<uchar>(qBlue(p)), static_cast<uchar>(qGreen(p)), static_cast<uchar>(qRed(p)));
        }
    }
    return out;
}

// Shows the context menu of `canvas` at `at` and triggers its entry `text` (false when there is none or it is disabled).
bool chooseFromContextMenu(PoseCanvas* canvas, QPoint at, const QString& text, QStringList* entries = nullptr) {
    bool chosen = false;
    QTimer::singleShot(0, canvas, [&] {
        auto* menu = qobject_cast<QMenu*>(QApplication::activePopupWidget());
        if (!menu) return;
        for (QAction* a : menu->actions()) {
            if (entries && !a->isSeparator()) *entries << a->text();
            if (!a->isSeparator() && a->text() == text && a->isEnabled() && !chosen) {
                a->trigger();
                chosen = true;
            }
        }
        menu->close();
    });
    QContextMenuEvent event(QContextMenuEvent::Mouse, at, canvas->viewport()->mapToGlobal(at));
    QApplication::sendEvent(canvas->viewport(), &event);
    return chosen;
}

}  // namespace

class EditorTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void opensTheSampleWithItsSkeleton();
    void bannerSaysWhatTheWeightsDraw();
    void draggingAJointChangesTheResultNearTheLimbOnly();
    void undoRestoresSkeletonAndImage();
    void aDragIsOneUndoStep();
    void draggingABoneRotatesTheLimb();
    void symmetryLockMovesTheMirrorJoint();
    void previewWhileDraggingThenFullSynthesis();
    void mirrorResetPresetAndHideAreUndoSteps();
    void exportWritesAValidPngAndJson();
    void exportMapsWritesEveryMap();
    void mapsPanelShowsFlowAndAttention();
    void savedEditReopensWithItsSkeletons();
    void autosaveIsOfferedOnReopen();
    void corruptEditShowsAnErrorAndKeepsTheDocument();
    void unreadablePhotoShowsAnErrorAndKeepsTheDocument();
    void badWeightsShowAnErrorAndKeepTheModel();
    void droppedWeightsGoToTheModelTheyAreFor();
    void opensTheShippedWeightsWhenGivenNone();
    void adaptingToThePhotoLoadsWeightsForItAlone();
    void adaptingInPortraitModeAdaptsThePortraitWeightsToTheFace();
    void adaptedWeightsFolderKeepsTheMostRecentlyUsed();
    void adaptedPortraitWeightsServeTheirFaceOfAGroupPhoto();
    void adaptationEndingAfterAnotherPhotoOpenedWaitsForItsPhoto();
    void settingsOfVersion1KeepTheirPasteChoice();
    void actionStatesFollowTheDocument();
    void shortcutsReachTheView();
    void portraitModeSlidersEditTheFace();
    void portraitLandmarkDragAndKeyStepsAreUndoSteps();
    void nextFacePicksAnotherFaceAsOneUndoStep();
    void autosavedFaceEditIsOfferedOnReopen();
    void sharpReposingIsTheDefaultAndKeepsTheMovedLimbSharp();
    void reposeMethodIsRememberedAndSavedWithTheEdit();
    void portraitSharpReposingShowsTheFaceAtThePhotosResolution();
    void limbDepthIsAnUndoStepSavedWithTheEdit();

private:
    // `method`: the tests above look at the network's synthesis and ask for it; unset takes the window's own
    // choice (the settings', Hybrid at first).
    std::unique_ptr<MainWindow> makeWindow(const QString& openPath, std::optional<bool> preview = false,
                                           int autosaveSeconds = 0,
                                           std::optional<edit::ReposeMethod> method = edit::ReposeMethod::Network);
    // A window on the sample with the weights a user would get (no tiny model): CPU, no preview, no autosave.
    EditorOptions sampleOptions() const;
    // sampleOptions() for adaptations of `steps` steps into the test's folder `folder`, without the installed weights.
    EditorOptions adaptationOptions(const QString& folder, int steps) const;
    void waitUpToDate(MainWindow& window);
    void drag(PoseCanvas* canvas, QPoint from, QPoint to, int steps = 8);
    QImage output(MainWindow& window) const { return window.currentFrame()->output; }

    QTemporaryDir m_dir;
    QString m_photo;
    QString m_portrait;
    QString m_twoFaces;
    std::unique_ptr<MainWindow> m_window;
};

void EditorTest::initTestCase() {
    QVERIFY(m_dir.isValid());
    Settings::useFile(m_dir.filePath(QStringLiteral("settings.ini")));
    const QString samples = QStringLiteral(MARIONETTE_SOURCE_DIR "/resources/samples/");
    m_photo = m_dir.filePath(QStringLiteral("messi5.jpg"));
    QVERIFY(QFile::copy(samples + QStringLiteral("messi5.jpg"), m_photo));
    QVERIFY(QFile::copy(samples + QStringLiteral("messi5.jpg.pose.json"), m_photo + QStringLiteral(".pose.json")));
    m_portrait = m_dir.filePath(QStringLiteral("astronaut.jpg"));
    QVERIFY(QFile::copy(samples + QStringLiteral("astronaut.jpg"), m_portrait));
    m_twoFaces = m_dir.filePath(QStringLiteral("two-faces.jpg"));
    QVERIFY(QFile::copy(samples + QStringLiteral("dlib-2009_004587.jpg"), m_twoFaces));
}

std::unique_ptr<MainWindow> EditorTest::makeWindow(const QString& openPath, std::optional<bool> preview,
                                                   int autosaveSeconds, std::optional<edit::ReposeMethod> method) {
    EditorOptions options;
    options.reposeMethod = method;
    options.useInstalledWeights = false;
    options.untrainedConfig = tinyBody();
    options.untrainedPortraitConfig = tinyFace();
    options.device = edit::Device::Cpu;
    options.threads = 2;
    options.openPath = openPath;
    options.openRecentOrSample = false;
    options.previewWhileDragging = preview;
    options.autosaveFolder = m_dir.filePath(QStringLiteral("autosave"));
    options.autosaveSeconds = autosaveSeconds;
    auto window = std::make_unique<MainWindow>(options);
    window->resize(1200, 800);
    window->show();
    return window;
}

EditorOptions EditorTest::sampleOptions() const {
    EditorOptions options;
    options.device = edit::Device::Cpu;
    options.threads = 2;
    options.openPath = m_photo;
    options.openRecentOrSample = false;
    options.previewWhileDragging = false;
    options.autosaveSeconds = 0;
    options.autosaveFolder = m_dir.filePath(QStringLiteral("autosave"));
    options.reposeMethod = edit::ReposeMethod::Network;  // these tests look at the network's output
    return options;
}

EditorOptions EditorTest::adaptationOptions(const QString& folder, int steps) const {
    EditorOptions options = sampleOptions();
    options.useInstalledWeights = false;
    options.adaptedFolder = m_dir.filePath(folder);
    options.adaptationSteps = steps;
    return options;
}

void EditorTest::waitUpToDate(MainWindow& window) { QTRY_VERIFY_WITH_TIMEOUT(window.isUpToDate(), kTimeoutMs); }

void EditorTest::init() {
    MessageBox::setNextAnswer(QMessageBox::NoButton);
    MessageBox::clearLast();
    QFile::remove(m_photo + QString::fromLatin1(edit::kEditDocumentSuffix));
    QDir(m_dir.filePath(QStringLiteral("autosave"))).removeRecursively();
    m_window = makeWindow(m_photo);
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    waitUpToDate(*m_window);
}

void EditorTest::cleanup() {
    if (m_window) {
        m_window->document().undoStack()->setClean();  // no "save changes?" question
        m_window->close();
    }
    m_window.reset();
}

void EditorTest::drag(PoseCanvas* canvas, QPoint from, QPoint to, int steps) {
    QWidget* viewport = canvas->viewport();
    QTest::mousePress(viewport, Qt::LeftButton, Qt::NoModifier, from);
    for (int i = 1; i <= steps; ++i) QTest::mouseMove(viewport, from + (to - from) * i / steps);
    QTest::mouseRelease(viewport, Qt::LeftButton, Qt::NoModifier, to);
}

void EditorTest::opensTheSampleWithItsSkeleton() {
    MainWindow& w = *m_window;
    QCOMPARE(w.document().photoSize(), QSize(548, 342));
    // messi5.jpg.pose.json puts the right wrist at (92, 97) and has no left ear.
    QCOMPARE(w.document().reference().at(pose::JointId::RightWrist).position.x, 92.f);
    QVERIFY(!w.document().reference().has(pose::JointId::LeftEar));
    QVERIFY(w.document().target() == w.document().reference());
    QVERIFY(w.findChild<QLabel*>(QStringLiteral("modelBanner"))->isVisible());
    QVERIFY(w.findChild<QLabel*>(QStringLiteral("hintLabel"))->text().contains(QStringLiteral("messi5.jpg.pose.json")));
    QCOMPARE(w.findChild<QLabel*>(QStringLiteral("modeLabel"))->text(), QStringLiteral("Full synthesis"));
    QVERIFY(w.findChild<QLabel*>(QStringLiteral("latencyLabel"))->text().endsWith(QStringLiteral("ms/edit")));
    QVERIFY(w.windowTitle().startsWith(QStringLiteral("messi5.jpg")));
    const Frame* frame = w.currentFrame();
    QCOMPARE(frame->output.size(), QSize(48, 64));
    QVERIFY(frame->cropBox.contains(QPointF(92, 97)) && frame->cropBox.contains(QPointF(410, 260)));
}

void EditorTest::bannerSaysWhatTheWeightsDraw() {
    // Synthetic-only weights: a network that redraws the crop says it is blurred; one that refines the warp (the
    // flow prior) says the photo's pixels move and only what it draws is soft.
    EngineInfo info;
    info.kind = model::SemanticsKind::Face;
    info.syntheticOnly = true;
    info.imagesSeen = 19300;
    QVERIFY(bannerText(info, true, false).contains(QStringLiteral("blurred")));
    info.flowPrior = true;
    const QString prior = bannerText(info, true, false);
    QVERIFY(prior.contains(QStringLiteral("photo's own pixels follow the landmarks")));
    QVERIFY(!prior.contains(QStringLiteral("blurred")));
    QVERIFY(prior.contains(QLocale().toString(19300)));
    info.kind = model::SemanticsKind::Body;
    QVERIFY(bannerText(info, true, false).contains(QStringLiteral("follow the skeleton's limbs")));
    QVERIFY(bannerText(info, true, true).contains(QStringLiteral("follow the skeleton sharply")));  // hybrid
}

void EditorTest::opensTheShippedWeightsWhenGivenNone() {
    // As a user starts it: no --weights, nothing remembered. The shipped body weights load, and the banner
    // says how far they were trained instead of calling them untrained.
    m_window.reset();
    Settings::instance().set(Settings::Key::WeightsPath, QString());
    MainWindow w(sampleOptions());
    w.show();
    waitUpToDate(w);
    QVERIFY(!w.engineInfo().untrained);
    QVERIFY(w.engineInfo().weightsPath.endsWith(QString::fromLatin1(edit::kBundledBodyWeights)));
    QVERIFY(w.findChild<QLabel*>(QStringLiteral("weightsLabel"))->text().contains(QStringLiteral("training images")));
    const auto* banner = w.findChild<QLabel*>(QStringLiteral("modelBanner"));
    QVERIFY(banner->isVisible());
    QVERIFY(banner->text().contains(QStringLiteral("Early model")));
    QVERIFY(!banner->text().contains(QStringLiteral("Untrained")));
    QCOMPARE(w.currentFrame()->output.size(), QSize(176, 256));
    QCOMPARE(Settings::instance().get(Settings::Key::WeightsPath).toString(), QString());  // the default, not a choice
    w.document().undoStack()->setClean();
    w.close();
    Settings::instance().set(Settings::Key::WeightsPath, QString());
}

void EditorTest::adaptingToThePhotoLoadsWeightsForItAlone() {
    // Model > Adapt to This Photo fine-tunes the weights in use on the open photo's person in the background,
    // then loads them; the banner says so, and they are not remembered as the weights for every photo.
    m_window.reset();
    const QString weights =
        writeSyntheticWeights(m_dir.filePath(QStringLiteral("tiny-body.safetensors")), tinyBody(), 3);
    EditorOptions options = adaptationOptions(QStringLiteral("adapted"), 2);
    options.weightsPath = weights;
    MainWindow w(options);
    w.show();
    waitUpToDate(w);
    auto* adapt = w.findChild<QAction*>(QStringLiteral("actionAdaptToPhoto"));
    QVERIFY(adapt && adapt->isEnabled());
    // Model > Adaptation Length is remembered (these tests' own step count overrides it).
    auto* quick = w.findChild<QAction*>(QStringLiteral("actionAdaptationSteps150"));
    auto* longer = w.findChild<QAction*>(QStringLiteral("actionAdaptationSteps300"));
    QVERIFY(quick && longer && quick->isChecked() && !longer->isChecked());
    longer->trigger();
    QCOMPARE(Settings::instance().get(Settings::Key::AdaptationSteps).toInt(), 300);
    quick->trigger();
    QCOMPARE(Settings::instance().get(Settings::Key::AdaptationSteps).toInt(), 150);
    QVERIFY(!w.engineInfo().adaptedToPhotos);

    adapt->trigger();
    QVERIFY(!adapt->isEnabled());  // one at a time
    QTRY_VERIFY_WITH_TIMEOUT(w.engineInfo().adaptedToPhotos, test::scaledTimeout(120000));
    waitUpToDate(w);
    QVERIFY(adapt->isEnabled());
    const QStringList files = QDir(options.adaptedFolder).entryList({QStringLiteral("*.safetensors")});
    QCOMPARE(files.size(), 1);
    QVERIFY(files.front().startsWith(QStringLiteral("messi5-")));
    QCOMPARE(QFileInfo(w.engineInfo().weightsPath).fileName(), files.front());
    const auto* banner = w.findChild<QLabel*>(QStringLiteral("modelBanner"));
    QVERIFY(banner->isVisible());
    QVERIFY(banner->text().contains(QStringLiteral("Adapted model")));
    QVERIFY(banner->text().contains(QStringLiteral("messi5.jpg")));
    QVERIFY(banner->text().contains(QStringLiteral("400")));  // what the starting weights had seen
    QVERIFY(w.findChild<QLabel*>(QStringLiteral("weightsLabel"))->text().contains(QStringLiteral("(adapted)")));
    QCOMPARE(Settings::instance().get(Settings::Key::WeightsPath).toString(), weights);  // still the user's choice

    // Another photo goes back to the weights the adaptation started from; the adapted photo gets its own back.
    const QString other = m_dir.filePath(QStringLiteral("messi-copy.png"));
    QVERIFY(QImage(m_photo).save(other));
    QFile::remove(other + QStringLiteral(".pose.json"));
    QVERIFY(QFile::copy(m_photo + QStringLiteral(".pose.json"), other + QStringLiteral(".pose.json")));
    const auto showing = [&w](const QString& path) { return QFileInfo(w.document().photoPath()) == QFileInfo(path); };
    w.openFile(other);
    QTRY_VERIFY_WITH_TIMEOUT(showing(other) && !w.engineInfo().adaptedToPhotos, kTimeoutMs);
    QCOMPARE(QFileInfo(w.engineInfo().weightsPath), QFileInfo(weights));
    waitUpToDate(w);
    w.openFile(m_photo);
    QTRY_VERIFY_WITH_TIMEOUT(showing(m_photo) && w.engineInfo().adaptedToPhotos, kTimeoutMs);
    waitUpToDate(w);

    // A new window finds them too. A long adaptation stopped by the user: the adapted weights stay in use,
    // nothing new is written.
    options.adaptationSteps = 100000;
    w.document().undoStack()->setClean();
    w.close();
    MainWindow again(options);
    again.show();
    QTRY_VERIFY_WITH_TIMEOUT(again.engineInfo().adaptedToPhotos, kTimeoutMs);
    waitUpToDate(again);
    auto* adaptAgain = again.findChild<QAction*>(QStringLiteral("actionAdaptToPhoto"));
    QVERIFY(adaptAgain->isEnabled());
    adaptAgain->trigger();
    QCOMPARE(again.inferenceThreadCap(), 1);  // edits meanwhile leave the cores to the adaptation
    auto* stop = again.findChild<QToolButton*>(QStringLiteral("adaptationCancelButton"));
    QVERIFY(stop && !stop->isHidden());
    QTest::mouseClick(stop, Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(adaptAgain->isEnabled(), test::scaledTimeout(60000));
    QCOMPARE(again.inferenceThreadCap(), 0);
    QVERIFY(stop->isHidden());
    QVERIFY(again.engineInfo().adaptedToPhotos);
    QCOMPARE(QDir(options.adaptedFolder).entryList({QStringLiteral("*.safetensors")}).size(), 1);
    again.document().undoStack()->setClean();
    again.close();
    Settings::instance().set(Settings::Key::WeightsPath, QString());
}

void EditorTest::adaptingInPortraitModeAdaptsThePortraitWeightsToTheFace() {
    // In portrait mode the action adapts the portrait weights to the face being edited; the body weights stay.
    m_window.reset();
    const QString body =
        writeSyntheticWeights(m_dir.filePath(QStringLiteral("tiny-body-2.safetensors")), tinyBody(), 4);
    const QString portrait =
        writeSyntheticWeights(m_dir.filePath(QStringLiteral("tiny-face.safetensors")), tinyFace(), 5);
    EditorOptions options = adaptationOptions(QStringLiteral("adapted-portrait"), 2);
    options.openPath = m_portrait;
    options.weightsPath = body;
    options.portraitWeightsPath = portrait;
    MainWindow w(options);
    w.show();
    QTRY_VERIFY_WITH_TIMEOUT(w.document().hasPhoto() && w.portraitMode(), kTimeoutMs);
    waitUpToDate(w);
    QCOMPARE(w.engineInfo().kind, model::SemanticsKind::Face);
    auto* adapt = w.findChild<QAction*>(QStringLiteral("actionAdaptToPhoto"));
    QTRY_VERIFY_WITH_TIMEOUT(adapt->isEnabled(), kTimeoutMs);
    adapt->trigger();
    QVERIFY(!adapt->isEnabled());
    QTRY_VERIFY_WITH_TIMEOUT(w.engineInfo().adaptedToPhotos, test::scaledTimeout(120000));
    waitUpToDate(w);
    QCOMPARE(w.engineInfo().kind, model::SemanticsKind::Face);
    const QStringList files = QDir(options.adaptedFolder).entryList({QStringLiteral("*.safetensors")});
    QCOMPARE(files.size(), 1);
    QVERIFY(files.front().startsWith(QStringLiteral("astronaut-")));
    QVERIFY(files.front().endsWith(QStringLiteral("-tiny-face.safetensors")));
    const QString banner = w.findChild<QLabel*>(QStringLiteral("modelBanner"))->text();
    QVERIFY(banner.contains(QStringLiteral("Adapted model")));
    QVERIFY(banner.contains(QStringLiteral("astronaut.jpg")));
    QVERIFY(banner.contains(QStringLiteral("900")));

    // The body model is untouched.
    w.findChild<QAction*>(QStringLiteral("actionPortraitMode"))->trigger();
    QVERIFY(!w.portraitMode());
    waitUpToDate(w);
    QVERIFY(!w.engineInfo().adaptedToPhotos);
    QCOMPARE(QFileInfo(w.engineInfo().weightsPath), QFileInfo(body));
    w.document().undoStack()->setClean();
    w.close();

    // A new window on the photo starts with the portrait weights adapted to it.
    MainWindow again(options);
    again.show();
    QTRY_VERIFY_WITH_TIMEOUT(again.document().hasPhoto() && again.portraitMode(), kTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(again.engineInfo().adaptedToPhotos, kTimeoutMs);
    waitUpToDate(again);
    QVERIFY(again.findChild<QLabel*>(QStringLiteral("modelBanner"))
                ->text()
                .contains(QStringLiteral("another photo goes back")));
    auto* forget = again.findChild<QAction*>(QStringLiteral("actionForgetAdaptation"));
    QVERIFY(forget && forget->isEnabled());
    again.document().undoStack()->setClean();
    again.close();

    // Adapted weights opened by hand: the editor does not know what they started from, and says so.
    options.portraitWeightsPath = QDir(options.adaptedFolder).filePath(files.front());
    MainWindow byHand(options);
    byHand.show();
    QTRY_VERIFY_WITH_TIMEOUT(byHand.document().hasPhoto() && byHand.portraitMode(), kTimeoutMs);
    waitUpToDate(byHand);
    QVERIFY(byHand.engineInfo().adaptedToPhotos);
    QVERIFY(byHand.findChild<QLabel*>(QStringLiteral("modelBanner"))
                ->text()
                .contains(QStringLiteral("open the weights they started from")));
    QVERIFY(
        !byHand.findChild<QAction*>(QStringLiteral("actionForgetAdaptation"))->isEnabled());  // no base to go back to
    byHand.document().undoStack()->setClean();
    byHand.close();

    // Forget Adapted Weights: the file goes, the base comes back, and a new window starts with the base.
    options.portraitWeightsPath = portrait;
    MainWindow forgetting(options);
    forgetting.show();
    QTRY_VERIFY_WITH_TIMEOUT(forgetting.document().hasPhoto() && forgetting.engineInfo().adaptedToPhotos, kTimeoutMs);
    waitUpToDate(forgetting);
    auto* forgetAction = forgetting.findChild<QAction*>(QStringLiteral("actionForgetAdaptation"));
    QTRY_VERIFY_WITH_TIMEOUT(forgetAction->isEnabled(), kTimeoutMs);
    forgetAction->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(!forgetting.engineInfo().adaptedToPhotos, kTimeoutMs);
    QCOMPARE(QFileInfo(forgetting.engineInfo().weightsPath), QFileInfo(portrait));
    QVERIFY(QDir(options.adaptedFolder).entryList({QStringLiteral("*.safetensors")}).isEmpty());
    QVERIFY(!forgetAction->isEnabled());
    waitUpToDate(forgetting);
    forgetting.document().undoStack()->setClean();
    forgetting.close();
    QFile::remove(m_portrait + QString::fromLatin1(edit::kEditDocumentSuffix));
    Settings::instance().set(Settings::Key::WeightsPath, QString());
}

void EditorTest::adaptationEndingAfterAnotherPhotoOpenedWaitsForItsPhoto() {
    m_window.reset();
    const QString weights =
        writeSyntheticWeights(m_dir.filePath(QStringLiteral("tiny-body-3.safetensors")), tinyBody(), 6);
    // 60 steps: seconds, long enough to open another photo meanwhile
    EditorOptions options = adaptationOptions(QStringLiteral("adapted-elsewhere"), 60);
    options.weightsPath = weights;
    MainWindow w(options);
    w.show();
    waitUpToDate(w);
    auto* adapt = w.findChild<QAction*>(QStringLiteral("actionAdaptToPhoto"));
    adapt->trigger();
    QVERIFY(!adapt->isEnabled());
    const QString other = m_dir.filePath(QStringLiteral("messi-elsewhere.png"));
    QVERIFY(QImage(m_photo).save(other));
    QFile::remove(other + QStringLiteral(".pose.json"));
    QVERIFY(QFile::copy(m_photo + QStringLiteral(".pose.json"), other + QStringLiteral(".pose.json")));
    w.openFile(other);
    QTRY_VERIFY_WITH_TIMEOUT(QFileInfo(w.document().photoPath()) == QFileInfo(other), kTimeoutMs);
    QVERIFY(!adapt->isEnabled());  // still adapting
    QTRY_VERIFY_WITH_TIMEOUT(adapt->isEnabled(), test::scaledTimeout(120000));
    // Saved for messi5.jpg, not used for this photo.
    const QStringList files = QDir(options.adaptedFolder).entryList({QStringLiteral("*.safetensors")});
    QCOMPARE(files.size(), 1);
    QVERIFY(files.front().startsWith(QStringLiteral("messi5-")));
    QTest::qWait(200);
    QVERIFY(!w.engineInfo().adaptedToPhotos);
    QCOMPARE(QFileInfo(w.engineInfo().weightsPath), QFileInfo(weights));
    waitUpToDate(w);
    // Back on messi5.jpg, they load.
    w.openFile(m_photo);
    QTRY_VERIFY_WITH_TIMEOUT(w.engineInfo().adaptedToPhotos, kTimeoutMs);
    waitUpToDate(w);
    w.document().undoStack()->setClean();
    w.close();
    Settings::instance().set(Settings::Key::WeightsPath, QString());
}

void EditorTest::adaptedPortraitWeightsServeTheirFaceOfAGroupPhoto() {
    m_window.reset();
    const QString portrait =
        writeSyntheticWeights(m_dir.filePath(QStringLiteral("tiny-face-2.safetensors")), tinyFace(), 7);
    EditorOptions options = adaptationOptions(QStringLiteral("adapted-group"), 2);
    options.openPath = m_twoFaces;
    options.portraitWeightsPath = portrait;
    MainWindow w(options);
    w.show();
    QTRY_VERIFY_WITH_TIMEOUT(w.document().hasPhoto() && w.document().face() != nullptr, kTimeoutMs);
    if (!w.portraitMode()) w.findChild<QAction*>(QStringLiteral("actionPortraitMode"))->trigger();
    waitUpToDate(w);
    QCOMPARE(w.document().face()->faceIndex, 0);
    auto* adapt = w.findChild<QAction*>(QStringLiteral("actionAdaptToPhoto"));
    QTRY_VERIFY_WITH_TIMEOUT(adapt->isEnabled(), kTimeoutMs);
    adapt->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(w.engineInfo().adaptedToPhotos, test::scaledTimeout(120000));
    const QStringList files = QDir(options.adaptedFolder).entryList({QStringLiteral("*.safetensors")});
    QCOMPARE(files.size(), 1);
    QVERIFY(files.front().contains(QStringLiteral("-face0-")));
    waitUpToDate(w);
    // The second face: the weights adapted to the first are not its own.
    w.findChild<QAction*>(QStringLiteral("actionNextFace"))->trigger();
    QTRY_COMPARE_WITH_TIMEOUT(w.document().face()->faceIndex, 1, kTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(!w.engineInfo().adaptedToPhotos, kTimeoutMs);
    QCOMPARE(QFileInfo(w.engineInfo().weightsPath), QFileInfo(portrait));
    waitUpToDate(w);
    // Undo goes back to the first face, and to its adapted weights.
    w.document().undoStack()->undo();
    QTRY_COMPARE_WITH_TIMEOUT(w.document().face()->faceIndex, 0, kTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(w.engineInfo().adaptedToPhotos, kTimeoutMs);
    waitUpToDate(w);
    w.document().undoStack()->setClean();
    w.close();
    QFile::remove(m_twoFaces + QString::fromLatin1(edit::kEditDocumentSuffix));
}

void EditorTest::adaptedWeightsFolderKeepsTheMostRecentlyUsed() {
    const QString folder = m_dir.filePath(QStringLiteral("prune"));
    QVERIFY(QDir().mkpath(folder));
    const QDateTime now = QDateTime::currentDateTime();
    const QStringList names = {QStringLiteral("a.safetensors"), QStringLiteral("b.safetensors"),
                               QStringLiteral("c.safetensors"), QStringLiteral("d.safetensors"),
                               QStringLiteral("e.safetensors")};
    for (int i = 0; i < names.size(); ++i) {  // a is the oldest, e the newest
        QFile file(QDir(folder).filePath(names[i]));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("x");
        QVERIFY(file.flush());  // else closing writes, and sets the time to now
        QVERIFY(file.setFileTime(now.addSecs(-3600 * (names.size() - i)), QFileDevice::FileModificationTime));
    }
    QFile other(QDir(folder).filePath(QStringLiteral("notes.txt")));
    QVERIFY(other.open(QIODevice::WriteOnly));
    other.close();
    // b was used again just now: it is the newest.
    touchAdaptedWeights(QDir(folder).filePath(QStringLiteral("b.safetensors")));
    // Keep 2: b and e; a is in use and stays too; c and d go. Other files are left alone.
    QStringList removed = pruneAdaptedWeights(folder, 2, QDir(folder).filePath(QStringLiteral("a.safetensors")));
    removed.sort();
    QCOMPARE(removed, (QStringList{QStringLiteral("c.safetensors"), QStringLiteral("d.safetensors")}));
    QStringList left = QDir(folder).entryList(QDir::Files);
    left.sort();
    QCOMPARE(left, (QStringList{QStringLiteral("a.safetensors"), QStringLiteral("b.safetensors"),
                                QStringLiteral("e.safetensors"), QStringLiteral("notes.txt")}));
    QVERIFY(pruneAdaptedWeights(m_dir.filePath(QStringLiteral("no-such-folder")), 2, QString()).isEmpty());
}

void EditorTest::settingsOfVersion1KeepTheirPasteChoice() {
    // Version 1 had a Paste Whole Crop switch; a user who had it on keeps the whole crop.
    const QString old = m_dir.filePath(QStringLiteral("settings-v1.ini"));
    {
        QSettings v1(old, QSettings::IniFormat);
        v1.setValue(QStringLiteral("version"), 1);
        v1.setValue(QStringLiteral("result/paste_whole_crop"), true);
    }
    Settings::useFile(old);
    QCOMPARE(Settings::instance().get(Settings::Key::PasteBack).toString(), QStringLiteral("crop"));
    Settings::instance().sync();
    QVERIFY(!QSettings(old, QSettings::IniFormat).contains(QStringLiteral("result/paste_whole_crop")));
    Settings::useFile(m_dir.filePath(QStringLiteral("settings.ini")));
    QCOMPARE(Settings::instance().get(Settings::Key::PasteBack).toString(), QStringLiteral("moved"));
}

void EditorTest::draggingAJointChangesTheResultNearTheLimbOnly() {
    MainWindow& w = *m_window;
    const Frame before = *w.currentFrame();
    const pose::Pose start = w.document().target();
    QList<quint64> shown;
    connect(&w, &MainWindow::frameShown, this, [&] { shown << w.currentFrame()->ticket.serial; });

    // The right wrist (92, 97) moves into the body's box, so the crop (reference + target) stays the same.
    PoseCanvas* canvas = w.resultCanvas();
    const QPoint from = canvas->viewportPositionOf(pose::JointId::RightWrist);
    const QPoint to = canvas->viewportPositionOfPhotoPoint(QPointF(150, 170));
    drag(canvas, from, to, 12);
    const Point2 moved = w.document().target().at(pose::JointId::RightWrist).position;
    QVERIFY2(std::hypot(moved.x - 150, moved.y - 170) < 3, "the wrist follows the mouse");
    QVERIFY(photoPoint(w.document().target(), pose::JointId::RightElbow) ==
            photoPoint(start, pose::JointId::RightElbow));
    waitUpToDate(w);
    const Frame after = *w.currentFrame();
    QCOMPARE(after.cropBox, before.cropBox);

    // Newest wins: the frames shown came in request order.
    for (int i = 1; i < shown.size(); ++i) QVERIFY(shown[i] > shown[i - 1]);

    // Compare in canvas pixels: near the forearm before and after, and far from it.
    const double scale = after.output.width() / after.cropBox.width();
    const auto toCanvas = [&](QPointF p) {
        return (p + QPointF(0.5, 0.5) - after.cropBox.topLeft()) * scale - QPointF(0.5, 0.5);
    };
    const QPointF elbow = toCanvas(photoPoint(start, pose::JointId::RightElbow));
    const QPointF oldWrist = toCanvas(photoPoint(start, pose::JointId::RightWrist));
    const QPointF newWrist = toCanvas(toQPointF(moved));
    const auto limbDistance = [&](int x, int y) {
        return std::min(distanceToSegment(QPointF(x, y), elbow, oldWrist),
                        distanceToSegment(QPointF(x, y), elbow, newWrist));
    };
    int nearCount = 0, farCount = 0;
    const double nearChange = meanDifference(
        before.output, after.output, [&](int x, int y) { return limbDistance(x, y) <= 4; }, &nearCount);
    const double farChange = meanDifference(
        before.output, after.output, [&](int x, int y) { return limbDistance(x, y) >= 24; }, &farCount);
    QVERIFY(nearCount > 20 && farCount > 100);
    QVERIFY2(nearChange > 1.0, qPrintable(QStringLiteral("near the limb the result changes: %1").arg(nearChange)));
    // Random weights spread some change everywhere (the flow network's 4 x 3 bottleneck sees the whole
    // canvas); still, it concentrates on the limb.
    QVERIFY2(nearChange > 2 * farChange,
             qPrintable(QStringLiteral("the change is local: near %1, far %2").arg(nearChange).arg(farChange)));
}

void EditorTest::undoRestoresSkeletonAndImage() {
    MainWindow& w = *m_window;
    const pose::Pose start = w.document().target();
    const QImage startImage = output(w);
    drag(w.resultCanvas(), w.resultCanvas()->viewportPositionOf(pose::JointId::LeftWrist),
         w.resultCanvas()->viewportPositionOfPhotoPoint(QPointF(330, 220)));
    waitUpToDate(w);
    const pose::Pose moved = w.document().target();
    const QImage movedImage = output(w);
    QVERIFY(!(moved == start));
    QVERIFY(maxDifference(startImage, movedImage) > 0);

    w.findChild<QAction*>(QStringLiteral("actionUndo"))->trigger();
    QVERIFY(w.document().target() == start);
    QVERIFY(w.resultCanvas()->pose() == start);
    waitUpToDate(w);
    QVERIFY2(maxDifference(output(w), startImage) <= 1, "undo brings back the same image");

    w.findChild<QAction*>(QStringLiteral("actionRedo"))->trigger();
    QVERIFY(w.document().target() == moved);
    waitUpToDate(w);
    QVERIFY2(maxDifference(output(w), movedImage) <= 1, "redo brings back the edited image");
}

void EditorTest::aDragIsOneUndoStep() {
    MainWindow& w = *m_window;
    QUndoStack* stack = w.document().undoStack();
    QCOMPARE(stack->count(), 0);
    QVERIFY(!w.isWindowModified());
    drag(w.resultCanvas(), w.resultCanvas()->viewportPositionOf(pose::JointId::RightWrist),
         w.resultCanvas()->viewportPositionOfPhotoPoint(QPointF(130, 140)), 20);
    QCOMPARE(stack->count(), 1);
    QCOMPARE(stack->text(0), QStringLiteral("Move right wrist"));
    QVERIFY(w.isWindowModified());
    QCOMPARE(w.findChild<QUndoView*>(QStringLiteral("historyView"))->model()->rowCount(), 2);  // "Opened" + the drag

    // A click without movement is no step; a second drag is a second step.
    const QPoint knee = w.resultCanvas()->viewportPositionOf(pose::JointId::LeftKnee);
    QTest::mouseClick(w.resultCanvas()->viewport(), Qt::LeftButton, Qt::NoModifier, knee);
    QCOMPARE(stack->count(), 1);
    drag(w.resultCanvas(), knee, knee + QPoint(0, 25));
    QCOMPARE(stack->count(), 2);
    QCOMPARE(stack->text(1), QStringLiteral("Move left knee"));
    waitUpToDate(w);
}

void EditorTest::draggingABoneRotatesTheLimb() {
    MainWindow& w = *m_window;
    const pose::Pose start = w.document().target();
    const QPointF elbow = photoPoint(start, pose::JointId::LeftElbow),
                  wrist = photoPoint(start, pose::JointId::LeftWrist);
    const QPointF middle = (elbow + wrist) / 2;
    const QPoint from = w.resultCanvas()->viewportPositionOfPhotoPoint(middle);
    drag(w.resultCanvas(), from, from + QPoint(0, 30));
    const pose::Pose after = w.document().target();
    QCOMPARE(photoPoint(after, pose::JointId::LeftElbow), elbow);
    const QPointF newWrist = photoPoint(after, pose::JointId::LeftWrist);
    QVERIFY(newWrist != wrist);
    const double before = std::hypot(wrist.x() - elbow.x(), wrist.y() - elbow.y());
    const double now = std::hypot(newWrist.x() - elbow.x(), newWrist.y() - elbow.y());
    QVERIFY2(std::abs(before - now) < 0.5, "turning a bone keeps its length");
    QCOMPARE(w.document().undoStack()->text(0), QStringLiteral("Rotate left wrist about left elbow"));
    waitUpToDate(w);
}

void EditorTest::symmetryLockMovesTheMirrorJoint() {
    MainWindow& w = *m_window;
    w.findChild<QAction*>(QStringLiteral("actionSymmetryLock"))->trigger();
    QVERIFY(w.findChild<QAction*>(QStringLiteral("actionSymmetryLock"))->isChecked());
    const pose::Pose start = w.document().target();
    const QPoint from = w.resultCanvas()->viewportPositionOf(pose::JointId::RightKnee);
    drag(w.resultCanvas(), from, from + QPoint(20, 20));
    const pose::Pose after = w.document().target();
    const Point2 rightMove{
        after.at(pose::JointId::RightKnee).position.x - start.at(pose::JointId::RightKnee).position.x,
        after.at(pose::JointId::RightKnee).position.y - start.at(pose::JointId::RightKnee).position.y};
    const Point2 expected = edit::reflectOffset(rightMove, edit::bodyAxis(start));
    QCOMPARE_LT(std::abs(after.at(pose::JointId::LeftKnee).position.x - start.at(pose::JointId::LeftKnee).position.x -
                         expected.x),
                0.5f);
    QCOMPARE_LT(std::abs(after.at(pose::JointId::LeftKnee).position.y - start.at(pose::JointId::LeftKnee).position.y -
                         expected.y),
                0.5f);
    w.findChild<QAction*>(QStringLiteral("actionSymmetryLock"))->trigger();  // leave the setting off for the others
    waitUpToDate(w);
}

void EditorTest::previewWhileDraggingThenFullSynthesis() {
    m_window->document().undoStack()->setClean();
    m_window.reset();
    m_window = makeWindow(m_photo, /*preview=*/true);
    MainWindow& w = *m_window;
    waitUpToDate(w);
    QLabel* mode = w.findChild<QLabel*>(QStringLiteral("modeLabel"));
    QWidget* viewport = w.resultCanvas()->viewport();
    const QPoint from = w.resultCanvas()->viewportPositionOf(pose::JointId::RightWrist);
    QTest::mousePress(viewport, Qt::LeftButton, Qt::NoModifier, from);
    // Keep moving (faster than the pause that asks for the full synthesis): previews are shown.
    bool sawPreview = false;
    for (int i = 1; i <= 40 && !sawPreview; ++i) {
        QTest::mouseMove(viewport, from + QPoint(i % 2 ? i : -i, i));
        QTest::qWait(20);
        sawPreview = w.currentFrame()->preview && mode->text().startsWith(QStringLiteral("Preview"));
    }
    QVERIFY2(sawPreview, "the preview is shown while dragging");
    // The drag rests: the full synthesis comes while the button is still down.
    QTRY_VERIFY_WITH_TIMEOUT(!w.currentFrame()->preview && w.isUpToDate(), kTimeoutMs);
    QCOMPARE(mode->text(), QStringLiteral("Full synthesis"));
    QTest::mouseRelease(viewport, Qt::LeftButton, Qt::NoModifier, from + QPoint(1, 1));
    waitUpToDate(w);
    QCOMPARE(mode->text(), QStringLiteral("Full synthesis"));
}

void EditorTest::mirrorResetPresetAndHideAreUndoSteps() {
    MainWindow& w = *m_window;
    QUndoStack* stack = w.document().undoStack();
    const pose::Pose reference = w.document().reference();
    QVERIFY(!w.findChild<QAction*>(QStringLiteral("actionResetPose"))->isEnabled());

    w.findChild<QAction*>(QStringLiteral("actionMirrorPose"))->trigger();
    QCOMPARE(stack->text(stack->count() - 1), QStringLiteral("Mirror pose"));
    QVERIFY(w.document().target() == edit::clampedTo(edit::mirrorPose(reference), {548, 342}));
    QVERIFY(w.findChild<QAction*>(QStringLiteral("actionResetPose"))->isEnabled());

    w.findChild<QAction*>(QStringLiteral("actionPreset_arms_raised"))->trigger();
    QCOMPARE(stack->text(stack->count() - 1), QStringLiteral("Apply preset Arms raised"));
    const pose::Pose raised = w.document().target();
    QCOMPARE(photoPoint(raised, pose::JointId::Neck),
             photoPoint(reference, pose::JointId::Neck));  // fitted onto the person
    QVERIFY(raised.at(pose::JointId::RightWrist).position.y < raised.at(pose::JointId::Neck).position.y);

    // Right-click the right wrist and choose "Hide Right wrist" from the joint menu.
    QTimer::singleShot(0, this, [] {
        auto* menu = qobject_cast<QMenu*>(QApplication::activePopupWidget());
        QVERIFY(menu);
        for (QAction* a : menu->actions()) {
            if (a->text() == QStringLiteral("Hide Right wrist")) a->trigger();
        }
        menu->close();
    });
    const QPoint wrist = w.resultCanvas()->viewportPositionOf(pose::JointId::RightWrist);
    QContextMenuEvent event(QContextMenuEvent::Mouse, wrist, w.resultCanvas()->viewport()->mapToGlobal(wrist));
    QApplication::sendEvent(w.resultCanvas()->viewport(), &event);
    QVERIFY(!w.document().target().has(pose::JointId::RightWrist));
    QCOMPARE(stack->text(stack->count() - 1), QStringLiteral("Hide right wrist"));
    waitUpToDate(w);

    w.findChild<QAction*>(QStringLiteral("actionResetPose"))->trigger();
    QCOMPARE(stack->text(stack->count() - 1), QStringLiteral("Reset pose"));
    QVERIFY(w.document().target() == reference);
    QCOMPARE(stack->count(), 4);
    stack->undo();
    QVERIFY(!w.document().target().has(pose::JointId::RightWrist));
    waitUpToDate(w);
}

void EditorTest::exportWritesAValidPngAndJson() {
    MainWindow& w = *m_window;
    drag(w.resultCanvas(), w.resultCanvas()->viewportPositionOf(pose::JointId::RightWrist),
         w.resultCanvas()->viewportPositionOfPhotoPoint(QPointF(140, 150)));
    waitUpToDate(w);
    const QString png = m_dir.filePath(QStringLiteral("exported.png"));
    FileDialog::setNextFileName(png);
    w.findChild<QAction*>(QStringLiteral("actionExportImage"))->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(!w.isBusy(), kTimeoutMs);
    QCOMPARE(MessageBox::lastText(), QString());
    QImage exported(png);
    QVERIFY2(!exported.isNull(), "a PNG Qt can read");
    QCOMPARE(exported.size(), QSize(548, 342));  // the full photo, the person pasted back
    const QImage photo = w.document().photoImage();
    const QRectF box = w.currentFrame()->cropBox;
    const auto outsideBox = [&](int x, int y) {
        return !box.adjusted(-1, -1, 1, 1).contains(QPointF(x + 0.5, y + 0.5));
    };
    int outside = 0;
    QCOMPARE(meanDifference(exported.convertToFormat(QImage::Format_RGB32), photo.convertToFormat(QImage::Format_RGB32),
                            outsideBox, &outside),
             0.0);
    QVERIFY(outside > 1000);
    QVERIFY(meanDifference(exported.convertToFormat(QImage::Format_RGB32), photo.convertToFormat(QImage::Format_RGB32),
                           [&](int x, int y) { return box.contains(QPointF(x, y)); }) > 1.0);
    // Only the moved arm by default; View > Paste Back > Whole Person replaces more, Whole Crop more again.
    const auto changedPixels = [&](const QImage& image) {
        const QImage a = image.convertToFormat(QImage::Format_RGB32), b = photo.convertToFormat(QImage::Format_RGB32);
        int changed = 0;
        for (int y = 0; y < a.height(); ++y)
            for (int x = 0; x < a.width(); ++x) changed += a.pixel(x, y) != b.pixel(x, y);
        return changed;
    };
    const auto exportWith = [&](const char* actionName, const QString& name) {
        QAction* extent = w.findChild<QAction*>(QString::fromLatin1(actionName));
        if (!extent || !extent->isEnabled()) return QImage();
        extent->trigger();
        waitUpToDate(w);
        const QString path = m_dir.filePath(name);
        FileDialog::setNextFileName(path);
        w.findChild<QAction*>(QStringLiteral("actionExportImage"))->trigger();
        if (!QTest::qWaitFor([&] { return !w.isBusy(); }, kTimeoutMs)) return QImage();
        return QImage(path);
    };
    QVERIFY(w.findChild<QAction*>(QStringLiteral("actionPasteMoved"))->isChecked());
    // Model > Warp Only: the result and the export are the geometric preview, no network.
    QAction* warpOnly = w.findChild<QAction*>(QStringLiteral("actionWarpOnly"));
    QVERIFY(warpOnly && !warpOnly->isChecked());
    warpOnly->trigger();
    waitUpToDate(w);
    QVERIFY(w.currentFrame()->preview);
    QCOMPARE(w.findChild<QLabel*>(QStringLiteral("modeLabel"))->text(), QStringLiteral("Warp only"));
    const QImage warped = exportWith("actionPasteMoved", QStringLiteral("exported_warp.png"));
    QVERIFY(!warped.isNull() && changedPixels(warped) > 0);
    QVERIFY(changedPixels(warped.convertToFormat(QImage::Format_RGB32)) != changedPixels(exported) ||
            warped.convertToFormat(QImage::Format_RGB32) != exported.convertToFormat(QImage::Format_RGB32));
    warpOnly->trigger();
    waitUpToDate(w);
    QVERIFY(!w.currentFrame()->preview);
    const QImage person = exportWith("actionPastePerson", QStringLiteral("exported_person.png"));
    const QImage whole = exportWith("actionPasteWholeCrop", QStringLiteral("exported_whole.png"));
    QVERIFY(!person.isNull() && !whole.isNull());
    QVERIFY(changedPixels(person) > changedPixels(exported) + 500);
    QVERIFY(changedPixels(whole) > changedPixels(person) + 500);
    QCOMPARE(Settings::instance().get(Settings::Key::PasteBack).toString(), QStringLiteral("crop"));
    w.findChild<QAction*>(QStringLiteral("actionPasteMoved"))->trigger();
    QCOMPARE(Settings::instance().get(Settings::Key::PasteBack).toString(), QStringLiteral("moved"));
    waitUpToDate(w);

    const edit::EditDocument beside =
        edit::readEditDocument((png + QString::fromLatin1(edit::kEditDocumentSuffix)).toStdString());
    QVERIFY(beside.target == w.document().target());
    QCOMPARE(QString::fromStdString(beside.photoPath), QStringLiteral("messi5.jpg"));
    QCOMPARE(QString::fromStdString(beside.photoSha256), w.document().sha256());

    const QString json = m_dir.filePath(QStringLiteral("exported_edit.marionette.json"));
    FileDialog::setNextFileName(json);
    w.findChild<QAction*>(QStringLiteral("actionExportEdit"))->trigger();
    const edit::EditDocument document = edit::readEditDocument(json.toStdString());
    QVERIFY(document.reference == w.document().reference());
    QVERIFY(document.target == w.document().target());
    QVERIFY(document.cropBox.has_value());
    QVERIFY(QString::fromStdString(document.weightsId).startsWith(QStringLiteral("untrained")));

    const QString crop = m_dir.filePath(QStringLiteral("crop.jpg"));
    FileDialog::setNextFileName(crop);
    w.findChild<QAction*>(QStringLiteral("actionExportCrop"))->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(!w.isBusy(), kTimeoutMs);
    QCOMPARE(QImage(crop).size(), QSize(48, 64));
}

void EditorTest::exportMapsWritesEveryMap() {
    MainWindow& w = *m_window;
    const QString folder = m_dir.filePath(QStringLiteral("maps"));
    FileDialog::setNextFileName(folder);
    w.findChild<QAction*>(QStringLiteral("actionExportMaps"))->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(!w.isBusy(), kTimeoutMs);
    QCOMPARE(MessageBox::lastText(), QString());
    for (const char* name : {"reference_crop.png", "output_crop.png", "flow.png", "combination.png", "attention.png",
                             "attention_warped.png", "flow_warped.png", "edit.marionette.json"}) {
        QVERIFY2(QFile::exists(QDir(folder).filePath(QString::fromLatin1(name))), name);
    }
    QCOMPARE(QImage(QDir(folder).filePath(QStringLiteral("flow.png"))).size(), QSize(48, 64));
}

void EditorTest::mapsPanelShowsFlowAndAttention() {
    MainWindow& w = *m_window;
    w.findChild<QAction*>(QStringLiteral("actionMapFlow"))->trigger();
    QCOMPARE(w.mapsPanel()->selected(), MapKind::Flow);
    QTRY_VERIFY_WITH_TIMEOUT(w.isUpToDate() && !w.currentFrame()->flow.isNull(), kTimeoutMs);
    QVERIFY(!w.findChild<QLabel*>(QStringLiteral("mapThumbnail"))->pixmap().isNull());
    QVERIFY(w.findChild<QLabel*>(QStringLiteral("flowLegend"))->isVisible());

    // Attention: the right wrist first, then the point clicked on the result.
    w.findChild<QAction*>(QStringLiteral("actionMapAttention"))->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(w.isUpToDate() && !w.currentFrame()->attention.isNull(), kTimeoutMs);
    const QImage first = w.currentFrame()->attention;
    QTest::mouseClick(w.resultCanvas()->viewport(), Qt::LeftButton, Qt::NoModifier,
                      w.resultCanvas()->viewportPositionOfPhotoPoint(QPointF(450, 120)));  // away from every bone
    QTRY_VERIFY_WITH_TIMEOUT(w.isUpToDate() && w.currentFrame()->attention != first, kTimeoutMs);
    QCOMPARE(w.document().undoStack()->count(), 0);  // picking a point is not an edit

    w.findChild<QAction*>(QStringLiteral("actionMapAttention"))->trigger();  // unchecks: no map
    QCOMPARE(w.mapsPanel()->selected(), MapKind::None);
    waitUpToDate(w);
}

void EditorTest::savedEditReopensWithItsSkeletons() {
    MainWindow& w = *m_window;
    drag(w.resultCanvas(), w.resultCanvas()->viewportPositionOf(pose::JointId::LeftAnkle),
         w.resultCanvas()->viewportPositionOfPhotoPoint(QPointF(380, 300)));
    const pose::Pose target = w.document().target();
    QVERIFY(w.isWindowModified());
    w.findChild<QAction*>(QStringLiteral("actionSaveEdit"))->trigger();
    QVERIFY(!w.isWindowModified());
    const QString saved = m_photo + QString::fromLatin1(edit::kEditDocumentSuffix);
    QVERIFY(QFile::exists(saved));
    waitUpToDate(w);

    // Opening the photo again finds the edit beside it; opening the edit itself finds the photo.
    for (const QString& path : {m_photo, saved}) {
        auto again = makeWindow(path);
        QTRY_VERIFY_WITH_TIMEOUT(again->isUpToDate(), kTimeoutMs);
        QVERIFY(again->document().target() == target);
        QCOMPARE(again->document().photoPath(), m_photo);
        QVERIFY(!again->isWindowModified());
        again->close();
    }
}

void EditorTest::autosaveIsOfferedOnReopen() {
    m_window->document().undoStack()->setClean();
    m_window.reset();
    m_window = makeWindow(m_photo, false, /*autosaveSeconds=*/1);
    MainWindow& w = *m_window;
    waitUpToDate(w);
    drag(w.resultCanvas(), w.resultCanvas()->viewportPositionOf(pose::JointId::RightAnkle),
         w.resultCanvas()->viewportPositionOfPhotoPoint(QPointF(250, 300)));
    const pose::Pose edited = w.document().target();
    const QString autosaved = QDir(m_dir.filePath(QStringLiteral("autosave")))
                                  .filePath(w.document().sha256() + QString::fromLatin1(edit::kEditDocumentSuffix));
    QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(autosaved), 5000);
    waitUpToDate(w);

    // As after a crash: the edit was never saved. Reopening offers the autosave; Yes restores it, modified.
    MessageBox::setNextAnswer(QMessageBox::Yes);
    auto again = makeWindow(m_photo, false, 1);
    QTRY_VERIFY_WITH_TIMEOUT(again->isUpToDate(), kTimeoutMs);
    QVERIFY(MessageBox::lastText().contains(QStringLiteral("unsaved changes")));
    QVERIFY(again->document().target() == edited);
    QVERIFY(again->isWindowModified());
    again->document().undoStack()->setClean();
    again->close();
}

void EditorTest::corruptEditShowsAnErrorAndKeepsTheDocument() {
    MainWindow& w = *m_window;
    drag(w.resultCanvas(), w.resultCanvas()->viewportPositionOf(pose::JointId::RightWrist),
         w.resultCanvas()->viewportPositionOfPhotoPoint(QPointF(120, 130)));
    waitUpToDate(w);
    const pose::Pose target = w.document().target();
    const quint64 photoId = w.document().photoId();
    const QImage image = output(w);

    const QString broken = m_dir.filePath(QStringLiteral("broken.marionette.json"));
    QFile f(broken);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("{\"marionette_edit\": 1, \"photo\": {\"path\": \"messi5.jpg\"}, \"target\": [1, 2");
    f.close();
    MessageBox::setNextAnswer(QMessageBox::Discard);  // "save the edit first?"
    MessageBox::setNextAnswer(QMessageBox::Ok);       // the error
    w.openFile(broken);
    QTRY_VERIFY_WITH_TIMEOUT(MessageBox::lastTitle() == QStringLiteral("Cannot open"), kTimeoutMs);
    QVERIFY(MessageBox::lastText().contains(QStringLiteral("broken.marionette.json")));
    QVERIFY(MessageBox::lastText().contains(QStringLiteral("not valid JSON")));
    QCOMPARE(w.document().photoId(), photoId);
    QVERIFY(w.document().target() == target);
    QCOMPARE(w.document().undoStack()->count(), 1);
    QCOMPARE(w.document().photoPath(), m_photo);
    QVERIFY(maxDifference(output(w), image) == 0);
    QVERIFY(!w.isBusy());
}

void EditorTest::unreadablePhotoShowsAnErrorAndKeepsTheDocument() {
    MainWindow& w = *m_window;
    const quint64 photoId = w.document().photoId();
    const QString garbage = m_dir.filePath(QStringLiteral("garbage.jpg"));
    QFile f(garbage);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(QByteArray(4096, 'x'));
    f.close();
    MessageBox::setNextAnswer(QMessageBox::Ok);
    w.openFile(garbage);
    QTRY_VERIFY_WITH_TIMEOUT(MessageBox::lastTitle() == QStringLiteral("Cannot open"), kTimeoutMs);
    QVERIFY(MessageBox::lastText().contains(QStringLiteral("garbage.jpg")));
    QCOMPARE(w.document().photoId(), photoId);
    QCOMPARE(w.document().photoPath(), m_photo);
    MessageBox::clearLast();
    MessageBox::setNextAnswer(QMessageBox::Ok);
    w.openFile(m_dir.filePath(QStringLiteral("missing.png")));
    QTRY_VERIFY_WITH_TIMEOUT(MessageBox::lastText().contains(QStringLiteral("no such file")), kTimeoutMs);
    QCOMPARE(w.document().photoId(), photoId);
}

void EditorTest::badWeightsShowAnErrorAndKeepTheModel() {
    MainWindow& w = *m_window;
    const QString weightsLabel = w.findChild<QLabel*>(QStringLiteral("weightsLabel"))->text();
    const QString bad = m_dir.filePath(QStringLiteral("bad.safetensors"));
    QFile f(bad);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("this is not a safetensors file");
    f.close();
    MessageBox::setNextAnswer(QMessageBox::Ok);
    w.openFile(bad);  // a weights file goes to the model
    QTRY_VERIFY_WITH_TIMEOUT(MessageBox::lastTitle() == QStringLiteral("Cannot load the weights"), kTimeoutMs);
    QVERIFY(MessageBox::lastText().contains(QStringLiteral("bad.safetensors")));
    QVERIFY(MessageBox::lastText().contains(QStringLiteral("stays loaded")));
    QVERIFY(w.hasEngine() && w.engineInfo().untrained);
    QCOMPARE(w.findChild<QLabel*>(QStringLiteral("weightsLabel"))->text(), weightsLabel);
    // The old model still answers.
    drag(w.resultCanvas(), w.resultCanvas()->viewportPositionOf(pose::JointId::RightWrist),
         w.resultCanvas()->viewportPositionOfPhotoPoint(QPointF(120, 130)));
    waitUpToDate(w);
}

void EditorTest::droppedWeightsGoToTheModelTheyAreFor() {
    // A weights file says which model it is: portrait weights dropped on the window load into the portrait
    // model, body weights opened with openFile into the body model, whichever mode is in use.
    m_window.reset();
    const QString portrait =
        writeSyntheticWeights(m_dir.filePath(QStringLiteral("tiny-face-dropped.safetensors")), tinyFace(), 8);
    const QString body =
        writeSyntheticWeights(m_dir.filePath(QStringLiteral("tiny-body-opened.safetensors")), tinyBody(), 9);
    m_window = makeWindow(m_portrait);
    MainWindow& w = *m_window;
    QTRY_VERIFY_WITH_TIMEOUT(w.document().hasPhoto() && w.portraitMode(), kTimeoutMs);
    waitUpToDate(w);
    QVERIFY(w.engineInfo().untrained);
    const int boxes = MessageBox::count();

    QMimeData mime;
    mime.setUrls({QUrl::fromLocalFile(portrait)});
    QDragEnterEvent enter(QPoint(20, 20), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(&w, &enter);
    QDropEvent drop(QPointF(20, 20), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(&w, &drop);
    QTRY_VERIFY_WITH_TIMEOUT(QFileInfo(w.engineInfo().weightsPath) == QFileInfo(portrait), kTimeoutMs);
    QCOMPARE(w.engineInfo().kind, model::SemanticsKind::Face);
    QVERIFY(!w.engineInfo().untrained);
    waitUpToDate(w);
    QCOMPARE(MessageBox::count(), boxes);  // no "Cannot load the weights"

    // The body model is untouched, and body weights opened in portrait mode go to it.
    w.openFile(body);
    w.findChild<QAction*>(QStringLiteral("actionPortraitMode"))->trigger();
    QVERIFY(!w.portraitMode());
    QTRY_VERIFY_WITH_TIMEOUT(QFileInfo(w.engineInfo().weightsPath) == QFileInfo(body), kTimeoutMs);
    QCOMPARE(w.engineInfo().kind, model::SemanticsKind::Body);
    waitUpToDate(w);
    w.findChild<QAction*>(QStringLiteral("actionPortraitMode"))->trigger();
    QVERIFY(w.portraitMode());
    QCOMPARE(QFileInfo(w.engineInfo().weightsPath), QFileInfo(portrait));
    QCOMPARE(MessageBox::count(), boxes);
    Settings::instance().set(Settings::Key::WeightsPath, QString());
}

void EditorTest::actionStatesFollowTheDocument() {
    auto enabled = [](MainWindow& w, const char* name) {
        QAction* a = w.findChild<QAction*>(QString::fromLatin1(name));
        if (!a) qFatal("no action %s", name);
        return a->isEnabled();
    };
    // An empty window: nothing to save, export or undo.
    auto empty = makeWindow(QString());
    QTRY_VERIFY_WITH_TIMEOUT(empty->hasEngine(), kTimeoutMs);
    for (const char* name :
         {"actionSaveEdit", "actionExportImage", "actionExportMaps", "actionExportEdit", "actionMirrorPose",
          "actionResetPose", "actionUndo", "actionRedo", "actionBeforeAfter", "actionImportPose"})
        QVERIFY2(!enabled(*empty, name), name);
    QVERIFY(enabled(*empty, "actionOpen") && enabled(*empty, "actionOpenWeights"));
    empty->close();

    // A photo, unedited: export and mirror yes; reset, undo and redo no.
    MainWindow& w = *m_window;
    for (const char* name :
         {"actionSaveEdit", "actionExportImage", "actionExportMaps", "actionMirrorPose", "actionBeforeAfter"})
        QVERIFY2(enabled(w, name), name);
    for (const char* name : {"actionResetPose", "actionUndo", "actionRedo"}) QVERIFY2(!enabled(w, name), name);
    QVERIFY(!w.findChild<QWidget*>(QStringLiteral("splitSlider"))->isEnabled());
    w.findChild<QAction*>(QStringLiteral("actionBeforeAfter"))->trigger();
    QVERIFY(w.resultCanvas()->splitEnabled());
    QVERIFY(w.findChild<QWidget*>(QStringLiteral("splitSlider"))->isEnabled());

    // Edited: undo and reset; undone: redo.
    drag(w.resultCanvas(), w.resultCanvas()->viewportPositionOf(pose::JointId::RightWrist),
         w.resultCanvas()->viewportPositionOfPhotoPoint(QPointF(120, 130)));
    QVERIFY(enabled(w, "actionUndo") && enabled(w, "actionResetPose") && !enabled(w, "actionRedo"));
    w.findChild<QAction*>(QStringLiteral("actionUndo"))->trigger();
    QVERIFY(!enabled(w, "actionUndo") && enabled(w, "actionRedo") && !enabled(w, "actionResetPose"));

    // While an export runs, exports wait.
    FileDialog::setNextFileName(m_dir.filePath(QStringLiteral("states.png")));
    w.findChild<QAction*>(QStringLiteral("actionExportImage"))->trigger();
    QVERIFY(!enabled(w, "actionExportImage"));
    QTRY_VERIFY_WITH_TIMEOUT(enabled(w, "actionExportImage"), kTimeoutMs);
    waitUpToDate(w);
}

void EditorTest::shortcutsReachTheView() {
    MainWindow& w = *m_window;
    QApplication::setActiveWindow(&w);
    QVERIFY(QTest::qWaitForWindowActive(&w));
    w.resultCanvas()->setFocus();
    QTest::keyClick(w.resultCanvas(), Qt::Key_Tab);  // before/after
    QVERIFY(w.resultCanvas()->splitEnabled());
    QTest::keyClick(w.resultCanvas(), Qt::Key_Tab);
    QVERIFY(!w.resultCanvas()->splitEnabled());

    const double fitted = w.resultCanvas()->zoom();
    QTest::keyClick(w.resultCanvas(), Qt::Key_1);  // actual size
    QCOMPARE(w.resultCanvas()->zoom(), 1.0);
    QTest::keyClick(w.resultCanvas(), Qt::Key_F);  // fit
    QCOMPARE(w.resultCanvas()->zoom(), fitted);

    // Wheel zoom keeps the photo point under the cursor where it is.
    const QPoint cursor = w.resultCanvas()->viewportPositionOf(pose::JointId::Neck);
    const QPointF before = w.resultCanvas()->mapToScene(cursor);
    QWheelEvent wheel(QPointF(cursor), w.resultCanvas()->viewport()->mapToGlobal(QPointF(cursor)), QPoint(),
                      QPoint(0, 600), Qt::NoButton, Qt::NoModifier, Qt::NoScrollPhase, false);
    QApplication::sendEvent(w.resultCanvas()->viewport(), &wheel);
    QVERIFY(w.resultCanvas()->zoom() > fitted * 2);
    const QPointF after = w.resultCanvas()->mapToScene(cursor);
    QVERIFY2(std::hypot(after.x() - before.x(), after.y() - before.y()) < 2.0,
             qPrintable(QStringLiteral("zoom to the cursor: %1,%2 -> %3,%4")
                            .arg(before.x())
                            .arg(before.y())
                            .arg(after.x())
                            .arg(after.y())));

    // M mirrors the pose as one undo step.
    QTest::keyClick(w.resultCanvas(), Qt::Key_M);
    QCOMPARE(w.document().undoStack()->text(0), QStringLiteral("Mirror pose"));
    waitUpToDate(w);
}

void EditorTest::portraitModeSlidersEditTheFace() {
    // messi5.jpg is a body photo: its face is far too small for portrait mode to be chosen.
    QVERIFY(!m_window->portraitMode());
    cleanup();
    m_window = makeWindow(m_portrait);
    MainWindow& w = *m_window;
    QTRY_VERIFY_WITH_TIMEOUT(w.document().hasPhoto(), kTimeoutMs);
    // The astronaut's face fills enough of the photo: portrait mode is chosen, its dock shown.
    QVERIFY(w.portraitMode());
    QVERIFY(w.findChild<QDockWidget*>(QStringLiteral("portraitDock"))->isVisible());
    waitUpToDate(w);
    QCOMPARE(w.engineInfo().kind, model::SemanticsKind::Face);
    QVERIFY(w.findChild<QLabel*>(QStringLiteral("modelBanner"))->text().contains(QStringLiteral("portrait")));
    // By hand: the toggle switches to the body and back.
    QAction* toggle = w.findChild<QAction*>(QStringLiteral("actionPortraitMode"));
    toggle->trigger();
    QVERIFY(!w.portraitMode());
    waitUpToDate(w);
    QCOMPARE(w.engineInfo().kind, model::SemanticsKind::Body);
    toggle->trigger();
    QVERIFY(w.portraitMode());
    waitUpToDate(w);

    const Frame before = *w.currentFrame();
    QCOMPARE(before.output.size(), QSize(64, 64));
    const QRectF crop = before.cropBox;
    const QRectF faceBox = [&] {
        const Box b = w.document().portraitReference().bounds();
        return QRectF(b.x, b.y, b.width, b.height);
    }();
    QVERIFY(crop.contains(faceBox));
    QVERIFY(crop.width() * crop.height() < 0.5 * w.document().photoSize().width() * w.document().photoSize().height());
    const double fittedYaw = w.document().portrait().parameters.pose.yaw;
    QCOMPARE(w.portraitPanel()->sliderCount(), 3 + face::MorphableModel::standard().expressionCount());

    // Drag the yaw slider's handle: one gesture, one undo step, live edits on the way.
    QSlider* yaw = w.portraitPanel()->slider(QStringLiteral("yaw"));
    QVERIFY(yaw);
    const int steps = w.document().undoStack()->count();
    const QPoint from = handleCentre(yaw);
    const QPoint to = from + QPoint(std::min(60, yaw->width() - from.x() - 4), 0);
    QTest::mousePress(yaw, Qt::LeftButton, Qt::NoModifier, from);
    for (int i = 1; i <= 6; ++i) QTest::mouseMove(yaw, from + (to - from) * i / 6);
    QTest::mouseRelease(yaw, Qt::LeftButton, Qt::NoModifier, to);
    const double draggedYaw = w.document().portrait().parameters.pose.yaw;
    QVERIFY2(draggedYaw > fittedYaw + 5, qPrintable(QStringLiteral("yaw %1 -> %2").arg(fittedYaw).arg(draggedYaw)));
    QCOMPARE(w.document().undoStack()->count(), steps + 1);
    QCOMPARE(w.document().undoStack()->text(steps), QStringLiteral("Yaw"));
    // Yaw > 0 turns the face to the image's right: the nose tip moves right.
    QVERIFY(w.document().portraitTarget().points[30].x > w.document().portraitReference().points[30].x + 2);
    QCOMPARE(w.resultCanvas()->landmarks().points[30].x, w.document().portraitTarget().points[30].x);

    waitUpToDate(w);
    const Frame after = *w.currentFrame();
    QCOMPARE(after.cropBox, crop);  // the crop follows the reference face only
    const QImage photo = w.document().photoImage();
    const QImage shownBefore = shownImage(photo, before), shownAfter = shownImage(photo, after);
    const QRect near = faceBox.toAlignedRect();
    const QRect outside = crop.adjusted(-2, -2, 2, 2).toAlignedRect();
    int nearCount = 0, farCount = 0;
    const double nearChange = meanDifference(
        shownBefore, shownAfter, [&](int x, int y) { return near.contains(x, y); }, &nearCount);
    const double farChange = meanDifference(
        shownBefore, shownAfter, [&](int x, int y) { return !outside.contains(x, y); }, &farCount);
    QVERIFY(nearCount > 1000 && farCount > 1000);
    QVERIFY2(nearChange > 1.0, qPrintable(QStringLiteral("the face changes: %1").arg(nearChange)));
    QCOMPARE(farChange, 0.0);

    // Undo: the slider, the landmarks and the document go back in one step.
    w.document().undoStack()->undo();
    QCOMPARE(w.document().portrait().parameters.pose.yaw, fittedYaw);
    QCOMPARE(yaw->value(), static_cast<int>(std::lround(fittedYaw / 0.5)));
    QVERIFY(w.document().portraitTarget() == w.document().portraitReference());
    waitUpToDate(w);

    // A preset and Reset are one step each; the link toggle moves both sides.
    w.findChild<QPushButton*>(QStringLiteral("facePreset_smile"))->click();
    const auto& model = face::MorphableModel::standard();
    QVERIFY(w.document().portrait().parameters.expressionValue(model, "smile_left") > 0.5);
    QVERIFY(w.document().undoStack()->text(w.document().undoStack()->index() - 1).contains(QStringLiteral("Smile")));
    QVERIFY(w.portraitPanel()->linked());
    w.portraitPanel()->slider(QStringLiteral("eye_close_left"))->setValue(80);
    QCOMPARE(w.document().portrait().parameters.expressionValue(model, "eye_close_right"), 0.8);
    w.findChild<QPushButton*>(QStringLiteral("resetFace"))->click();
    QCOMPARE(w.document().portrait().parameters.expressionValue(model, "smile_left"),
             w.document().face()->fitted.expressionValue(model, "smile_left"));
    waitUpToDate(w);

    // Undoing a portrait step while the body is shown changes nothing the body's render depends on: the
    // body frame stays current (it used to count as stale with no render coming to replace it).
    toggle->trigger();
    QVERIFY(!w.portraitMode());
    waitUpToDate(w);
    const quint64 bodyGeneration = w.document().generation();
    w.document().undoStack()->undo();
    QVERIFY(w.document().undoStack()->text(w.document().undoStack()->index()).contains(QStringLiteral("Reset")));
    QCOMPARE(w.document().generation(), bodyGeneration);
    QVERIFY(w.isUpToDate());
    // Back in portrait mode the undone reset is shown.
    toggle->trigger();
    QVERIFY(w.document().generation() != bodyGeneration);
    waitUpToDate(w);
}

void EditorTest::portraitLandmarkDragAndKeyStepsAreUndoSteps() {
    cleanup();
    m_window = makeWindow(m_portrait);
    MainWindow& w = *m_window;
    QTRY_VERIFY_WITH_TIMEOUT(w.document().hasPhoto() && w.portraitMode(), kTimeoutMs);
    waitUpToDate(w);
    QUndoStack* stack = w.document().undoStack();

    // Drag the chin (landmark 8) down: it alone moves, as one undo step.
    PoseCanvas* canvas = w.resultCanvas();
    const Point2 chin = w.document().portraitTarget().points[8];
    const Point2 mouth = w.document().portraitTarget().points[57];
    drag(canvas, canvas->viewportPositionOfLandmark(8),
         canvas->viewportPositionOfPhotoPoint(QPointF(chin.x, chin.y + 15)));
    QCOMPARE(stack->count(), 1);
    QVERIFY(stack->text(0).startsWith(QStringLiteral("Move jaw landmark 8")));
    QVERIFY(std::abs(w.document().portraitTarget().points[8].y - (chin.y + 15)) < 2);
    QCOMPARE(w.document().portraitTarget().points[57].y, mouth.y);
    waitUpToDate(w);

    // Keyboard steps of one slider merge into one step; a slider edit keeps the landmark drag.
    QSlider* jaw = w.portraitPanel()->slider(QStringLiteral("jaw_open"));
    jaw->setFocus();
    for (int i = 0; i < 5; ++i) QTest::keyClick(jaw, Qt::Key_Right);
    QCOMPARE(stack->count(), 2);
    const double jawOpen =
        w.document().portrait().parameters.expressionValue(face::MorphableModel::standard(), "jaw_open");
    const double fittedJaw = w.document().face()->fitted.expressionValue(face::MorphableModel::standard(), "jaw_open");
    QVERIFY2(std::abs(jawOpen - (fittedJaw + 0.05)) < 0.006,
             qPrintable(QStringLiteral("%1 -> %2").arg(fittedJaw).arg(jawOpen)));
    QVERIFY(w.document().portraitTarget().points[8].y > chin.y + 10);
    stack->undo();
    stack->undo();
    QVERIFY(w.document().portraitTarget() == w.document().portraitReference());

    // A saved portrait edit opens in portrait mode with its sliders where they were.
    w.portraitPanel()->slider(QStringLiteral("pitch"))->setValue(20);  // 10 degrees
    QVERIFY(w.saveEdit());
    const double pitch = w.document().portrait().parameters.pose.pitch;
    cleanup();
    m_window = makeWindow(m_portrait);
    QTRY_VERIFY_WITH_TIMEOUT(m_window->document().hasPhoto(), kTimeoutMs);
    QVERIFY(m_window->portraitMode());
    QCOMPARE(m_window->document().portrait().parameters.pose.pitch, pitch);
    QCOMPARE(m_window->portraitPanel()->slider(QStringLiteral("pitch"))->value(), 20);
    waitUpToDate(*m_window);
    QFile::remove(m_portrait + QString::fromLatin1(edit::kEditDocumentSuffix));
}

void EditorTest::nextFacePicksAnotherFaceAsOneUndoStep() {
    cleanup();
    m_window = makeWindow(m_twoFaces);
    MainWindow& w = *m_window;
    QTRY_VERIFY_WITH_TIMEOUT(w.document().hasPhoto(), kTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(w.document().face() != nullptr, kTimeoutMs);
    QCOMPARE(w.document().face()->faceCount, 2);
    QCOMPARE(w.document().face()->faceIndex, 0);
    if (!w.portraitMode()) w.findChild<QAction*>(QStringLiteral("actionPortraitMode"))->trigger();
    waitUpToDate(w);
    const Box first = w.document().portraitReference().bounds();
    const int undoBefore = w.document().undoStack()->count();

    QAction* next = w.findChild<QAction*>(QStringLiteral("actionNextFace"));
    QVERIFY(next->isEnabled());
    next->trigger();
    QTRY_COMPARE_WITH_TIMEOUT(w.document().face()->faceIndex, 1, kTimeoutMs);
    QCOMPARE(w.document().undoStack()->count(), undoBefore + 1);
    const Box second = w.document().portraitReference().bounds();
    QVERIFY(std::abs(second.x - first.x) > first.width / 2);  // the other person's face, not a refit of the first
    QVERIFY(w.document().portraitTarget() == w.document().portraitReference());  // a fresh, unedited face
    waitUpToDate(w);
    const QRectF crop = w.currentFrame()->cropBox;
    QVERIFY(crop.contains(QPointF(second.x + second.width / 2, second.y + second.height / 2)));

    w.document().undoStack()->undo();
    QCOMPARE(w.document().face()->faceIndex, 0);
    QCOMPARE(w.document().portraitReference().bounds().x, first.x);
    waitUpToDate(w);
    QVERIFY(w.currentFrame()->cropBox.contains(QPointF(first.x + first.width / 2, first.y + first.height / 2)));
}

void EditorTest::autosavedFaceEditIsOfferedOnReopen() {
    cleanup();
    m_window = makeWindow(m_portrait, false, /*autosaveSeconds=*/1);
    MainWindow& w = *m_window;
    QTRY_VERIFY_WITH_TIMEOUT(w.document().face() != nullptr, kTimeoutMs);
    QVERIFY(w.portraitMode());
    waitUpToDate(w);
    w.portraitPanel()->slider(QStringLiteral("jaw_open"))->setValue(70);
    const face::FaceLandmarks edited = w.document().portraitTarget();
    QVERIFY(!(edited == w.document().portraitReference()));
    const QString autosaved = QDir(m_dir.filePath(QStringLiteral("autosave")))
                                  .filePath(w.document().sha256() + QString::fromLatin1(edit::kEditDocumentSuffix));
    QFile::remove(autosaved);
    QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(autosaved), 5000);
    waitUpToDate(w);

    // As after a crash: reopening offers the autosave, and Yes brings the face edit back as an undo step.
    MessageBox::setNextAnswer(QMessageBox::Yes);
    auto again = makeWindow(m_portrait, false, 1);
    QTRY_VERIFY_WITH_TIMEOUT(again->document().face() != nullptr && again->isUpToDate(), kTimeoutMs);
    QVERIFY(MessageBox::lastText().contains(QStringLiteral("unsaved changes")));
    for (std::size_t i = 0; i < edited.points.size(); ++i) {
        QVERIFY(std::abs(again->document().portraitTarget().points[i].x - edited.points[i].x) < 0.05);
        QVERIFY(std::abs(again->document().portraitTarget().points[i].y - edited.points[i].y) < 0.05);
    }
    QVERIFY(again->isWindowModified());
    again->document().undoStack()->undo();
    QVERIFY(again->document().portraitTarget() == again->document().portraitReference());
    again->document().undoStack()->setClean();
    again->close();
    w.document().undoStack()->setClean();
}

void EditorTest::sharpReposingIsTheDefaultAndKeepsTheMovedLimbSharp() {
    m_window->document().undoStack()->setClean();
    m_window.reset();
    m_window = makeWindow(m_photo, false, 0, /*method=*/std::nullopt);
    MainWindow& w = *m_window;
    waitUpToDate(w);
    QVERIFY(w.findChild<QAction*>(QStringLiteral("actionMethodHybrid"))->isChecked());
    QVERIFY(!w.findChild<QAction*>(QStringLiteral("actionMethodNetwork"))->isChecked());
    QVERIFY(w.document().method() == edit::ReposeMethod::Hybrid);
    // Nothing moved: the photo itself, no overlay.
    QVERIFY(w.currentFrame()->method == edit::ReposeMethod::Hybrid);
    QVERIFY(w.currentFrame()->output.isNull());

    // The right wrist (92, 97) moves by about 60 pixels.
    const pose::Pose reference = w.document().reference();
    drag(w.resultCanvas(), w.resultCanvas()->viewportPositionOf(pose::JointId::RightWrist),
         w.resultCanvas()->viewportPositionOfPhotoPoint(QPointF(130, 144)), 12);
    waitUpToDate(w);
    const pose::Pose target = w.document().target();
    const Frame frame = *w.currentFrame();
    QVERIFY(frame.method == edit::ReposeMethod::Hybrid && !frame.preview);
    QVERIFY(!frame.output.isNull());
    // At the photo's own resolution over the pixels that changed, opaque: not the 48 x 64 canvas stretched.
    QCOMPARE(QSizeF(frame.output.size()), frame.cropBox.size());
    QVERIFY(QRectF(QPointF(0, 0), QSizeF(w.document().photoSize())).contains(frame.cropBox));
    QVERIFY(frame.cropBox.contains(QPointF(130, 144)));
    QCOMPARE(qAlpha(frame.output.pixel(frame.output.width() / 2, frame.output.height() / 2)), 255);
    const QString mode = w.findChild<QLabel*>(QStringLiteral("modeLabel"))->text();
    QVERIFY2(mode.startsWith(QStringLiteral("Sharp re-posing")), qPrintable(mode));

    // Sharp where the limb went: the fine detail of the photo's forearm is still there around the new bone
    // (checked last, so that a blurred result still gets the other checks).
    // As `marionette-cli evaluate-repose` measures it: the person's own pixels only, by the segmenter's masks.
    const detect::PersonSegmenter segmenter;
    const cv::Mat photoPerson = segmenter.segment(w.document().photo());
    const auto detailKept = [&](const QImage& edited) {
        const cv::Mat bgr = toBgr(edited);
        return deform::detailKept(w.document().photo(), bgr, reference, target, photoPerson, segmenter.segment(bgr));
    };
    const QImage photo = w.document().photoImage();
    const QImage shown = shownImage(photo, frame);
    const auto kept = detailKept(shown);
    QVERIFY(kept.has_value());
    qInfo("detail kept by sharp re-posing: %.3f; full frame %.0f ms, of which the warp %.0f ms, the network %.0f ms",
          *kept, frame.milliseconds, frame.deformMilliseconds, frame.synthesisMilliseconds);

    // The exported photo is the same edit, and outside the changed pixels it is the photo bit for bit.
    const QString png = m_dir.filePath(QStringLiteral("hybrid.png"));
    FileDialog::setNextFileName(png);
    w.findChild<QAction*>(QStringLiteral("actionExportImage"))->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(!w.isBusy(), kTimeoutMs);
    QCOMPARE(MessageBox::lastText(), QString());
    const QImage exported = QImage(png).convertToFormat(QImage::Format_RGB32);
    QCOMPARE(exported.size(), photo.size());
    const auto exportedKept = detailKept(exported);
    QVERIFY(exportedKept.has_value());
    qInfo("detail kept in the exported photo: %.3f", *exportedKept);
    const auto outside = [&](int x, int y) { return !frame.cropBox.contains(QPointF(x + 0.5, y + 0.5)); };
    QCOMPARE(meanDifference(exported, photo.convertToFormat(QImage::Format_RGB32), outside), 0.0);
    QVERIFY2(maxDifference(exported, shown) <= 2, "the export is what the view shows");

    // The network alone, for comparison: its result is drawn at the canvas's size.
    w.findChild<QAction*>(QStringLiteral("actionMethodNetwork"))->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(w.isUpToDate() && w.currentFrame()->method == edit::ReposeMethod::Network, kTimeoutMs);
    QCOMPARE(w.currentFrame()->output.size(), QSize(48, 64));
    const auto networkKept = detailKept(shownImage(photo, *w.currentFrame()));
    QVERIFY(networkKept.has_value());
    qInfo("detail kept by the network alone: %.3f", *networkKept);
    QVERIFY2(*kept > *networkKept, "moving the photo's pixels keeps more detail than the network's redrawing");

    // The Mesh and Holes maps of a full Hybrid frame, over the network's crop.
    w.findChild<QAction*>(QStringLiteral("actionMethodHybrid"))->trigger();
    QCOMPARE(Settings::instance().get(Settings::Key::ReposeMethod).toString(), QStringLiteral("hybrid"));
    w.findChild<QAction*>(QStringLiteral("actionMapMesh"))->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(w.isUpToDate() && !w.currentFrame()->mesh.isNull(), kTimeoutMs);
    QCOMPARE(w.currentFrame()->mesh.size(), QSize(48, 64));
    QVERIFY(!w.findChild<QLabel*>(QStringLiteral("mapThumbnail"))->pixmap().isNull());
    w.findChild<QAction*>(QStringLiteral("actionMapHoles"))->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(w.isUpToDate() && !w.currentFrame()->holes.isNull(), kTimeoutMs);
    w.findChild<QAction*>(QStringLiteral("actionMapHoles"))->trigger();  // unchecks: no map
    waitUpToDate(w);

    QVERIFY2(*kept >= 0.8 && *exportedKept >= 0.8,
             qPrintable(QStringLiteral("the moved forearm keeps the photo's detail: %1 shown, %2 exported")
                            .arg(*kept)
                            .arg(*exportedKept)));
}

void EditorTest::reposeMethodIsRememberedAndSavedWithTheEdit() {
    MainWindow& w = *m_window;  // started with Network on request; the choice is the Model menu's from here
    w.findChild<QAction*>(QStringLiteral("actionMethodHybrid"))->trigger();
    QCOMPARE(Settings::instance().get(Settings::Key::ReposeMethod).toString(), QStringLiteral("hybrid"));
    w.findChild<QAction*>(QStringLiteral("actionMethodNetwork"))->trigger();
    QCOMPARE(Settings::instance().get(Settings::Key::ReposeMethod).toString(), QStringLiteral("network"));
    QVERIFY(w.document().method() == edit::ReposeMethod::Network);
    drag(w.resultCanvas(), w.resultCanvas()->viewportPositionOf(pose::JointId::LeftWrist),
         w.resultCanvas()->viewportPositionOfPhotoPoint(QPointF(330, 220)));
    waitUpToDate(w);
    QVERIFY(w.currentFrame()->method == edit::ReposeMethod::Network);
    QVERIFY(w.saveEdit());
    const QString saved = m_photo + QString::fromLatin1(edit::kEditDocumentSuffix);
    QCOMPARE(QString::fromStdString(edit::readEditDocument(saved.toStdString()).method), QStringLiteral("network"));

    // A new window with no method asked for takes the remembered one.
    auto other = makeWindow(m_portrait, false, 0, std::nullopt);
    QTRY_VERIFY_WITH_TIMEOUT(other->hasEngine() && other->document().hasPhoto(), kTimeoutMs);
    QVERIFY(other->findChild<QAction*>(QStringLiteral("actionMethodNetwork"))->isChecked());
    other->setPortraitMode(false);
    QVERIFY(other->document().method() == edit::ReposeMethod::Network);
    other->findChild<QAction*>(QStringLiteral("actionMethodHybrid"))->trigger();  // the user's choice from now on
    QCOMPARE(Settings::instance().get(Settings::Key::ReposeMethod).toString(), QStringLiteral("hybrid"));

    // The saved edit reopens with its own method, whatever the settings say; they stay as the user left them.
    other->openFile(m_photo);
    QTRY_VERIFY_WITH_TIMEOUT(other->document().photoPath() == m_photo && other->isUpToDate(), kTimeoutMs);
    QVERIFY(other->document().method() == edit::ReposeMethod::Network);
    QVERIFY(other->findChild<QAction*>(QStringLiteral("actionMethodNetwork"))->isChecked());
    QVERIFY(other->currentFrame()->method == edit::ReposeMethod::Network);
    QCOMPARE(Settings::instance().get(Settings::Key::ReposeMethod).toString(), QStringLiteral("hybrid"));
    other->document().undoStack()->setClean();
    other->close();
    QFile::remove(saved);
}

void EditorTest::portraitSharpReposingShowsTheFaceAtThePhotosResolution() {
    const QVariant remembered = Settings::instance().get(Settings::Key::ReposeMethod);
    cleanup();
    m_window = makeWindow(m_portrait, false, 0, edit::ReposeMethod::Hybrid);
    MainWindow& w = *m_window;
    QTRY_VERIFY_WITH_TIMEOUT(w.document().hasPhoto(), kTimeoutMs);
    QVERIFY(w.portraitMode());
    waitUpToDate(w);
    // The Model menu's choice serves portraits too.
    QVERIFY(w.findChild<QAction*>(QStringLiteral("actionMethodHybrid"))->isEnabled());
    QVERIFY(w.findChild<QAction*>(QStringLiteral("actionMethodHybrid"))->isChecked());
    // Nothing moved: the photo itself, no overlay.
    QVERIFY(w.currentFrame()->method == edit::ReposeMethod::Hybrid);
    QVERIFY(w.currentFrame()->output.isNull());

    QSlider* yaw = w.portraitPanel()->slider(QStringLiteral("yaw"));
    QVERIFY(yaw);
    const QPoint from = handleCentre(yaw);
    const QPoint to = from + QPoint(std::min(40, yaw->width() - from.x() - 4), 0);
    QTest::mousePress(yaw, Qt::LeftButton, Qt::NoModifier, from);
    for (int i = 1; i <= 4; ++i) QTest::mouseMove(yaw, from + (to - from) * i / 4);
    QTest::mouseRelease(yaw, Qt::LeftButton, Qt::NoModifier, to);
    QVERIFY(!(w.document().portraitTarget() == w.document().portraitReference()));
    waitUpToDate(w);
    const Frame frame = *w.currentFrame();
    QVERIFY(frame.method == edit::ReposeMethod::Hybrid && !frame.preview);
    // At the photo's own resolution over the pixels that changed, opaque: not the 64 x 64 canvas stretched.
    QVERIFY(!frame.output.isNull());
    QCOMPARE(QSizeF(frame.output.size()), frame.cropBox.size());
    QVERIFY(QRectF(QPointF(0, 0), QSizeF(w.document().photoSize())).contains(frame.cropBox));
    const Point2 nose = w.document().portraitTarget().points[30];
    QVERIFY(frame.cropBox.contains(QPointF(nose.x, nose.y)));
    QCOMPARE(qAlpha(frame.output.pixel(frame.output.width() / 2, frame.output.height() / 2)), 255);
    const QString mode = w.findChild<QLabel*>(QStringLiteral("modeLabel"))->text();
    QVERIFY2(mode.startsWith(QStringLiteral("Sharp re-posing")), qPrintable(mode));

    // Network Only: the same edit drawn by the network on its canvas.
    w.findChild<QAction*>(QStringLiteral("actionMethodNetwork"))->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(w.isUpToDate() && w.currentFrame()->method == edit::ReposeMethod::Network, kTimeoutMs);
    QCOMPARE(w.currentFrame()->output.size(), QSize(64, 64));
    Settings::instance().set(Settings::Key::ReposeMethod, remembered);  // as the other tests found it
}

void EditorTest::limbDepthIsAnUndoStepSavedWithTheEdit() {
    m_window->document().undoStack()->setClean();
    m_window.reset();
    m_window = makeWindow(m_photo, false, 0, edit::ReposeMethod::Hybrid);
    MainWindow& w = *m_window;
    waitUpToDate(w);
    QUndoStack* stack = w.document().undoStack();
    PoseCanvas* canvas = w.resultCanvas();
    QVERIFY(w.document().depth().isAuto());

    // The right wrist's menu: its arm behind the body.
    QStringList entries;
    QVERIFY(chooseFromContextMenu(canvas, canvas->viewportPositionOf(pose::JointId::RightWrist),
                                  QStringLiteral("Draw Behind the Body"), &entries));
    QVERIFY(entries.contains(QStringLiteral("Automatic Depth")) &&
            entries.contains(QStringLiteral("Draw In Front of the Body")));
    QVERIFY(w.document().depth().of(deform::BodyPart::RightArm) == deform::Depth::Behind);
    QCOMPARE(stack->count(), 1);
    QCOMPARE(stack->text(0), QStringLiteral("Draw right arm behind the body"));
    waitUpToDate(w);

    // A bone of the left leg: in front.
    const QPointF knee = photoPoint(w.document().target(), pose::JointId::LeftKnee);
    const QPointF ankle = photoPoint(w.document().target(), pose::JointId::LeftAnkle);
    QVERIFY(chooseFromContextMenu(canvas, canvas->viewportPositionOfPhotoPoint((knee + ankle) / 2),
                                  QStringLiteral("Draw In Front of the Body")));
    QVERIFY(w.document().depth().of(deform::BodyPart::LeftLeg) == deform::Depth::Front);
    QCOMPARE(stack->text(1), QStringLiteral("Draw left leg in front of the body"));
    QCOMPARE(QString::fromStdString(deform::toString(w.document().depth())),
             QStringLiteral("right_arm=behind,left_leg=front"));

    // The trunk has no depth: the neck's menu offers none.
    entries.clear();
    chooseFromContextMenu(canvas, canvas->viewportPositionOf(pose::JointId::Neck), QString(), &entries);
    QVERIFY(!entries.isEmpty() && !entries.contains(QStringLiteral("Automatic Depth")));

    stack->undo();
    QVERIFY(w.document().depth().of(deform::BodyPart::LeftLeg) == deform::Depth::Auto);
    QVERIFY(w.document().depth().of(deform::BodyPart::RightArm) == deform::Depth::Behind);
    stack->undo();
    QVERIFY(w.document().depth().isAuto());
    stack->redo();
    stack->redo();
    QCOMPARE(QString::fromStdString(deform::toString(w.document().depth())),
             QStringLiteral("right_arm=behind,left_leg=front"));
    waitUpToDate(w);

    // Saved with the edit and read back.
    QVERIFY(w.saveEdit());
    const QString saved = m_photo + QString::fromLatin1(edit::kEditDocumentSuffix);
    const edit::EditDocument document = edit::readEditDocument(saved.toStdString());
    QCOMPARE(QString::fromStdString(document.depth), QStringLiteral("right_arm=behind,left_leg=front"));
    QCOMPARE(QString::fromStdString(document.method), QStringLiteral("hybrid"));
    auto again = makeWindow(m_photo, false, 0, std::nullopt);
    QTRY_VERIFY_WITH_TIMEOUT(again->isUpToDate(), kTimeoutMs);
    QVERIFY(again->document().depth() == w.document().depth());
    QCOMPARE(again->document().undoStack()->count(), 0);
    again->close();

    // Network only: the choices are there but disabled (the network has no layers to order).
    w.findChild<QAction*>(QStringLiteral("actionMethodNetwork"))->trigger();
    QVERIFY(!chooseFromContextMenu(canvas, canvas->viewportPositionOf(pose::JointId::RightWrist),
                                   QStringLiteral("Automatic Depth")));
    QCOMPARE(stack->count(), 2);
    w.findChild<QAction*>(QStringLiteral("actionMethodHybrid"))->trigger();  // leave the default for the others
    QFile::remove(saved);
    waitUpToDate(w);
}

QTEST_MAIN(EditorTest)
#include "editor_tests.moc"

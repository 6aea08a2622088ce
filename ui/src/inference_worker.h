#pragma once
// The editor's one inference worker (docs/architecture.md, "The editor's threads"): a thread that owns the
// ReposeSession (and so the engine) and also does the other slow jobs: loading weights, opening a photo
// (decoding, finding the skeleton) and exporting. Jobs run in order; renders are special: while the worker
// is busy only the newest render request is kept (latest wins). Results come back as queued signals; the
// GUI thread never waits on the model.
#include "marionette/edit/edit_document.h"
#include "marionette/edit/portrait.h"
#include "marionette/edit/portrait_session.h"
#include "marionette/edit/repose_session.h"
#include "marionette/model/config.h"
#include "marionette/pose/pose.h"

#include <QImage>
#include <QObject>
#include <QRectF>
#include <QString>
#include <QStringList>

#include <opencv2/core.hpp>

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>

class QThread;

namespace marionette::detect {
class MoveNet;
}

namespace marionette::ui {

// Which weights to run: a file, or (empty path) randomly initialised weights of `untrainedConfig`. A body
// engine and a portrait engine (kind Face) are held side by side; loading one keeps the other.
struct EngineSpec {
    model::SemanticsKind kind = model::SemanticsKind::Body;
    QString weightsPath;
    model::ModelConfig untrainedConfig;
    std::uint64_t seed = 1;
    edit::Device device = edit::Device::Auto;
    int threads = 0;
};

struct EngineInfo {
    model::SemanticsKind kind = model::SemanticsKind::Body;
    bool untrained = false;
    QString weightsPath;
    QString weightsId;             // stored in edit documents: "sha256:<16 hex> body.safetensors" or "untrained ..."
    QString description;           // "body, c = 16, 256 x 176"
    std::uint64_t imagesSeen = 0;  // from the weights' training record (0: unknown or untrained)
    bool syntheticOnly = false;    // trained on core/synth's generated images alone
    bool flowPrior = false;        // the network refines the geometric warp and keeps the photo's pixels (model.md)
    // Fine-tuned on a photo's person (Model > Adapt to This Photo): what it was adapted to ("photo me.jpg
    // (limb-warped)"), its steps, and the images the weights it started from had seen.
    bool adaptedToPhotos = false;
    QString adaptedData;
    std::uint64_t adaptationSteps = 0;
    std::uint64_t initImagesSeen = 0;
    QString deviceName;
    bool onCuda = false;
    bool hasPreview = false;
    ImageSize canvas;
};

struct OpenedPhoto {
    QString photoPath;
    QString documentPath;  // the edit that was read, empty when the skeleton came from elsewhere
    cv::Mat photo;         // 8-bit BGR
    QImage image;
    QString sha256;
    pose::Pose reference;
    pose::Pose target;
    // How the saved edit drew the body (unset: it did not say, or there is no saved edit) and its limbs' depth.
    std::optional<edit::ReposeMethod> method;
    deform::DepthOrder depth;
    QString note;     // where the skeleton came from, for the hint line
    QString warning;  // something the user must know (a saved edit that could not be read)
    // The face, fitted (null when there is none) and why there is none; a saved portrait edit; whether the
    // photo opens in portrait mode (a saved portrait edit, or a face covering much of the photo).
    std::shared_ptr<const edit::PortraitFace> face;
    QString faceNote;
    std::optional<edit::PortraitEdit> portraitEdit;
    bool portraitMode = false;
    double fitMilliseconds = 0;  // detection and fitting
};

// Another of the photo's faces, detected and fitted (Portrait > Next Face); null with an error when it failed.
struct FoundFace {
    quint64 photoId = 0;
    std::shared_ptr<const edit::PortraitFace> face;
    QString error;
};

// What a render answers: which photo, which request (serial, newest wins) and which document state.
struct RenderTicket {
    quint64 photoId = 0;
    quint64 serial = 0;
    quint64 generation = 0;
};

struct Frame {
    RenderTicket ticket;
    bool preview = false;
    bool prepared = false;
    // What is drawn over the photo: `output` stretched over `cropBox` (photo pixels, pixel edges), ARGB32 with
    // alpha = paste-back weights. Network: the synthesis at the canvas's size over the crop. Hybrid: the pixels
    // the edit changed at the photo's own resolution, opaque; null when nothing moved (the photo itself).
    QRectF cropBox;
    QImage output;
    QRectF mapBox;         // photo pixels: the network's crop, which the reference crop and the maps cover
    QImage referenceCrop;  // RGB888, canvas size
    QImage flow, combination, attention, attentionWarped, flowWarped, visibility;  // as requested
    QImage mesh, holes;  // Hybrid, when maps were requested: the meshes, and the holes (red) the network filled (green)
    edit::ReposeMethod method = edit::ReposeMethod::Network;  // what drew it (Hybrid falls back to Network)
    bool networkFilled = false;                               // Hybrid: the network drew what the photo never showed
    int flippedTriangles = 0;
    QStringList warnings;  // sentences for the user
    double milliseconds = 0;
    double synthesisMilliseconds = 0;
    double deformMilliseconds = 0;
    QString stages;  // "queries 2.1, attention 4.0, ..." (ms)
};

enum class ExportKind { Photo, Crop, Maps };

struct ExportJob {
    ExportKind kind = ExportKind::Photo;
    QString path;  // a file (Photo, Crop) or a folder (Maps)
    pose::Pose target;
    std::optional<face::FaceLandmarks> faceTarget;  // set: export the portrait edit instead of the body's
    std::optional<Point2> attentionPoint;           // photo pixels (Maps)
    QString editJson;                               // written beside exported images as <image>.marionette.json
    edit::PasteExtent paste = edit::PasteExtent::MovedParts;  // how much of the photo the edit replaces (Network)
    edit::ReposeMethod method = edit::ReposeMethod::Hybrid;
    deform::DepthOrder depth;
    bool warpOnly = false;  // Photo and Crop: the geometric preview instead of the network (Maps always synthesise)
};

class InferenceWorker : public QObject {
    Q_OBJECT
public:
    explicit InferenceWorker(QObject* parent = nullptr);
    ~InferenceWorker() override;  // finishes the current job, drops the rest

    // Each returns a job id for cancel() and for matching the answer.
    quint64 loadEngine(const EngineSpec& spec);
    quint64 openPhoto(const QString& path);
    quint64 exportResult(const ExportJob& job);
    // Detects the photo's faces and fits face `faceIndex` (0: the largest); answers with faceFound.
    quint64 detectFace(quint64 photoId, const cv::Mat& photo, int faceIndex);
    // The photo (and its reference skeleton) that renders use from now on.
    void setPhoto(quint64 photoId, const cv::Mat& photo, const pose::Pose& reference);
    // The face's reference landmarks that portrait renders use from now on (with the photo of setPhoto).
    void setPortraitPhoto(quint64 photoId, const cv::Mat& photo, const face::FaceLandmarks& reference);
    // Latest wins: replaces a render request (body or portrait) that has not started yet.
    void render(const RenderTicket& ticket, const edit::RenderRequest& request);
    void render(const RenderTicket& ticket, const edit::PortraitRenderRequest& request);
    // A cancelled job that has not finished gives no answer; its partial work is dropped.
    void cancel(quint64 jobId);
    // At most `threads` CPU threads for the networks from now on (engines loaded later too), or none (0): what
    // their EngineSpec says. While an adaptation trains on the same cores, two full teams of OpenMP threads
    // spinning against each other made an edit five times slower than one thread did.
    void capCpuThreads(int threads);

Q_SIGNALS:
    void engineLoaded(quint64 job, const marionette::ui::EngineInfo& info);
    void engineFailed(quint64 job, const QString& message);
    void photoOpened(quint64 job, const marionette::ui::OpenedPhoto& photo);
    void photoFailed(quint64 job, const QString& message);
    void faceFound(quint64 job, const marionette::ui::FoundFace& found);
    void frameReady(const marionette::ui::Frame& frame);
    void renderFailed(const marionette::ui::RenderTicket& ticket, const QString& message);
    void exportFinished(quint64 job, const QStringList& written, const QString& error);

private:
    using Task = std::function<void()>;
    void run();
    quint64 enqueue(const std::function<void(quint64)>& task);
    bool cancelled(quint64 job);

    // Run on the worker thread only.
    void applyThreads();                           // the spec's count under the cap, on the worker's thread
    void followThreadsOf(const EngineSpec& spec);  // after an engine of `spec` loaded: its count, still under the cap
    // Loads a body or portrait session (by spec.kind), handing it the photo the worker holds.
    void doLoadEngine(quint64 job, const EngineSpec& spec);
    // Puts a loaded session in place of `held` unless the job was cancelled (then the previous one stays).
    template <class Session, class Reference>
    bool install(quint64 job, const EngineSpec& spec, std::unique_ptr<Session> session, std::unique_ptr<Session>& held,
                 bool& heldHasPhoto, const Reference* reference);
    // What a new session can take now: the photo's skeleton (at least two joints) or its face's landmarks.
    const pose::Pose* bodyReference() const;
    const face::FaceLandmarks* faceReference() const;
    void findFace(OpenedPhoto& out);
    void doOpenPhoto(quint64 job, const QString& path);
    struct PendingRender {
        RenderTicket ticket;
        edit::RenderRequest body;
        std::optional<edit::PortraitRenderRequest> portrait;
    };
    void queueRender(PendingRender render);
    void doRender(const PendingRender& render);
    void emitFrame(const RenderTicket& ticket, const edit::RenderedFrame& rendered);
    static void setHybridResult(Frame& frame, const edit::RenderedFrame& rendered);
    void doExport(quint64 job, const ExportJob& exportJob);
    // The bundled body keypoint detector, loaded on first use; null when its files cannot be loaded (the
    // skeleton then comes from the other sources of edit::findReferencePose).
    const detect::MoveNet* bodyDetector();

    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::deque<Task> m_tasks;
    std::optional<PendingRender> m_render;
    std::set<quint64> m_cancelled;
    quint64 m_nextJob = 1;
    bool m_stop = false;

    // Worker-thread state.
    std::unique_ptr<edit::ReposeSession> m_session;
    cv::Mat m_photo;
    pose::Pose m_reference;
    quint64 m_photoId = 0;
    bool m_sessionHasPhoto = false;  // whether m_session holds m_photo and m_reference
    int m_threadCap = 0;             // capCpuThreads; read and written on the worker's thread only
    int m_specThreads = 0;           // what the latest engine's EngineSpec asked for
    std::unique_ptr<detect::MoveNet> m_detector;
    bool m_detectorTried = false;
    std::unique_ptr<edit::PortraitSession> m_portraitSession;
    std::optional<face::FaceLandmarks> m_faceReference;
    quint64 m_facePhotoId = 0;
    bool m_portraitHasPhoto = false;  // whether m_portraitSession holds m_photo and m_faceReference

    QThread* m_thread;
};

}  // namespace marionette::ui

Q_DECLARE_METATYPE(marionette::ui::EngineInfo)
Q_DECLARE_METATYPE(marionette::ui::OpenedPhoto)
Q_DECLARE_METATYPE(marionette::ui::Frame)
Q_DECLARE_METATYPE(marionette::ui::RenderTicket)
Q_DECLARE_METATYPE(marionette::ui::FoundFace)

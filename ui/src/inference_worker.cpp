#include "inference_worker.h"

#include "image_convert.h"

#include "marionette/detect/movenet.h"
#include "marionette/edit/edit_document.h"
#include "marionette/edit/pose_editing.h"
#include "marionette/edit/reference_pose.h"
#include "marionette/edit/round_trip.h"
#include "marionette/image/image_io.h"
#include "marionette/util/cpu_threads.h"
#include "marionette/util/error.h"
#include "marionette/util/files.h"
#include "marionette/util/log.h"

#include <QCryptographicHash>
#include <QFile>
#include <QFileInfo>
#include <QThread>

#include <chrono>
#include <filesystem>

#ifdef __linux__
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace marionette::ui {
namespace {

#ifdef __linux__
constexpr int kWorkerNiceness = 5;  // nice(1) steps: about a third of the GUI thread's CPU share under contention
#endif

QString sha256Of(const std::string& bytes) {
    return QString::fromLatin1(
        QCryptographicHash::hash(QByteArrayView(bytes.data(), static_cast<qsizetype>(bytes.size())),
                                 QCryptographicHash::Sha256)
            .toHex());
}

QString fileSha256(const QString& path) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) return {};
    QCryptographicHash hash(QCryptographicHash::Sha256);
    hash.addData(&file);
    return QString::fromLatin1(hash.result().toHex());
}

QString describe(const model::ModelConfig& c) {
    return QStringLiteral("%1, c = %2, %3 x %4, %5")
        .arg(QString::fromUtf8(model::toString(c.semantics)))
        .arg(c.width)
        .arg(c.height)
        .arg(c.canvasWidth)
        .arg(QString::fromUtf8(model::toString(c.deformation)));
}

QString stagesOf(const std::vector<StageTiming>& timings) {
    QStringList parts;
    for (const auto& t : timings)
        parts << QStringLiteral("%1 %2").arg(QString::fromStdString(t.stage)).arg(t.milliseconds, 0, 'f', 1);
    return parts.join(QStringLiteral(", "));
}

// LibTorch's CPU threads are per calling thread: without a number the worker would run on one core.
edit::SessionOptions sessionOptions(const EngineSpec& spec) {
    return {spec.device, spec.threads > 0 ? spec.threads : std::max(1, QThread::idealThreadCount())};
}

// A body or portrait session with the weights of `spec` (random ones when it names none), described in `info`.
template <class Session>
std::unique_ptr<Session> openSession(const EngineSpec& spec, EngineInfo& info) {
    std::unique_ptr<Session> session;
    if (spec.weightsPath.isEmpty()) {
        session = std::make_unique<Session>(spec.untrainedConfig, spec.seed, sessionOptions(spec));
        info.untrained = true;
        info.weightsId =
            QStringLiteral("untrained (random init, seed %1): %2").arg(spec.seed).arg(describe(spec.untrainedConfig));
    } else {
        session = std::make_unique<Session>(spec.weightsPath.toStdString(), sessionOptions(spec));
        info.weightsPath = spec.weightsPath;
        info.weightsId = QStringLiteral("sha256:%1 %2")
                             .arg(fileSha256(spec.weightsPath).left(16), QFileInfo(spec.weightsPath).fileName());
        const model::TrainingSummary training = session->training();
        info.imagesSeen = training.imagesSeen;
        info.syntheticOnly = training.syntheticOnly();
        info.adaptedToPhotos = training.adaptedToPhotos();
        info.adaptedData = QString::fromStdString(training.data);
        info.adaptationSteps = training.steps;
        info.initImagesSeen = training.initImagesSeen;
    }
    info.description = describe(session->config());
    info.flowPrior = session->config().usesFlowPrior();
    info.deviceName = QString::fromStdString(session->deviceName());
    info.onCuda = session->onCuda();
    info.hasPreview = session->hasPreview();
    info.canvas = session->canvas();
    return session;
}

}  // namespace

InferenceWorker::InferenceWorker(QObject* parent) : QObject(parent) {
    qRegisterMetaType<EngineInfo>();
    qRegisterMetaType<OpenedPhoto>();
    qRegisterMetaType<Frame>();
    qRegisterMetaType<RenderTicket>();
    qRegisterMetaType<FoundFace>();
    m_thread = QThread::create([this] { run(); });
    m_thread->setObjectName(QStringLiteral("inference worker"));
    m_thread->start();
}

InferenceWorker::~InferenceWorker() {
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_stop = true;
        m_tasks.clear();
        m_render.reset();
    }
    m_wake.notify_all();
    m_thread->wait();
    delete m_thread;
}

quint64 InferenceWorker::enqueue(const std::function<void(quint64)>& task) {
    quint64 id = 0;
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        id = m_nextJob++;
        m_tasks.push_back([task, id] { task(id); });
    }
    m_wake.notify_one();
    return id;
}

bool InferenceWorker::cancelled(quint64 job) {
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_cancelled.count(job) > 0;
}

void InferenceWorker::cancel(quint64 jobId) {
    std::lock_guard<std::mutex> lock(m_mutex);
    m_cancelled.insert(jobId);
}

quint64 InferenceWorker::loadEngine(const EngineSpec& spec) {
    return enqueue([this, spec](quint64 job) { doLoadEngine(job, spec); });
}

void InferenceWorker::capCpuThreads(int threads) {
    enqueue([this, threads](quint64) {
        m_threadCap = std::max(0, threads);
        applyThreads();
    });
}

void InferenceWorker::followThreadsOf(const EngineSpec& spec) {
    m_specThreads = spec.threads;
    if (m_threadCap > 0) applyThreads();  // loading the engine set the spec's count
}

void InferenceWorker::applyThreads() {
    const int wanted = m_specThreads > 0 ? m_specThreads : cpu_threads::defaultThreadCount();
    cpu_threads::configure(m_threadCap > 0 ? std::min(wanted, m_threadCap) : wanted);  // this thread's OpenMP team
}

quint64 InferenceWorker::openPhoto(const QString& path) {
    return enqueue([this, path](quint64 job) { doOpenPhoto(job, path); });
}

quint64 InferenceWorker::exportResult(const ExportJob& exportJob) {
    return enqueue([this, exportJob](quint64 job) { doExport(job, exportJob); });
}

void InferenceWorker::setPhoto(quint64 photoId, const cv::Mat& photo, const pose::Pose& reference) {
    enqueue([this, photoId, photo, reference](quint64) {
        m_photoId = photoId;
        m_photo = photo;
        m_reference = reference;
        m_sessionHasPhoto = false;
        if (m_session && reference.presentCount() >= 2) {
            m_session->setPhoto(photo, reference);
            m_sessionHasPhoto = true;
        }
    });
}

quint64 InferenceWorker::detectFace(quint64 photoId, const cv::Mat& photo, int faceIndex) {
    return enqueue([this, photoId, photo, faceIndex](quint64 job) {
        FoundFace found;
        found.photoId = photoId;
        try {
            found.face = std::make_shared<edit::PortraitFace>(edit::findPortraitFace(photo, "the photo", faceIndex));
        } catch (const std::exception& e) {
            found.error = QString::fromUtf8(e.what());
        }
        if (!cancelled(job)) Q_EMIT faceFound(job, found);
    });
}

void InferenceWorker::setPortraitPhoto(quint64 photoId, const cv::Mat& photo, const face::FaceLandmarks& reference) {
    enqueue([this, photoId, photo, reference](quint64) {
        m_facePhotoId = photoId;
        m_faceReference = reference;
        m_portraitHasPhoto = false;
        if (m_portraitSession) {
            m_portraitSession->setPhoto(photo, reference);
            m_portraitHasPhoto = true;
        }
    });
}

void InferenceWorker::render(const RenderTicket& ticket, const edit::RenderRequest& request) {
    queueRender(PendingRender{ticket, request, std::nullopt});
}

void InferenceWorker::render(const RenderTicket& ticket, const edit::PortraitRenderRequest& request) {
    queueRender(PendingRender{ticket, {}, request});
}

void InferenceWorker::queueRender(PendingRender render) {
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_render = std::move(render);  // an older request not started yet is dropped here
    }
    m_wake.notify_one();
}

void InferenceWorker::run() {
#ifdef __linux__
    // Below the GUI thread: on a machine whose cores the network fills, the window still gets the CPU
    // when it needs it. Threads this one starts (LibTorch's CPU pool) inherit the niceness.
    setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), kWorkerNiceness);
#endif
    for (;;) {
        Task task;
        std::optional<PendingRender> render;
        {
            std::unique_lock<std::mutex> lock(m_mutex);
            m_wake.wait(lock, [this] { return m_stop || !m_tasks.empty() || m_render.has_value(); });
            if (m_stop) return;
            if (!m_tasks.empty()) {  // jobs keep their order and go before renders (a render needs the photo)
                task = std::move(m_tasks.front());
                m_tasks.pop_front();
            } else {
                render = std::move(m_render);
                m_render.reset();
            }
        }
        try {
            if (task)
                task();
            else if (render)
                doRender(*render);
        } catch (const std::exception& e) {
            log::error("inference worker: ", e.what());  // jobs report their own errors; this is a last resort
        }
    }
}

void InferenceWorker::doLoadEngine(quint64 job, const EngineSpec& spec) {
    try {
        EngineInfo info;
        info.kind = spec.kind;
        const bool installed = spec.kind == model::SemanticsKind::Face
                                   ? install(job, spec, openSession<edit::PortraitSession>(spec, info),
                                             m_portraitSession, m_portraitHasPhoto, faceReference())
                                   : install(job, spec, openSession<edit::ReposeSession>(spec, info), m_session,
                                             m_sessionHasPhoto, bodyReference());
        if (installed) Q_EMIT engineLoaded(job, info);
    } catch (const std::exception& e) {
        if (!cancelled(job)) Q_EMIT engineFailed(job, QString::fromUtf8(e.what()));
    }
}

template <class Session, class Reference>
bool InferenceWorker::install(quint64 job, const EngineSpec& spec, std::unique_ptr<Session> session,
                              std::unique_ptr<Session>& held, bool& heldHasPhoto, const Reference* reference) {
    followThreadsOf(spec);
    if (reference) session->setPhoto(m_photo, *reference);
    if (cancelled(job)) return false;  // the previous engine stays; past this point the answer is sent
    held = std::move(session);         // the previous engine stays until a new one has loaded
    heldHasPhoto = reference != nullptr;
    return true;
}

const pose::Pose* InferenceWorker::bodyReference() const {
    return !m_photo.empty() && m_reference.presentCount() >= 2 ? &m_reference : nullptr;
}

const face::FaceLandmarks* InferenceWorker::faceReference() const {
    return !m_photo.empty() && m_faceReference && m_facePhotoId == m_photoId ? &*m_faceReference : nullptr;
}

void InferenceWorker::doOpenPhoto(quint64 job, const QString& path) {
    try {
        OpenedPhoto out;
        const std::string requested = path.toStdString();
        std::optional<edit::EditDocument> document;
        std::string documentPath;
        if (edit::isDocumentPath(requested)) {
            documentPath = requested;
            document = edit::readEditDocument(documentPath);  // a broken edit opened on purpose is an error
            out.photoPath = QString::fromStdString(edit::resolvePhotoPath(*document, documentPath));
        } else {
            out.photoPath = path;
            const std::string beside = edit::documentPathFor(requested);
            std::error_code ec;
            if (std::filesystem::is_regular_file(beside, ec)) {
                try {
                    document = edit::readEditDocument(beside);
                    documentPath = beside;
                } catch (const Error& e) {
                    out.warning = QObject::tr(
                                      "The saved edit beside this photo could not be read, so the photo was opened "
                                      "with a fresh skeleton. Saving will replace that file.\n\n%1")
                                      .arg(QString::fromUtf8(e.what()));
                }
            }
        }
        const std::string photoPath = out.photoPath.toStdString();
        const std::string bytes = files::readAll(photoPath, image::kMaxImageFileBytes);
        out.photo = image::decodeImage(bytes, photoPath);
        if (cancelled(job)) return;
        out.sha256 = sha256Of(bytes);
        out.image = toQImage(out.photo);
        const ImageSize size{out.photo.cols, out.photo.rows};
        if (document) {
            out.documentPath = QString::fromStdString(documentPath);
            out.reference = edit::clampedTo(document->reference, size);
            out.target = edit::clampedTo(document->target, size);
            out.note = QObject::tr("Edit read from %1.").arg(QFileInfo(out.documentPath).fileName());
            out.portraitEdit = document->portrait;
            out.portraitMode = document->mode == "portrait";
            out.method = edit::reposeMethodFromString(document->method);
            out.depth = deform::parseDepthOrder(document->depth);  // checked when read
            if (!document->photoSha256.empty() && QString::fromStdString(document->photoSha256) != out.sha256)
                out.warning =
                    QObject::tr("%1 changed since this edit was saved; its skeletons were kept and may need adjusting.")
                        .arg(QFileInfo(out.photoPath).fileName());
            if (!document->portrait && (out.reference.presentCount() < 2 || out.target.presentCount() < 2))
                throwFileError(documentPath, "the edit's skeletons need at least two joints each");
        }
        if (!document || out.reference.presentCount() < 2 || out.target.presentCount() < 2) {
            const edit::ReferencePose found = edit::findReferencePose(photoPath, out.photo, bodyDetector());
            out.reference = found.pose;
            out.target = found.pose;
            if (!document) out.note = QString::fromStdString(found.note);
        }
        if (cancelled(job)) return;
        findFace(out);
        if (!cancelled(job)) Q_EMIT photoOpened(job, out);
    } catch (const std::exception& e) {
        if (!cancelled(job)) Q_EMIT photoFailed(job, QString::fromUtf8(e.what()));
    }
}

const detect::MoveNet* InferenceWorker::bodyDetector() {
    if (!m_detectorTried) {
        m_detectorTried = true;
        try {
            // Thunder: the most accurate single-person model; opening a photo is not a live path.
            m_detector = std::make_unique<detect::MoveNet>(detect::bundledModelPath(detect::MoveNetVariant::Thunder));
        } catch (const std::exception& e) {
            log::warning("the body detector is not available: ", e.what());
        }
    }
    return m_detector.get();
}

void InferenceWorker::findFace(OpenedPhoto& out) {
    const auto start = std::chrono::steady_clock::now();
    const ImageSize size{out.photo.cols, out.photo.rows};
    const std::string photoPath = out.photoPath.toStdString();
    try {
        if (out.portraitEdit) {
            out.face = std::make_shared<edit::PortraitFace>(
                edit::fitPortraitFace(out.portraitEdit->reference, size, out.portraitEdit->faceIndex));
        } else {
            out.face = std::make_shared<edit::PortraitFace>(edit::findPortraitFace(out.photo, photoPath, 0));
            out.portraitMode = out.portraitMode || edit::looksLikePortrait(out.face->faceBox, size);
        }
    } catch (const std::exception& e) {
        out.face.reset();
        out.portraitMode = false;
        out.faceNote = QString::fromUtf8(e.what());
    }
    out.fitMilliseconds = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

void InferenceWorker::doRender(const PendingRender& render) {
    const RenderTicket& ticket = render.ticket;
    try {
        if (ticket.photoId != m_photoId) return;  // the photo changed since
        if (render.portrait) {
            if (!m_portraitSession) throw Error("no portrait model is loaded");
            if (!m_portraitHasPhoto || m_facePhotoId != m_photoId) throw Error("no face was found in this photo");
            emitFrame(ticket, m_portraitSession->render(*render.portrait));
            return;
        }
        if (!m_session) throw Error("no model is loaded");
        if (!m_sessionHasPhoto) throw Error("the reference skeleton needs at least two joints");
        emitFrame(ticket, m_session->render(render.body));
    } catch (const std::exception& e) {
        Q_EMIT renderFailed(ticket, QString::fromUtf8(e.what()));
    }
}

void InferenceWorker::emitFrame(const RenderTicket& ticket, const edit::RenderedFrame& rendered) {
    Frame frame;
    frame.ticket = ticket;
    frame.preview = rendered.preview;
    frame.prepared = rendered.prepared;
    frame.mapBox = QRectF(rendered.cropBox.x, rendered.cropBox.y, rendered.cropBox.width, rendered.cropBox.height);
    frame.method = rendered.method;
    if (rendered.method == edit::ReposeMethod::Hybrid && !rendered.photoResult.empty()) {
        setHybridResult(frame, rendered);
    } else {
        frame.cropBox = frame.mapBox;
        frame.output = toQImage(rendered.output, rendered.pasteAlpha);
    }
    frame.referenceCrop = toQImage(rendered.referenceCrop);
    frame.flow = toQImage(rendered.maps.flow);
    frame.combination = toQImage(rendered.maps.combination);
    frame.attention = toQImage(rendered.maps.attention);
    frame.attentionWarped = toQImage(rendered.maps.attentionWarped);
    frame.flowWarped = toQImage(rendered.maps.flowWarped);
    frame.visibility = toQImage(rendered.maps.visibility);
    frame.mesh = toQImage(rendered.maps.mesh);
    frame.holes = toQImage(rendered.maps.holes);
    for (const std::string& warning : rendered.warnings) frame.warnings << QString::fromStdString(warning);
    frame.milliseconds = rendered.milliseconds;
    frame.synthesisMilliseconds = rendered.synthesisMilliseconds;
    frame.deformMilliseconds = rendered.deformMilliseconds;
    frame.stages = stagesOf(rendered.timings);
    Q_EMIT frameReady(frame);
}

// Hybrid: only the changed pixels travel, at the photo's resolution (a sharp result, not the canvas's 256 x 176
// stretched over the crop), opaque; nothing when nothing moved.
void InferenceWorker::setHybridResult(Frame& frame, const edit::RenderedFrame& rendered) {
    frame.networkFilled = !rendered.networkMask.empty() && cv::countNonZero(rendered.networkMask) > 0;
    frame.flippedTriangles = rendered.flippedTriangles;
    const cv::Rect changed = rendered.changed & cv::Rect(0, 0, rendered.photoResult.cols, rendered.photoResult.rows);
    if (changed.empty()) return;
    frame.cropBox = QRectF(changed.x, changed.y, changed.width, changed.height);
    frame.output = toQImage(rendered.photoResult(changed)).convertToFormat(QImage::Format_ARGB32);
}

void InferenceWorker::doExport(quint64 job, const ExportJob& exportJob) {
    QStringList written;
    try {
        edit::RenderedFrame frame;  // the full synthesis, unless the user asked for the warp alone
        const bool mapsJob = exportJob.kind == ExportKind::Maps;
        const edit::MapSelection maps =
            mapsJob ? edit::MapSelection::all(exportJob.attentionPoint) : edit::MapSelection{};
        const bool warp = exportJob.warpOnly && !mapsJob;
        if (exportJob.faceTarget) {
            if (!m_portraitSession || !m_portraitHasPhoto) throw Error("nothing to export: no face is open");
            frame = m_portraitSession->render({*exportJob.faceTarget, warp, maps, exportJob.paste, exportJob.method});
        } else {
            if (!m_session || !m_sessionHasPhoto) throw Error("nothing to export: no photo is open");
            frame =
                m_session->render({exportJob.target, warp, maps, exportJob.paste, exportJob.method, exportJob.depth});
        }
        if (cancelled(job)) return;
        const std::string path = exportJob.path.toStdString();
        switch (exportJob.kind) {
            case ExportKind::Photo:
                image::saveImage(path, edit::editedPhoto(m_photo, frame));
                break;
            case ExportKind::Crop:
                image::saveImage(path, frame.output);
                break;
            case ExportKind::Maps:
                for (const auto& p : edit::writeMapImages(path, frame.referenceCrop, frame.output, frame.maps))
                    written << QString::fromStdString(p);
                break;
        }
        if (exportJob.kind != ExportKind::Maps) written << exportJob.path;
        if (!exportJob.editJson.isEmpty()) {
            const std::string beside = exportJob.kind == ExportKind::Maps
                                           ? (std::filesystem::path(path) / "edit.marionette.json").string()
                                           : path + edit::kEditDocumentSuffix;
            files::writeAtomically(beside, exportJob.editJson.toStdString());
            written << QString::fromStdString(beside);
        }
        if (!cancelled(job)) Q_EMIT exportFinished(job, written, QString());
    } catch (const std::exception& e) {
        if (!cancelled(job)) Q_EMIT exportFinished(job, written, QString::fromUtf8(e.what()));
    }
}

}  // namespace marionette::ui

#include "render_controller.h"

#include "document.h"
#include "editor_actions.h"
#include "inference_worker.h"
#include "maps_panel.h"
#include "pose_canvas.h"

#include "marionette/face/layout.h"
#include "marionette/ui/editor_options.h"
#include "marionette/ui/photo_point.h"
#include "marionette/ui/settings.h"

#include <QAction>
#include <QLabel>
#include <QTimer>

#include <algorithm>

namespace marionette::ui {
namespace {

constexpr int kDragPauseMilliseconds = 250;  // a drag that rests this long gets the full synthesis

}  // namespace

RenderController::RenderController(Document* document, InferenceWorker* worker, const EditorActions& actions,
                                   Views views, std::optional<bool> previewWhileDragging, ActiveEngine activeEngine,
                                   QObject* parent)
    : QObject(parent),
      m_document(document),
      m_worker(worker),
      m_actions(actions),
      m_views(views),
      m_previewWhileDragging(previewWhileDragging),
      m_activeEngine(std::move(activeEngine)),
      m_pauseTimer(new QTimer(this)) {
    m_pauseTimer->setSingleShot(true);
    m_pauseTimer->setInterval(kDragPauseMilliseconds);
    connect(m_pauseTimer, &QTimer::timeout, this, [this] {
        if (m_dragging) request(false);
    });
    connect(worker, &InferenceWorker::frameReady, this, &RenderController::onFrameReady);
    connect(worker, &InferenceWorker::renderFailed, this, &RenderController::onRenderFailed);
    connect(views.maps, &MapsPanel::selectionChanged, this, &RenderController::onMapSelectionChanged);
    connect(views.maps, &MapsPanel::opacityChanged, this, [this](double opacity) {
        m_views.result->setMapOpacity(opacity);
        m_views.reference->setMapOpacity(opacity);
        Settings::instance().set(Settings::Key::MapOpacity, opacity);
    });
    connect(views.result, &PoseCanvas::pointPicked, this, [this](const QPointF& p) {
        m_attentionPoint = p;
        m_views.result->setMarker(p);
        request(false);
    });
}

RenderController::~RenderController() = default;

bool RenderController::warpOnly() const { return m_actions.warpOnly->isChecked(); }
bool RenderController::portraitMode() const { return m_document->mode() == EditMode::Portrait; }

bool RenderController::isUpToDate() const {
    return m_frame && (!m_frame->preview || warpOnly()) && m_frame->ticket.serial == m_serial &&
           m_frame->ticket.photoId == m_document->photoId() && m_frame->ticket.generation == m_document->generation();
}

void RenderController::clear() {
    m_frame.reset();
    m_attentionPoint.reset();
    m_views.result->setMarker(std::nullopt);
}

void RenderController::forgetTimes() { m_lastFullMilliseconds = kUnmeasuredMilliseconds; }

void RenderController::request(bool preview) {
    if (!m_document->hasPhoto() || !m_activeEngine()) return;
    if (portraitMode() && !m_document->face()) return;
    preview = preview || warpOnly();
    const RenderTicket ticket{m_document->photoId(), ++m_serial, m_document->generation()};
    if (portraitMode()) {
        edit::PortraitRenderRequest request;
        request.target = m_document->portraitTarget();
        request.preview = preview;
        if (!preview) request.maps = selectedMaps();
        request.paste = m_actions.pasteExtent();
        request.method = m_document->method();
        m_worker->render(ticket, request);
    } else {
        edit::RenderRequest request;
        request.target = m_document->target();
        request.preview = preview;
        if (!preview) request.maps = selectedMaps();
        request.paste = m_actions.pasteExtent();
        request.method = m_document->method();
        request.depth = m_document->depth();
        m_worker->render(ticket, request);
    }
    updateModeLabel();
}

void RenderController::requestWhileDragging(bool restGetsFull) {
    const bool preview = m_dragging && usePreview();
    request(preview);
    // A slow synthesis needs a longer rest, or a short hesitation would hold the previews back until it finished.
    if (preview && restGetsFull)
        m_pauseTimer->start(
            static_cast<int>(std::clamp(0.5 * m_lastFullMilliseconds, double(kDragPauseMilliseconds), 1500.0)));
}

void RenderController::endDrag() {
    m_dragging = false;
    m_pauseTimer->stop();
    request(false);
}

bool RenderController::usePreview() const {
    const EngineInfo* engine = m_activeEngine();
    if (!engine || !engine->hasPreview) return false;
    if (m_previewWhileDragging) return *m_previewWhileDragging;
    return !engine->onCuda && m_lastFullMilliseconds > kPreviewThresholdMilliseconds;
}

void RenderController::onFrameReady(const Frame& frame) {
    if (frame.ticket.photoId != m_document->photoId()) return;            // another photo's
    if (m_frame && frame.ticket.serial < m_frame->ticket.serial) return;  // older than what is shown
    m_frame = std::make_unique<Frame>(frame);
    m_views.result->setResult(frame.output, frame.cropBox);
    if (!frame.preview) {
        // The first full synthesis after a load or another photo pays one-time set-up (oneDNN builds its
        // kernels on first use: 400 ms and more for a 65 ms edit). It is run again once, unseen, so that the
        // first drag chooses between the preview and the full synthesis by a warm figure.
        const bool firstMeasure = m_lastFullMilliseconds >= kUnmeasuredMilliseconds;
        // Hybrid's full render is the warp's best fill plus the network only where holes opened: all of it counts.
        m_lastFullMilliseconds =
            frame.method == edit::ReposeMethod::Hybrid ? frame.milliseconds : frame.synthesisMilliseconds;
        if (firstMeasure && !m_dragging) QTimer::singleShot(0, this, [this] { request(false); });
        showMapOverlays();
        m_views.maps->showFrame(frame, m_attentionPoint.has_value());
    } else if (warpOnly()) {
        showMapOverlays();  // no maps: clears the overlays
        m_views.maps->showFrame(frame, m_attentionPoint.has_value(), /*warpOnly=*/true);
    }
    updateModeLabel();
    Q_EMIT warningsChanged(frame.warnings);
    showFrameTimes(frame);
    Q_EMIT frameShown();
}

void RenderController::onRenderFailed(const RenderTicket& ticket, const QString& message) {
    if (ticket.photoId != m_document->photoId()) return;
    m_frame.reset();
    m_views.result->clearResult();
    m_views.modeLabel->setText(tr("No result"));
    Q_EMIT failed(tr("Cannot synthesise: %1").arg(message));
}

void RenderController::showFrameTimes(const Frame& frame) {
    m_views.latencyLabel->setText(tr("%1 ms/edit").arg(frame.milliseconds, 0, 'f', 0));
    m_views.latencyLabel->setToolTip(tr("%1 ms moving the photo's pixels, %2 ms in the network; stages: %3")
                                         .arg(frame.deformMilliseconds, 0, 'f', 1)
                                         .arg(frame.synthesisMilliseconds, 0, 'f', 1)
                                         .arg(frame.stages));
}

void RenderController::updateModeLabel() {
    if (!m_frame) {
        m_views.modeLabel->setText(m_serial ? tr("Synthesising\u2026") : QString());
        return;
    }
    const bool hybrid = m_frame->method == edit::ReposeMethod::Hybrid;
    const QString full = !hybrid                  ? tr("Full synthesis")
                         : m_frame->networkFilled ? tr("Sharp re-posing + network")
                                                  : tr("Sharp re-posing");
    const QString shown = !m_frame->preview ? full : warpOnly() ? tr("Warp only") : tr("Preview");
    // Behind the newest request: say that a newer result is on its way.
    m_views.modeLabel->setText(m_frame->ticket.serial < m_serial ? tr("%1 \u2014 updating\u2026").arg(shown) : shown);
}

edit::MapSelection RenderController::selectedMaps() const {
    edit::MapSelection maps;
    switch (m_views.maps->selected()) {
        case MapKind::None:
            break;
        case MapKind::Flow:
            maps.flow = true;
            break;
        case MapKind::Combination:
            maps.combination = true;
            break;
        case MapKind::AttentionWarped:
            maps.attentionWarped = true;
            break;
        case MapKind::FlowWarped:
            maps.flowWarped = true;
            break;
        case MapKind::Visibility:
            maps.visibility = true;
            break;
        case MapKind::Attention:
            if (m_attentionPoint) maps.attentionPoint = toPoint2(*m_attentionPoint);
            break;
        // MapSelection has no entry of their own: Hybrid draws its mesh and holes whenever any map is asked for.
        case MapKind::Mesh:
        case MapKind::Holes:
            maps.flow = true;
            break;
    }
    return maps;
}

void RenderController::showMapOverlays() {
    if (!m_frame) return;
    const MapKind kind = m_views.maps->selected();
    const double opacity = m_views.maps->opacity();
    if (kind == MapKind::Attention) {  // over the reference: where the result reads from
        m_views.result->setMapOverlay(QImage(), QRectF(), 0);
        m_views.reference->setMapOverlay(m_frame->attention, m_frame->mapBox, opacity);
    } else {
        m_views.result->setMapOverlay(MapsPanel::mapOf(*m_frame, kind), m_frame->mapBox, opacity);
        m_views.reference->setMapOverlay(QImage(), QRectF(), 0);
    }
}

void RenderController::onMapSelectionChanged(MapKind kind) {
    const bool attention = kind == MapKind::Attention;
    m_views.result->setPointPicking(attention);
    if (attention && !m_attentionPoint && m_document->hasPhoto() && portraitMode())
        m_attentionPoint = toQPointF(m_document->portraitTarget().points[face::kNoseTip]);
    if (attention && !m_attentionPoint && m_document->hasPhoto()) {
        // Start somewhere telling: the right wrist, else the first joint.
        const pose::Pose& t = m_document->target();
        for (pose::JointId j :
             {pose::JointId::RightWrist, pose::JointId::LeftWrist, pose::JointId::Nose, pose::JointId::Neck}) {
            if (!t.has(j)) continue;
            m_attentionPoint = toQPointF(t.at(j).position);
            break;
        }
    }
    m_views.result->setMarker(attention ? m_attentionPoint : std::nullopt);
    showMapOverlays();
    request(false);
}

}  // namespace marionette::ui

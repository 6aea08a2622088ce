#include "maps_panel.h"

#include "image_convert.h"

#include "marionette/edit/round_trip.h"

#include <QAction>
#include <QActionGroup>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QSlider>
#include <QToolButton>
#include <QVBoxLayout>

namespace marionette::ui {
namespace {

struct MapInfo {
    MapKind kind;
    const char* objectName;
    const char* title;
    const char* caption;
};

const MapInfo kMaps[] = {
    {MapKind::Flow, "actionMapFlow", QT_TRANSLATE_NOOP("MapsPanel", "Flow"),
     QT_TRANSLATE_NOOP("MapsPanel",
                       "Where each pixel of the result is read from by the flow: hue is the direction, "
                       "saturation the distance (white stays put).")},
    {MapKind::Attention, "actionMapAttention", QT_TRANSLATE_NOOP("MapsPanel", "Attention"),
     QT_TRANSLATE_NOOP("MapsPanel",
                       "Click a point on the result: the reference view shows where that point reads from.")},
    {MapKind::Combination, "actionMapCombination", QT_TRANSLATE_NOOP("MapsPanel", "Combination"),
     QT_TRANSLATE_NOOP("MapsPanel", "Which deformation the network trusts: red = attention, blue = flow.")},
    {MapKind::AttentionWarped, "actionMapAttentionWarped", QT_TRANSLATE_NOOP("MapsPanel", "Attention-warped"),
     QT_TRANSLATE_NOOP("MapsPanel", "The reference moved by attention alone (quarter resolution).")},
    {MapKind::FlowWarped, "actionMapFlowWarped", QT_TRANSLATE_NOOP("MapsPanel", "Flow-warped"),
     QT_TRANSLATE_NOOP("MapsPanel", "The reference moved by the flow alone (quarter resolution).")},
    {MapKind::Visibility, "actionMapVisibility", QT_TRANSLATE_NOOP("MapsPanel", "Visibility"),
     QT_TRANSLATE_NOOP("MapsPanel",
                       "Weights that refine the warp: red where the result keeps the warped photo, blue where the "
                       "network draws instead (empty for other weights).")},
    {MapKind::Mesh, "actionMapMesh", QT_TRANSLATE_NOOP("MapsPanel", "Mesh"),
     QT_TRANSLATE_NOOP("MapsPanel",
                       "Sharp re-posing: the meshes that carry the photo's pixels, one colour per body part, "
                       "in the new pose.")},
    {MapKind::Holes, "actionMapHoles", QT_TRANSLATE_NOOP("MapsPanel", "Holes / network"),
     QT_TRANSLATE_NOOP("MapsPanel",
                       "Sharp re-posing: red where the person was and is no more (filled from the background), "
                       "green where the network drew what the photo never showed.")},
};

bool isDeformMap(MapKind kind) { return kind == MapKind::Mesh || kind == MapKind::Holes; }

}  // namespace

MapsPanel::MapsPanel(QWidget* parent) : QWidget(parent), m_group(new QActionGroup(this)) {
    setObjectName(QStringLiteral("mapsPanel"));
    m_group->setExclusionPolicy(QActionGroup::ExclusionPolicy::ExclusiveOptional);
    auto* buttons = new QGridLayout;
    int i = 0;
    for (const MapInfo& info : kMaps) {
        auto* action = new QAction(tr(info.title), this);
        action->setObjectName(QString::fromLatin1(info.objectName));
        action->setCheckable(true);
        action->setData(QVariant::fromValue(info.kind));
        action->setShortcut(QKeySequence(Qt::CTRL | static_cast<Qt::Key>(Qt::Key_1 + i)));
        action->setToolTip(tr(info.caption));
        m_group->addAction(action);
        m_actions << action;
        auto* button = new QToolButton;
        button->setDefaultAction(action);
        button->setToolButtonStyle(Qt::ToolButtonTextOnly);
        button->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
        buttons->addWidget(button, i / 2, i % 2);
        ++i;
    }
    connect(m_group, &QActionGroup::triggered, this, [this] {
        updateTexts();
        Q_EMIT selectionChanged(selected());
    });

    m_opacity = new QSlider(Qt::Horizontal);
    m_opacity->setObjectName(QStringLiteral("mapOpacitySlider"));
    m_opacity->setRange(0, 100);
    m_opacity->setValue(70);
    m_opacity->setToolTip(tr("Opacity of the map over the image"));
    connect(m_opacity, &QSlider::valueChanged, this, [this](int v) { Q_EMIT opacityChanged(v / 100.0); });

    m_thumbnail = new QLabel;
    m_thumbnail->setObjectName(QStringLiteral("mapThumbnail"));
    m_thumbnail->setAlignment(Qt::AlignCenter);
    m_thumbnail->setMinimumSize(176, 200);
    m_thumbnail->setStyleSheet(QStringLiteral("background: #262628; color: #aaa;"));

    m_legend = new QLabel;
    m_legend->setObjectName(QStringLiteral("flowLegend"));
    m_legend->setPixmap(QPixmap::fromImage(toQImage(edit::flowLegend(56))));
    m_legend->setToolTip(tr("Flow colours: the direction a pixel is read from"));
    m_caption = new QLabel;
    m_caption->setObjectName(QStringLiteral("mapCaption"));
    m_caption->setWordWrap(true);
    m_stages = new QLabel;
    m_stages->setObjectName(QStringLiteral("stageTimingsLabel"));
    m_stages->setWordWrap(true);
    m_stages->setStyleSheet(QStringLiteral("color: palette(mid);"));

    auto* opacityRow = new QHBoxLayout;
    opacityRow->addWidget(new QLabel(tr("Opacity")));
    opacityRow->addWidget(m_opacity);
    auto* captionRow = new QHBoxLayout;
    captionRow->addWidget(m_legend, 0, Qt::AlignTop);
    captionRow->addWidget(m_caption, 1);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(buttons);
    layout->addLayout(opacityRow);
    layout->addWidget(m_thumbnail, 1);
    layout->addLayout(captionRow);
    layout->addWidget(m_stages);
    updateTexts();
}

MapKind MapsPanel::selected() const {
    const QAction* checked = m_group->checkedAction();
    return checked ? checked->data().value<MapKind>() : MapKind::None;
}

void MapsPanel::select(MapKind kind) {
    for (QAction* a : m_actions) a->setChecked(a->data().value<MapKind>() == kind);
    updateTexts();
    Q_EMIT selectionChanged(selected());
}

double MapsPanel::opacity() const { return m_opacity->value() / 100.0; }
void MapsPanel::setOpacity(double opacity) { m_opacity->setValue(static_cast<int>(std::lround(opacity * 100))); }

QImage MapsPanel::mapOf(const Frame& frame, MapKind kind) {
    switch (kind) {
        case MapKind::None:
            return {};
        case MapKind::Flow:
            return frame.flow;
        case MapKind::Attention:
            return frame.attention;
        case MapKind::Combination:
            return frame.combination;
        case MapKind::AttentionWarped:
            return frame.attentionWarped;
        case MapKind::FlowWarped:
            return frame.flowWarped;
        case MapKind::Visibility:
            return frame.visibility;
        case MapKind::Mesh:
            return frame.mesh;
        case MapKind::Holes:
            return frame.holes;
    }
    return {};
}

void MapsPanel::showFrame(const Frame& frame, bool hasAttentionPoint, bool warpOnly) {
    const QImage map = mapOf(frame, selected());
    if (!map.isNull()) {
        m_thumbnail->setPixmap(
            QPixmap::fromImage(map).scaled(m_thumbnail->size(), Qt::KeepAspectRatio, Qt::SmoothTransformation));
    } else if (warpOnly && selected() != MapKind::None) {
        m_thumbnail->setPixmap(QPixmap());
        m_thumbnail->setText(tr("Warp only: the network does not run, so there is no map (Model \u25b8 Warp Only)"));
    } else if (!frame.preview) {
        m_thumbnail->setPixmap(QPixmap());
        m_thumbnail->setText(missingText(frame, hasAttentionPoint));
    }
    setStages(frame.stages);
}

QString MapsPanel::missingText(const Frame& frame, bool hasAttentionPoint) const {
    const MapKind kind = selected();
    if (kind == MapKind::None) return tr("No map selected");
    if (kind == MapKind::Attention && !hasAttentionPoint) return tr("Click a point on the result");
    if (isDeformMap(kind) && frame.method != edit::ReposeMethod::Hybrid)
        return tr("Only sharp re-posing draws this map (Model \u25b8 Sharp Re-posing)");
    if (kind == MapKind::Holes) return tr("Nothing moved, so no hole opened");
    return tr("This model does not compute this map");
}

void MapsPanel::setStages(const QString& stages) {
    m_stages->setText(stages.isEmpty() ? QString() : tr("Stages (ms): %1").arg(stages));
}

void MapsPanel::updateTexts() {
    const MapKind kind = selected();
    m_legend->setVisible(kind == MapKind::Flow);
    m_caption->setText(tr("Pick a map to see what the network computed."));
    for (const MapInfo& info : kMaps) {
        if (info.kind == kind) m_caption->setText(tr(info.caption));
    }
}

}  // namespace marionette::ui

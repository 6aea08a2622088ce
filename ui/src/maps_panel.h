#pragma once
// The Maps dock: which map of the network to show (flow, attention of a point, combination, the attention-
// and flow-warped references) or of the sharp re-posing (its meshes, its holes and where the network filled
// them), its opacity over the image, a thumbnail, a legend and the stage timings.
#include "inference_worker.h"

#include <QWidget>

class QActionGroup;
class QAction;
class QLabel;
class QSlider;

namespace marionette::ui {

enum class MapKind { None, Flow, Attention, Combination, AttentionWarped, FlowWarped, Visibility, Mesh, Holes };

class MapsPanel : public QWidget {
    Q_OBJECT
public:
    explicit MapsPanel(QWidget* parent = nullptr);

    // Ctrl+1..7: one checkable action per map (ExclusiveOptional: none checked shows no map).
    const QList<QAction*>& mapActions() const { return m_actions; }
    MapKind selected() const;
    void select(MapKind kind);
    double opacity() const;  // 0..1
    void setOpacity(double opacity);

    // The selected map of a frame (null when the frame does not hold it).
    static QImage mapOf(const Frame& frame, MapKind kind);
    // `warpOnly`: the frame is the result of Model > Warp Only, which computes no maps (say so instead of
    // keeping the last synthesis's map, as a drag's previews do).
    void showFrame(const Frame& frame, bool hasAttentionPoint, bool warpOnly = false);
    void setStages(const QString& stages);

Q_SIGNALS:
    void selectionChanged(marionette::ui::MapKind kind);
    void opacityChanged(double opacity);

private:
    void updateTexts();
    // Why the selected map is not in a full frame.
    QString missingText(const Frame& frame, bool hasAttentionPoint) const;

    QActionGroup* m_group;
    QList<QAction*> m_actions;
    QSlider* m_opacity;
    QLabel* m_thumbnail;
    QLabel* m_legend;
    QLabel* m_caption;
    QLabel* m_stages;
};

}  // namespace marionette::ui

Q_DECLARE_METATYPE(marionette::ui::MapKind)

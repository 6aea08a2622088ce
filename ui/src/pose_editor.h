#pragma once
// The body's edits that are not drags: the joint and background menus of both views (hide, restore and
// place joints, a limb's depth), mirror and reset, pose presets, and OpenPose import and export. Each edit is
// one undo step on the document.
#include "document.h"

#include "marionette/deform/body_parts.h"
#include "marionette/pose/pose.h"

#include <QObject>
#include <QPoint>
#include <QPointF>
#include <QString>

#include <memory>
#include <optional>

class QAction;
class QMenu;
class QStatusBar;
class QWidget;

namespace marionette::ui {

class PoseCanvas;
class RenderController;
struct EditorActions;

class PoseEditor : public QObject {
    Q_OBJECT
public:
    // Boxes open over `window`; short notes go on `statusBar`; drags ask `render` for results.
    PoseEditor(Document* document, RenderController* render, QWidget* window, QStatusBar* statusBar);

    // Connects the Pose menu's actions and File's pose import and export, and fills Pose > Presets: one action
    // per bundled preset (actionPreset_<name>), then Load Preset File and Save Pose as Preset.
    void connectActions(const EditorActions& actions, QMenu* presets);
    // The drags, nudges and menus of a view: the result's target skeleton or the reference's.
    void attach(PoseCanvas* canvas, bool onReference);
    QMenu* presetMenu() const { return m_presetMenu; }

    void showJointMenu(bool onReference, pose::JointId joint, const QPoint& globalPosition);
    // `limb`: the menu of a bone of the result view (pose::limbs()[limb]), which adds its limb's depth choices.
    void showBackgroundMenu(bool onReference, const QPointF& photoPoint, const QPoint& globalPosition,
                            std::optional<int> limb = std::nullopt);

    void applyEdit(const QString& name, const PosePair& after);
    // Drags: a drag of the target is one undo step when it ends; dragging the reference carries the target
    // joints the user has not moved away from it; an arrow-key nudge merges with the joint's previous nudges.
    void finishTargetDrag(const pose::Pose& before, const pose::Pose& after, const QString& name);
    void beginReferenceDrag();
    void dragReference(const pose::Pose& reference);
    void finishReferenceDrag(const QString& name);
    void nudge(bool onReference, const pose::Pose& before, const pose::Pose& after, pose::JointId joint,
               const QString& name);
    void mirrorPose();
    void resetPose();
    void loadPresetFile();
    void importPose();
    void exportPose();

private:
    // "Draw In Front of the Body", "Draw Behind the Body", "Automatic Depth" for the limb `part` (not the trunk).
    void addDepthActions(QMenu& menu, deform::BodyPart part);
    void setLimbDepth(deform::BodyPart part, deform::Depth depth);
    void hideJoint(bool onReference, pose::JointId joint);
    void restoreJoint(bool onReference, pose::JointId joint, std::optional<QPointF> at);
    void applyPreset(const QString& title, const QString& jsonText, const QString& sourceName);
    ImageSize photoSize() const;

    Document* m_document;
    RenderController* m_render;
    QWidget* m_window;
    QStatusBar* m_statusBar;
    QMenu* m_presetMenu = nullptr;
    QAction* m_mirror = nullptr;
    QAction* m_reset = nullptr;
    std::unique_ptr<PosePair> m_referenceDragStart;
};

}  // namespace marionette::ui

#include "pose_editor.h"

#include "editor_actions.h"
#include "pose_canvas.h"
#include "pose_commands.h"
#include "render_controller.h"

#include "marionette/edit/pose_editing.h"
#include "marionette/pose/openpose_json.h"
#include "marionette/ui/file_dialog.h"
#include "marionette/ui/message_box.h"
#include "marionette/ui/photo_point.h"
#include "marionette/util/error.h"

#include "atomic_save.h"

#include <QAction>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QMenu>
#include <QStatusBar>
#include <QWidget>

namespace marionette::ui {
namespace {

// "arms_raised.json" -> "Arms raised".
QString presetTitle(const QString& fileName) {
    QString title = QFileInfo(fileName).completeBaseName().replace(QLatin1Char('_'), QLatin1Char(' '));
    if (!title.isEmpty()) title[0] = title[0].toUpper();
    return title;
}

}  // namespace

PoseEditor::PoseEditor(Document* document, RenderController* render, QWidget* window, QStatusBar* statusBar)
    : QObject(window), m_document(document), m_render(render), m_window(window), m_statusBar(statusBar) {}

void PoseEditor::connectActions(const EditorActions& a, QMenu* presets) {
    connect(a.importPose, &QAction::triggered, this, &PoseEditor::importPose);
    connect(a.exportPose, &QAction::triggered, this, &PoseEditor::exportPose);
    connect(a.mirrorPose, &QAction::triggered, this, &PoseEditor::mirrorPose);
    connect(a.resetPose, &QAction::triggered, this, &PoseEditor::resetPose);
    connect(a.loadPreset, &QAction::triggered, this, &PoseEditor::loadPresetFile);
    connect(a.savePreset, &QAction::triggered, this, &PoseEditor::exportPose);
    m_presetMenu = presets;
    m_mirror = a.mirrorPose;
    m_reset = a.resetPose;
    QDir folder(QStringLiteral(":/presets"));
    for (const QString& name : folder.entryList({QStringLiteral("*.json")}, QDir::Files, QDir::Name)) {
        const QString title = presetTitle(name);
        auto* a = presets->addAction(title);
        a->setObjectName(QStringLiteral("actionPreset_") + QFileInfo(name).completeBaseName());
        const QString resource = folder.filePath(name);
        connect(a, &QAction::triggered, this, [this, title, resource] {
            QFile f(resource);
            f.open(QIODevice::ReadOnly);
            applyPreset(title, QString::fromUtf8(f.readAll()), resource);
        });
    }
    presets->addSeparator();
    presets->addAction(a.loadPreset);
    presets->addAction(a.savePreset);
}

void PoseEditor::attach(PoseCanvas* canvas, bool onReference) {
    connect(canvas, &PoseCanvas::gestureStarted, this, [this, onReference] {
        m_render->beginDrag();
        if (onReference) beginReferenceDrag();
    });
    connect(canvas, &PoseCanvas::poseDragged, this, [this, onReference](const pose::Pose& p) {
        if (onReference)
            dragReference(p);
        else
            m_document->setTarget(p);
    });
    connect(canvas, &PoseCanvas::gestureFinished, this,
            [this, onReference](const pose::Pose& before, const pose::Pose& after, const QString& name) {
                if (onReference)
                    finishReferenceDrag(name);
                else
                    finishTargetDrag(before, after, name);
                m_render->endDrag();
            });
    connect(canvas, &PoseCanvas::poseNudged, this,
            [this, onReference](const pose::Pose& before, const pose::Pose& after, pose::JointId joint,
                                const QString& name) {
                nudge(onReference, before, after, joint, name);
                m_render->request(false);
            });
    connect(canvas, &PoseCanvas::jointMenuRequested, this,
            [this, onReference](pose::JointId j, const QPoint& at) { showJointMenu(onReference, j, at); });
    connect(canvas, &PoseCanvas::backgroundMenuRequested, this,
            [this, onReference](const QPointF& p, const QPoint& at) { showBackgroundMenu(onReference, p, at); });
    // Only the result's bones offer their limb's depth: the reference is the photo as it is.
    connect(canvas, &PoseCanvas::limbMenuRequested, this,
            [this, onReference](int limb, const QPointF& p, const QPoint& at) {
                showBackgroundMenu(onReference, p, at, onReference ? std::nullopt : std::optional<int>(limb));
            });
}

ImageSize PoseEditor::photoSize() const { return {m_document->photoSize().width(), m_document->photoSize().height()}; }

void PoseEditor::applyEdit(const QString& name, const PosePair& after) {
    if (!m_document->hasPhoto() || after == m_document->poses()) return;
    m_document->undoStack()->push(new PoseCommand(m_document, name, m_document->poses(), after));
}

void PoseEditor::finishTargetDrag(const pose::Pose& before, const pose::Pose& after, const QString& name) {
    if (before == after) return;
    const pose::Pose& reference = m_document->reference();
    m_document->undoStack()->push(new PoseCommand(m_document, name, {reference, before}, {reference, after}));
}

void PoseEditor::beginReferenceDrag() { m_referenceDragStart = std::make_unique<PosePair>(m_document->poses()); }

void PoseEditor::dragReference(const pose::Pose& reference) {
    if (!m_referenceDragStart) return;
    const PosePair& start = *m_referenceDragStart;
    pose::Pose target = start.target;
    for (int i = 0; i < pose::kJointCount; ++i) {
        const pose::JointId j = pose::jointAt(i);
        const auto r = start.reference.find(j), t = start.target.find(j), now = reference.find(j);
        if (r && t && now && r->position.x == t->position.x && r->position.y == t->position.y) target.set(j, *now);
    }
    m_document->setPoses({reference, target});
}

void PoseEditor::finishReferenceDrag(const QString& name) {
    if (m_referenceDragStart && *m_referenceDragStart != m_document->poses())
        m_document->undoStack()->push(new PoseCommand(m_document, name, *m_referenceDragStart, m_document->poses()));
    m_referenceDragStart.reset();
}

void PoseEditor::nudge(bool onReference, const pose::Pose& before, const pose::Pose& after, pose::JointId joint,
                       const QString& name) {
    constexpr int kReferenceMergeKeys = 100;  // the reference's nudges merge apart from the target's
    const PosePair from =
        onReference ? PosePair{before, m_document->target()} : PosePair{m_document->reference(), before};
    const PosePair to = onReference ? PosePair{after, m_document->target()} : PosePair{m_document->reference(), after};
    m_document->undoStack()->push(
        new PoseCommand(m_document, name, from, to, pose::index(joint) + (onReference ? kReferenceMergeKeys : 0)));
}

void PoseEditor::hideJoint(bool onReference, pose::JointId joint) {
    PosePair after = m_document->poses();
    pose::Pose& p = onReference ? after.reference : after.target;
    if (!p.has(joint)) return;
    if (p.presentCount() <= 2) {
        m_statusBar->showMessage(tr("A skeleton needs at least two joints."), 5000);
        return;
    }
    p.remove(joint);
    applyEdit(tr("Hide %1%2").arg(onReference ? tr("reference ") : QString(), lowerJointLabel(joint)), after);
}

void PoseEditor::restoreJoint(bool onReference, pose::JointId joint, std::optional<QPointF> at) {
    PosePair after = m_document->poses();
    pose::Pose& p = onReference ? after.reference : after.target;
    const Point2 position =
        at ? toPoint2(*at)
           : edit::restorePosition(joint, p, onReference ? m_document->target() : m_document->reference());
    p.set(joint, position.x, position.y);
    p = edit::clampedTo(p, photoSize());
    applyEdit(tr("%1 %2%3").arg(at ? tr("Place") : tr("Restore"), onReference ? tr("reference ") : QString(),
                                lowerJointLabel(joint)),
              after);
}

void PoseEditor::showJointMenu(bool onReference, pose::JointId joint, const QPoint& globalPosition) {
    QMenu menu(m_window);
    menu.setObjectName(QStringLiteral("jointMenu"));
    const QString label = QString::fromUtf8(pose::jointLabel(joint));
    menu.addAction(tr("Hide %1").arg(label), this, [this, onReference, joint] { hideJoint(onReference, joint); });
    if (!onReference && m_document->reference().has(joint))
        menu.addAction(tr("Back to Its Reference Position"), this,
                       [this, joint] { restoreJoint(false, joint, std::nullopt); });
    if (!onReference && deform::isLimb(deform::partOfJoint(joint))) addDepthActions(menu, deform::partOfJoint(joint));
    if (!onReference) {
        menu.addSeparator();
        menu.addAction(m_mirror);
        menu.addAction(m_reset);
    }
    menu.exec(globalPosition);
}

void PoseEditor::addDepthActions(QMenu& menu, deform::BodyPart part) {
    menu.addSeparator();
    menu.setToolTipsVisible(true);
    const bool hybrid = m_document->method() == edit::ReposeMethod::Hybrid;
    const deform::Depth current = m_document->depth().of(part);
    const QString limb = QString::fromUtf8(deform::bodyPartLabel(part)).toLower();
    for (const auto& [depth, text] : {std::pair{deform::Depth::Front, tr("Draw In Front of the Body")},
                                      std::pair{deform::Depth::Behind, tr("Draw Behind the Body")},
                                      std::pair{deform::Depth::Auto, tr("Automatic Depth")}}) {
        const deform::Depth d = depth;
        QAction* a = menu.addAction(text, this, [this, part, d] { setLimbDepth(part, d); });
        a->setCheckable(true);
        a->setChecked(current == d);
        a->setEnabled(hybrid);  // the network draws the person whole: it has no layers to order
        a->setToolTip(hybrid ? tr("Where the %1 is drawn when it crosses the body").arg(limb)
                             : tr("Only sharp re-posing draws limbs in front of or behind the body (Model menu)"));
    }
}

void PoseEditor::setLimbDepth(deform::BodyPart part, deform::Depth depth) {
    deform::DepthOrder after = m_document->depth();
    if (after.of(part) == depth) return;
    after.set(part, depth);
    const QString limb = QString::fromUtf8(deform::bodyPartLabel(part)).toLower();
    const QString name = depth == deform::Depth::Front    ? tr("Draw %1 in front of the body").arg(limb)
                         : depth == deform::Depth::Behind ? tr("Draw %1 behind the body").arg(limb)
                                                          : tr("Automatic depth for %1").arg(limb);
    m_document->undoStack()->push(new DepthCommand(m_document, name, m_document->depth(), after));
}

void PoseEditor::showBackgroundMenu(bool onReference, const QPointF& photoPoint, const QPoint& globalPosition,
                                    std::optional<int> limb) {
    QMenu menu(m_window);
    menu.setObjectName(QStringLiteral("backgroundMenu"));
    if (limb) {
        const deform::BodyPart part = deform::partOfJoint(pose::limbs()[static_cast<std::size_t>(*limb)].child);
        if (deform::isLimb(part)) {
            addDepthActions(menu, part);
            menu.addSeparator();
        }
    }
    const pose::Pose& p = onReference ? m_document->reference() : m_document->target();
    QMenu* restore = menu.addMenu(tr("Restore Joint"));
    QMenu* place = menu.addMenu(tr("Place Joint Here"));
    for (int i = 0; i < pose::kJointCount; ++i) {
        const pose::JointId j = pose::jointAt(i);
        if (p.has(j)) continue;
        const QString label = QString::fromUtf8(pose::jointLabel(j));
        restore->addAction(label, this, [this, onReference, j] { restoreJoint(onReference, j, std::nullopt); });
        place->addAction(label, this, [this, onReference, j, photoPoint] { restoreJoint(onReference, j, photoPoint); });
    }
    restore->setEnabled(!restore->isEmpty());
    place->setEnabled(!place->isEmpty());
    if (!onReference) {
        menu.addSeparator();
        menu.addAction(m_reset);
        menu.addAction(m_mirror);
        menu.addMenu(m_presetMenu);
    }
    menu.exec(globalPosition);
}

void PoseEditor::mirrorPose() {
    applyEdit(tr("Mirror pose"),
              {m_document->reference(), edit::clampedTo(edit::mirrorPose(m_document->target()), photoSize())});
}

void PoseEditor::resetPose() { applyEdit(tr("Reset pose"), {m_document->reference(), m_document->reference()}); }

void PoseEditor::applyPreset(const QString& title, const QString& jsonText, const QString& sourceName) {
    if (!m_document->hasPhoto()) return;
    try {
        const pose::People people = pose::parseOpenPoseJson(jsonText.toStdString(), sourceName.toStdString());
        if (people.empty()) throw Error(sourceName.toStdString() + ": holds no person");
        const pose::Pose fitted =
            edit::clampedTo(edit::fitPoseTo(people.front(), m_document->reference()), photoSize());
        applyEdit(tr("Apply preset %1").arg(title), {m_document->reference(), fitted});
    } catch (const std::exception& e) {
        MessageBox::critical(m_window, tr("Cannot load the preset"), QString::fromUtf8(e.what()));
    }
}

void PoseEditor::loadPresetFile() {
    const QString path =
        FileDialog::getOpenFileName(m_window, tr("Load Preset"), tr("OpenPose JSON (*.json);;All files (*)"));
    if (path.isEmpty()) return;
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        MessageBox::critical(m_window, tr("Cannot load the preset"), tr("%1: %2").arg(path, f.errorString()));
        return;
    }
    applyPreset(presetTitle(path), QString::fromUtf8(f.read(static_cast<qint64>(pose::kMaxPoseJsonBytes))), path);
}

void PoseEditor::importPose() {
    const QString path =
        FileDialog::getOpenFileName(m_window, tr("Import Pose"), tr("OpenPose JSON (*.json);;All files (*)"));
    if (path.isEmpty()) return;
    try {
        const pose::People people = pose::readOpenPoseJson(path.toStdString());
        if (people.empty()) throw Error(path.toStdString() + ": holds no person");
        const pose::Pose& target = people.front();
        if (target.presentCount() < 2) throw Error(path.toStdString() + ": the person has fewer than two joints");
        applyEdit(tr("Import pose"), {m_document->reference(), edit::clampedTo(target, photoSize())});
    } catch (const std::exception& e) {
        MessageBox::critical(m_window, tr("Cannot import the pose"), QString::fromUtf8(e.what()));
    }
}

void PoseEditor::exportPose() {
    const QString suggested = m_document->photoPath() + QStringLiteral(".target.json");
    const QString path =
        FileDialog::getSaveFileName(m_window, tr("Export Pose"), suggested, tr("OpenPose JSON (*.json)"));
    if (path.isEmpty()) return;
    const QString error = saveAtomically(path, QByteArray::fromStdString(pose::toOpenPoseJson({m_document->target()})));
    if (!error.isEmpty()) {
        MessageBox::critical(m_window, tr("Cannot export the pose"), error);
        return;
    }
    m_statusBar->showMessage(tr("Exported %1").arg(QFileInfo(path).fileName()), 5000);
}

}  // namespace marionette::ui

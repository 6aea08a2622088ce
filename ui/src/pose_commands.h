#pragma once
// One undo step per gesture (docs/architecture.md): the skeletons before and after, and a name people read in the
// History dock ("Move right wrist"). A drag changes the document live and is pushed once, on release,
// only if something changed; keyboard nudges of the same joint merge into one step.
#include "document.h"

#include <QUndoCommand>

#include <optional>

namespace marionette::ui {

class PoseCommand : public QUndoCommand {
public:
    // `nudgedJoint`: set for arrow-key nudges, which merge with the previous nudge of the same joint.
    PoseCommand(Document* document, const QString& text, PosePair before, PosePair after,
                std::optional<int> nudgedJoint = std::nullopt);

    void redo() override;
    void undo() override;
    int id() const override;
    bool mergeWith(const QUndoCommand* other) override;

    const PosePair& before() const { return m_before; }
    const PosePair& after() const { return m_after; }

private:
    Document* m_document;
    PosePair m_before;
    PosePair m_after;
    std::optional<int> m_nudgedJoint;
};

// One portrait step: a slider drag (pushed on release), a slider's keyboard or wheel steps (consecutive steps
// of the same slider merge), a landmark drag, a preset or a reset.
class PortraitCommand : public QUndoCommand {
public:
    // `mergeKey`: set for steps that merge with the previous step of the same key (one slider's key presses).
    PortraitCommand(Document* document, const QString& text, PortraitState before, PortraitState after,
                    std::optional<int> mergeKey = std::nullopt);

    void redo() override;
    void undo() override;
    int id() const override;
    bool mergeWith(const QUndoCommand* other) override;

    const PortraitState& before() const { return m_before; }
    const PortraitState& after() const { return m_after; }

private:
    Document* m_document;
    PortraitState m_before;
    PortraitState m_after;
    std::optional<int> m_mergeKey;
};

// Choosing another of the photo's faces: the face and its edit before and after.
class FaceCommand : public QUndoCommand {
public:
    struct Choice {
        std::shared_ptr<const edit::PortraitFace> face;
        PortraitState state;
    };
    FaceCommand(Document* document, const QString& text, Choice before, Choice after);

    void redo() override;
    void undo() override;

private:
    Document* m_document;
    Choice m_before;
    Choice m_after;
};

// Drawing a limb in front of or behind the trunk, or back to automatic (the canvas's menu on a limb).
class DepthCommand : public QUndoCommand {
public:
    DepthCommand(Document* document, const QString& text, deform::DepthOrder before, deform::DepthOrder after);

    void redo() override;
    void undo() override;

private:
    Document* m_document;
    deform::DepthOrder m_before;
    deform::DepthOrder m_after;
};

}  // namespace marionette::ui

#include "pose_commands.h"

namespace marionette::ui {
namespace {
constexpr int kNudgeCommandId = 1;
constexpr int kPortraitStepCommandId = 2;
}  // namespace

PoseCommand::PoseCommand(Document* document, const QString& text, PosePair before, PosePair after,
                         std::optional<int> nudgedJoint)
    : QUndoCommand(text),
      m_document(document),
      m_before(std::move(before)),
      m_after(std::move(after)),
      m_nudgedJoint(nudgedJoint) {}

void PoseCommand::redo() { m_document->setPoses(m_after); }  // a no-op right after a live drag

void PoseCommand::undo() { m_document->setPoses(m_before); }

int PoseCommand::id() const { return m_nudgedJoint ? kNudgeCommandId : -1; }

bool PoseCommand::mergeWith(const QUndoCommand* other) {
    const auto* next = dynamic_cast<const PoseCommand*>(other);
    if (!next || !m_nudgedJoint || next->m_nudgedJoint != m_nudgedJoint || next->text() != text()) return false;
    if (!(next->m_before == m_after)) return false;
    m_after = next->m_after;
    return true;
}

PortraitCommand::PortraitCommand(Document* document, const QString& text, PortraitState before, PortraitState after,
                                 std::optional<int> mergeKey)
    : QUndoCommand(text),
      m_document(document),
      m_before(std::move(before)),
      m_after(std::move(after)),
      m_mergeKey(mergeKey) {}

void PortraitCommand::redo() { m_document->setPortrait(m_after); }  // a no-op right after a live drag

void PortraitCommand::undo() { m_document->setPortrait(m_before); }

int PortraitCommand::id() const { return m_mergeKey ? kPortraitStepCommandId : -1; }

bool PortraitCommand::mergeWith(const QUndoCommand* other) {
    const auto* next = dynamic_cast<const PortraitCommand*>(other);
    if (!next || !m_mergeKey || next->m_mergeKey != m_mergeKey || next->m_before != m_after) return false;
    m_after = next->m_after;
    return true;
}

FaceCommand::FaceCommand(Document* document, const QString& text, Choice before, Choice after)
    : QUndoCommand(text), m_document(document), m_before(std::move(before)), m_after(std::move(after)) {}

void FaceCommand::redo() { m_document->setFace(m_after.face, m_after.state); }

void FaceCommand::undo() { m_document->setFace(m_before.face, m_before.state); }

DepthCommand::DepthCommand(Document* document, const QString& text, deform::DepthOrder before, deform::DepthOrder after)
    : QUndoCommand(text), m_document(document), m_before(before), m_after(after) {}

void DepthCommand::redo() { m_document->setDepth(m_after); }

void DepthCommand::undo() { m_document->setDepth(m_before); }

}  // namespace marionette::ui

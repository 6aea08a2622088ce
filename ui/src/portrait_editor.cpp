#include "portrait_editor.h"

#include "editor_actions.h"
#include "inference_worker.h"
#include "portrait_panel.h"
#include "pose_canvas.h"
#include "pose_commands.h"
#include "render_controller.h"

#include "marionette/edit/portrait.h"
#include "marionette/ui/message_box.h"

#include <QAction>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QMenu>
#include <QStatusBar>
#include <QWidget>

#include <algorithm>

namespace marionette::ui {

PortraitEditor::PortraitEditor(Document* document, InferenceWorker* worker, RenderController* render, QWidget* window,
                               QStatusBar* statusBar)
    : QObject(window),
      m_document(document),
      m_worker(worker),
      m_render(render),
      m_window(window),
      m_statusBar(statusBar) {
    connect(worker, &InferenceWorker::faceFound, this, &PortraitEditor::onFaceFound);
}

std::vector<std::pair<QString, QString>> PortraitEditor::facePresets() {
    static const QStringList order = {
        QStringLiteral("neutral"),  QStringLiteral("smile"),     QStringLiteral("laugh"),
        QStringLiteral("surprise"), QStringLiteral("wink"),      QStringLiteral("frown"),
        QStringLiteral("kiss"),     QStringLiteral("skeptical"), QStringLiteral("sleepy")};
    QStringList names;
    for (const QString& name :
         QDir(QStringLiteral(":/face_presets")).entryList({QStringLiteral("*.json")}, QDir::Files, QDir::Name))
        names << QFileInfo(name).completeBaseName();
    std::stable_sort(names.begin(), names.end(), [](const QString& a, const QString& b) {
        const auto rank = [](const QString& n) { return order.contains(n) ? order.indexOf(n) : int(order.size()); };
        return rank(a) < rank(b);
    });
    std::vector<std::pair<QString, QString>> presets;
    for (const QString& name : names) {
        QString title = QString(name).replace(QLatin1Char('_'), QLatin1Char(' '));
        title[0] = title[0].toUpper();
        presets.emplace_back(title, QStringLiteral(":/face_presets/%1.json").arg(name));
    }
    return presets;
}

void PortraitEditor::connectActions(EditorActions& actions, QMenu* presets) {
    connect(actions.resetFace, &QAction::triggered, this, &PortraitEditor::resetFace);
    connect(actions.nextFace, &QAction::triggered, this, &PortraitEditor::nextFace);
    for (const auto& [title, resource] : facePresets()) {
        auto* a = presets->addAction(title);
        a->setObjectName(QStringLiteral("actionFacePreset_") + QFileInfo(resource).completeBaseName());
        const QString t = title, r = resource;
        connect(a, &QAction::triggered, this, [this, t, r] { applyFacePreset(t, r); });
        actions.facePresets.push_back(a);
    }
}

void PortraitEditor::attach(PortraitPanel* panel, PoseCanvas* result) {
    connect(panel, &PortraitPanel::dragStarted, this, [this] {
        m_render->beginDrag();
        beginGesture();
    });
    connect(panel, &PortraitPanel::parametersEdited, this,
            [this](const face::FaceParameters& parameters, const QString& name, int key) {
                if (sliderEdited(parameters, name, key)) m_render->request(false);
            });
    connect(panel, &PortraitPanel::dragFinished, this, [this](const QString& name) {
        finishGesture(name);
        m_render->endDrag();
    });
    connect(panel, &PortraitPanel::resetRequested, this, &PortraitEditor::resetFace);
    connect(panel, &PortraitPanel::presetRequested, this, &PortraitEditor::applyFacePreset);
    // The result view's drags are the face's in portrait mode (PoseEditor starts the drag of the render).
    connect(result, &PoseCanvas::gestureStarted, this, [this] {
        if (m_document->mode() == EditMode::Portrait) beginGesture();
    });
    connect(result, &PoseCanvas::landmarkDragged, this, &PortraitEditor::dragLandmark);
    connect(result, &PoseCanvas::landmarkGestureFinished, this, [this](int, const QString& name) {
        finishGesture(name);
        m_render->endDrag();
    });
}

QString PortraitEditor::openFace(const OpenedPhoto& photo) {
    QString problem;
    PortraitState state{photo.face->fitted, {}};
    if (photo.portraitEdit) {
        try {
            state = m_document->stateFor(photo.portraitEdit->parameters, photo.portraitEdit->target);
        } catch (const std::exception& e) {
            problem = QString::fromUtf8(e.what());
        }
    }
    m_document->setFace(photo.face, state);
    m_statusBar->showMessage(tr("Face %1 of %2 fitted in %3 ms (landmarks off the model by %4 px rms)")
                                 .arg(photo.face->faceIndex + 1)
                                 .arg(photo.face->faceCount)
                                 .arg(photo.fitMilliseconds, 0, 'f', 0)
                                 .arg(photo.face->rmsResidual, 0, 'f', 1),
                             8000);
    return problem;
}

void PortraitEditor::restoreAutosaved(const edit::EditDocument& restored, const OpenedPhoto& photo) {
    if (!restored.portrait || !photo.face || restored.portrait->faceIndex != photo.face->faceIndex) return;
    try {
        apply(tr("Restore autosaved face edit"),
              m_document->stateFor(restored.portrait->parameters, restored.portrait->target));
    } catch (const std::exception& e) {
        m_statusBar->showMessage(
            tr("The autosaved face edit could not be restored: %1").arg(QString::fromUtf8(e.what())), 8000);
    }
}

void PortraitEditor::apply(const QString& name, const PortraitState& after, std::optional<int> mergeKey) {
    if (!m_document->face() || after == m_document->portrait()) return;
    try {
        edit::portraitLandmarks(*m_document->face(), after.parameters, after.offsets);  // range check before the push
    } catch (const std::exception& e) {
        m_statusBar->showMessage(QString::fromUtf8(e.what()), 8000);
        return;
    }
    m_document->undoStack()->push(new PortraitCommand(m_document, name, m_document->portrait(), after, mergeKey));
}

bool PortraitEditor::sliderEdited(const face::FaceParameters& parameters, const QString& name, int key) {
    PortraitState state = m_document->portrait();
    state.parameters = parameters;
    if (m_gestureStart) {  // a drag: live, one undo step when it ends
        try {
            m_document->setPortrait(state);
        } catch (const std::exception& e) {
            m_statusBar->showMessage(QString::fromUtf8(e.what()), 8000);
        }
        return false;
    }
    apply(name, state, key >= 0 ? std::optional<int>(key) : std::nullopt);
    return true;
}

void PortraitEditor::beginGesture() { m_gestureStart = std::make_unique<PortraitState>(m_document->portrait()); }

void PortraitEditor::dragLandmark(int landmark, const QPointF& photoPoint) {
    if (!m_gestureStart || !m_document->face()) return;
    PortraitState state = *m_gestureStart;
    const face::FaceLandmarks start = edit::portraitLandmarks(*m_document->face(), state.parameters, state.offsets);
    const auto i = static_cast<std::size_t>(landmark);
    state.offsets[i].x += static_cast<float>(photoPoint.x()) - start.points[i].x;
    state.offsets[i].y += static_cast<float>(photoPoint.y()) - start.points[i].y;
    m_document->setPortrait(state);
}

void PortraitEditor::finishGesture(const QString& name) {
    if (m_gestureStart && *m_gestureStart != m_document->portrait())
        m_document->undoStack()->push(new PortraitCommand(m_document, name, *m_gestureStart, m_document->portrait()));
    m_gestureStart.reset();
}

void PortraitEditor::applyFacePreset(const QString& title, const QString& resource) {
    if (!m_document->face()) return;
    QFile f(resource);
    if (!f.open(QIODevice::ReadOnly)) {
        MessageBox::critical(m_window, tr("Cannot load the preset"), tr("%1: %2").arg(resource, f.errorString()));
        return;
    }
    try {
        PortraitState state = m_document->portrait();
        state.parameters = edit::applyFacePreset(f.read(1 << 20).toStdString(), resource.toStdString(),
                                                 state.parameters, face::MorphableModel::standard());
        apply(tr("Apply face preset %1").arg(title), state);
        Q_EMIT portraitModeWanted();
    } catch (const std::exception& e) {
        MessageBox::critical(m_window, tr("Cannot load the preset"), QString::fromUtf8(e.what()));
    }
}

void PortraitEditor::resetFace() {
    if (const auto& face = m_document->face()) apply(tr("Reset face"), PortraitState{face->fitted, {}});
}

void PortraitEditor::nextFace() {
    const auto& face = m_document->face();
    if (!face || face->faceCount < 2 || m_faceJob) return;
    const int next = (face->faceIndex + 1) % face->faceCount;
    m_faceJob = m_worker->detectFace(m_document->photoId(), m_document->photo(), next);
    m_statusBar->showMessage(tr("Finding face %1 of %2\u2026").arg(next + 1).arg(face->faceCount));
    Q_EMIT stateChanged();
}

void PortraitEditor::onFaceFound(quint64 job, const FoundFace& found) {
    if (job != m_faceJob) return;
    m_faceJob = 0;
    Q_EMIT stateChanged();
    if (found.photoId != m_document->photoId()) return;  // another photo was opened since
    if (!found.face) {
        m_statusBar->showMessage(tr("Cannot use that face: %1").arg(found.error), 8000);
        return;
    }
    const FaceCommand::Choice before{m_document->face(), m_document->portrait()};
    const FaceCommand::Choice after{found.face, PortraitState{found.face->fitted, {}}};
    m_document->undoStack()->push(
        new FaceCommand(m_document, tr("Choose face %1").arg(found.face->faceIndex + 1), before, after));
    m_statusBar->showMessage(
        tr("Face %1 of %2 (faces count from the largest)").arg(found.face->faceIndex + 1).arg(found.face->faceCount),
        8000);
}

}  // namespace marionette::ui

#pragma once
// File > Export: the edited photo or its crop and the maps, made on the worker (a long job) with the edit
// written beside them, and the edit alone as JSON.
#include <QObject>
#include <QString>
#include <QStringList>

#include <functional>

class QStatusBar;
class QWidget;

namespace marionette::ui {

class Document;
class InferenceWorker;
class LongJobs;
class RenderController;
struct EditorActions;
struct ExportJob;

class Exporter : public QObject {
    Q_OBJECT
public:
    // The edit as JSON for a document at a path (the window knows the model's canvas and weights).
    using EditJsonFor = std::function<QString(const QString& documentPath)>;

    // Connects File > Export Image, Export Crop, Export Edit as JSON and Export Maps.
    Exporter(Document* document, InferenceWorker* worker, LongJobs* longJobs, const EditorActions& actions,
             const RenderController& render, EditJsonFor editJsonFor, QWidget* window, QStatusBar* statusBar);

    void exportImage(bool cropOnly);
    void exportMaps();
    void exportEditJson();
    bool running() const { return m_job != 0; }
    // Cancel: the running export's answer is no longer awaited.
    void forget() { m_job = 0; }

Q_SIGNALS:
    void runningChanged();

private:
    bool canExport() const;
    void start(const ExportJob& job, const QString& text);
    void onFinished(quint64 job, const QStringList& written, const QString& error);

    Document* m_document;
    InferenceWorker* m_worker;
    LongJobs* m_longJobs;
    const EditorActions& m_actions;
    const RenderController& m_render;
    EditJsonFor m_editJsonFor;
    QWidget* m_window;
    QStatusBar* m_statusBar;
    quint64 m_job = 0;
};

}  // namespace marionette::ui

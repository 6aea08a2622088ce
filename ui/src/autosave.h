#pragma once
// Unsaved edits kept in the application's data folder (or EditorOptions::autosaveFolder) under the photo's
// SHA-256, written some seconds after a change, removed when the edit is saved or discarded, and offered back
// when the photo is opened again after a crash.
#include "marionette/edit/edit_document.h"

#include <QObject>
#include <QString>

#include <functional>
#include <optional>

class QTimer;
class QWidget;

namespace marionette::ui {

class Document;
struct OpenedPhoto;

class Autosave : public QObject {
    Q_OBJECT
public:
    // The edit as it would be saved at a path (the window knows the model's canvas and weights).
    using EditFor = std::function<edit::EditDocument(const QString& documentPath)>;

    // `folder` empty: the application's data folder; `seconds` 0 disables autosaving.
    Autosave(const QString& folder, int seconds, Document* document, EditFor editFor, QWidget* window);

    // Writes the edit now, when there is an unsaved one.
    void save();
    // Forgets the photo's autosave (its edit was saved or discarded).
    void remove();
    // An autosave of `photo` newer than its saved edit and different from it, when the user wants it back;
    // any other autosave of it is removed.
    std::optional<edit::EditDocument> offer(const OpenedPhoto& photo);

Q_SIGNALS:
    void failed(const QString& message);

private:
    QString pathFor(const QString& sha256) const;

    QString m_folder;
    int m_seconds;
    Document* m_document;
    EditFor m_editFor;
    QWidget* m_window;
    QTimer* m_timer;
};

}  // namespace marionette::ui

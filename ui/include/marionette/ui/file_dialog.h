#pragma once
// File dialogs with a test seam (keepassxc's FileDialog::setNextFileName): a name set beforehand is
// returned by the next dialog without showing it. Remembers the last folder per kind of file.
#include <QString>

class QWidget;

namespace marionette::ui {

class FileDialog {
public:
    static QString getOpenFileName(QWidget* parent, const QString& caption, const QString& filter);
    static QString getSaveFileName(QWidget* parent, const QString& caption, const QString& suggestedPath,
                                   const QString& filter);
    static QString getExistingDirectory(QWidget* parent, const QString& caption, const QString& suggestedPath);

    // The next dialog returns `name` without showing; an empty string makes it return "cancelled".
    static void setNextFileName(const QString& name);

private:
    static bool takeNext(QString& name);
};

}  // namespace marionette::ui

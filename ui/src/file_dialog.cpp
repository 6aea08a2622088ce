#include "marionette/ui/file_dialog.h"

#include <QFileDialog>
#include <QFileInfo>
#include <optional>

namespace marionette::ui {
namespace {

std::optional<QString> g_next;
QString g_lastFolder;

void remember(const QString& path, bool isFolder) {
    if (!path.isEmpty()) g_lastFolder = isFolder ? path : QFileInfo(path).absolutePath();
}

}  // namespace

bool FileDialog::takeNext(QString& name) {
    if (!g_next) return false;
    name = *g_next;
    g_next.reset();
    return true;
}

void FileDialog::setNextFileName(const QString& name) { g_next = name; }

QString FileDialog::getOpenFileName(QWidget* parent, const QString& caption, const QString& filter) {
    QString name;
    if (!takeNext(name)) name = QFileDialog::getOpenFileName(parent, caption, g_lastFolder, filter);
    remember(name, false);
    return name;
}

QString FileDialog::getSaveFileName(QWidget* parent, const QString& caption, const QString& suggestedPath,
                                    const QString& filter) {
    QString name;
    if (!takeNext(name)) name = QFileDialog::getSaveFileName(parent, caption, suggestedPath, filter);
    remember(name, false);
    return name;
}

QString FileDialog::getExistingDirectory(QWidget* parent, const QString& caption, const QString& suggestedPath) {
    QString name;
    if (!takeNext(name)) name = QFileDialog::getExistingDirectory(parent, caption, suggestedPath);
    remember(name, true);
    return name;
}

}  // namespace marionette::ui

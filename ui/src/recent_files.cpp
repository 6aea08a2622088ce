#include "recent_files.h"

#include "marionette/ui/settings.h"
#include "marionette/util/bundled_files.h"

#include <QAction>
#include <QFileInfo>
#include <QMenu>

namespace marionette::ui {
namespace {

constexpr int kMaxRecentFiles = 8;

QStringList recentFiles() { return Settings::instance().get(Settings::Key::RecentFiles).toStringList(); }

}  // namespace

RecentFiles::RecentFiles(QMenu* menu, QObject* parent) : QObject(parent), m_menu(menu) { rebuild(); }

void RecentFiles::add(const QString& path) {
    if (path.isEmpty()) return;
    QStringList recent = recentFiles();
    recent.removeAll(path);
    recent.prepend(path);
    while (recent.size() > kMaxRecentFiles) recent.removeLast();
    Settings::instance().set(Settings::Key::RecentFiles, recent);
    rebuild();
}

QString RecentFiles::startFile() const {
    for (const QString& path : recentFiles())
        if (QFileInfo::exists(path)) return path;
    return QString::fromStdString(bundled::samplePath("messi5.jpg"));
}

void RecentFiles::rebuild() {
    m_menu->clear();
    for (const QString& path : recentFiles())
        m_menu->addAction(QFileInfo(path).fileName(), this, [this, path] { Q_EMIT openRequested(path); })
            ->setToolTip(path);
    m_menu->setEnabled(!m_menu->isEmpty());
}

}  // namespace marionette::ui

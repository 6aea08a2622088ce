#pragma once
// File > Open Recent: the files opened last, newest first, kept in the settings.
#include <QObject>
#include <QString>

class QMenu;

namespace marionette::ui {

class RecentFiles : public QObject {
    Q_OBJECT
public:
    // Fills `menu` (and keeps it filled); choosing an entry asks for it with openRequested.
    RecentFiles(QMenu* menu, QObject* parent);

    void add(const QString& path);
    // What the editor opens at start: the newest that still exists, else the bundled sample (a first start).
    QString startFile() const;

Q_SIGNALS:
    void openRequested(const QString& path);

private:
    void rebuild();

    QMenu* m_menu;
};

}  // namespace marionette::ui

#pragma once
// tr() for the main window's parts that are not QObjects themselves (menus, docks, banners): their text is
// translated in the MainWindow context, one catalogue for the whole window.
#include <QCoreApplication>
#include <QString>

namespace marionette::ui {

inline QString tr(const char* text) { return QCoreApplication::translate("MainWindow", text); }

}  // namespace marionette::ui

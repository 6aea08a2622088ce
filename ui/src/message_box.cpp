#include "marionette/ui/message_box.h"

#include <QList>

namespace marionette::ui {
namespace {

QList<QMessageBox::StandardButton> g_nextAnswers;
QString g_lastTitle;
QString g_lastText;
int g_count = 0;

}  // namespace

QMessageBox::StandardButton MessageBox::show(QWidget* parent, QMessageBox::Icon icon, const QString& title,
                                             const QString& text, QMessageBox::StandardButtons buttons,
                                             QMessageBox::StandardButton defaultButton) {
    g_lastTitle = title;
    g_lastText = text;
    ++g_count;
    if (!g_nextAnswers.isEmpty()) return g_nextAnswers.takeFirst();
    QMessageBox box(icon, title, text, buttons, parent);
    box.setObjectName(QStringLiteral("messageBox"));
    box.setDefaultButton(defaultButton);
    return static_cast<QMessageBox::StandardButton>(box.exec());
}

QMessageBox::StandardButton MessageBox::critical(QWidget* parent, const QString& title, const QString& text) {
    return show(parent, QMessageBox::Critical, title, text, QMessageBox::Ok, QMessageBox::Ok);
}

QMessageBox::StandardButton MessageBox::warning(QWidget* parent, const QString& title, const QString& text) {
    return show(parent, QMessageBox::Warning, title, text, QMessageBox::Ok, QMessageBox::Ok);
}

QMessageBox::StandardButton MessageBox::information(QWidget* parent, const QString& title, const QString& text) {
    return show(parent, QMessageBox::Information, title, text, QMessageBox::Ok, QMessageBox::Ok);
}

QMessageBox::StandardButton MessageBox::question(QWidget* parent, const QString& title, const QString& text,
                                                 QMessageBox::StandardButtons buttons,
                                                 QMessageBox::StandardButton defaultButton) {
    return show(parent, QMessageBox::Question, title, text, buttons, defaultButton);
}

void MessageBox::setNextAnswer(QMessageBox::StandardButton answer) {
    if (answer == QMessageBox::NoButton)
        g_nextAnswers.clear();
    else
        g_nextAnswers.append(answer);
}
QString MessageBox::lastTitle() { return g_lastTitle; }
QString MessageBox::lastText() { return g_lastText; }
int MessageBox::count() { return g_count; }
void MessageBox::clearLast() {
    g_lastTitle.clear();
    g_lastText.clear();
}

}  // namespace marionette::ui

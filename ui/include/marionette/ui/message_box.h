#pragma once
// Every message box of the editor goes through here, so that tests can answer one without a window
// appearing (keepassxc's MessageBox::setNextAnswer) and read what it said.
#include <QMessageBox>
#include <QString>

namespace marionette::ui {

class MessageBox {
public:
    static QMessageBox::StandardButton critical(QWidget* parent, const QString& title, const QString& text);
    static QMessageBox::StandardButton warning(QWidget* parent, const QString& title, const QString& text);
    static QMessageBox::StandardButton information(QWidget* parent, const QString& title, const QString& text);
    static QMessageBox::StandardButton question(QWidget* parent, const QString& title, const QString& text,
                                                QMessageBox::StandardButtons buttons,
                                                QMessageBox::StandardButton defaultButton);

    // The next box is not shown and returns `answer`; several calls answer the next boxes in order.
    // NoButton forgets the answers not used yet.
    static void setNextAnswer(QMessageBox::StandardButton answer);
    // Title and text of the most recent box, shown or answered; cleared by clearLast().
    static QString lastTitle();
    static QString lastText();
    static int count();  // boxes so far
    static void clearLast();

private:
    static QMessageBox::StandardButton show(QWidget* parent, QMessageBox::Icon icon, const QString& title,
                                            const QString& text, QMessageBox::StandardButtons buttons,
                                            QMessageBox::StandardButton defaultButton);
};

}  // namespace marionette::ui

#pragma once
// Writing a file whole or not at all: saved edits, autosaves and exported poses and edits go through a
// temporary file that replaces the old one only once every byte is written, so that a crash or a full disk
// never leaves half a file where a good one was.
#include <QByteArray>
#include <QString>

namespace marionette::ui {

// Empty when `bytes` are in `path`; else "path: why", for the user.
QString saveAtomically(const QString& path, const QByteArray& bytes);

}  // namespace marionette::ui

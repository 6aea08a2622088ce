#include "atomic_save.h"

#include <QSaveFile>

namespace marionette::ui {

QString saveAtomically(const QString& path, const QByteArray& bytes) {
    QSaveFile file(path);
    // Unbuffered: a buffered QSaveFile wrote a small file at commit(), and a failing write there (a full disk)
    // still committed the truncated file and reported success (Qt 6.4).
    if (file.open(QIODevice::WriteOnly | QIODevice::Unbuffered) && file.write(bytes) == bytes.size() && file.commit())
        return {};
    return QStringLiteral("%1: %2").arg(path, file.errorString());
}

}  // namespace marionette::ui

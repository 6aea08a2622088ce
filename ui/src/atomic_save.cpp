#include "atomic_save.h"

#include <QSaveFile>

namespace marionette::ui {

QString saveAtomically(const QString& path, const QByteArray& bytes) {
    QSaveFile file(path);
    if (file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size() && file.commit()) return {};
    return QStringLiteral("%1: %2").arg(path, file.errorString());
}

}  // namespace marionette::ui

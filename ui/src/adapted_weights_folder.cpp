#include "adapted_weights_folder.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>

namespace marionette::ui {

void touchAdaptedWeights(const QString& path) {
    QFile file(path);
    if (file.open(QIODevice::ReadWrite))
        file.setFileTime(QDateTime::currentDateTime(), QFileDevice::FileModificationTime);
}

QStringList pruneAdaptedWeights(const QString& folder, int keep, const QString& inUse) {
    // Newest first; the file in use counts among the kept.
    const QFileInfoList files = QDir(folder).entryInfoList({QStringLiteral("*.safetensors")}, QDir::Files, QDir::Time);
    QStringList removed;
    int kept = 0;
    for (const QFileInfo& file : files) {
        if (file == QFileInfo(inUse) || kept < keep) {
            ++kept;
            continue;
        }
        if (QFile::remove(file.absoluteFilePath())) removed << file.fileName();
    }
    return removed;
}

}  // namespace marionette::ui

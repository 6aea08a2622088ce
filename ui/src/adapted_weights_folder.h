#pragma once
// The folder of weights adapted to single photos (Model > Adapt to This Photo): one file per photo and
// starting weights. Each is a few megabytes, so only the most recently used are kept.
#include <QString>
#include <QStringList>

namespace marionette::ui {

// How many adapted weights files the folder keeps.
constexpr int kAdaptedWeightsKept = 24;

// Marks `path` as just used, so that pruning keeps it longest.
void touchAdaptedWeights(const QString& path);

// Removes the least recently used .safetensors files of `folder` beyond the `keep` newest (by modification
// time), never `inUse`. Returns the names removed.
QStringList pruneAdaptedWeights(const QString& folder, int keep, const QString& inUse);

}  // namespace marionette::ui

#pragma once
// The run folder's losses.csv: one row per logged step with every loss term, defined here once.
#include <map>
#include <string>
#include <vector>

namespace marionette::train {

// The loss terms the log has a column for, in column order (the names of the training log).
const std::vector<std::string>& lossLogTerms();

// "step,stage,images,seconds,<terms>,total,discriminator"
std::string lossLogHeader();

// One row; terms missing from `terms` (not computed this step) are written as 0.
std::string lossLogRow(int step, int stage, long long images, double seconds,
                       const std::map<std::string, double>& terms, double total, double discriminator);

// A log written by a build with other columns is rewritten (atomically) with this build's header, each
// value under its column's name and 0 where the old log had no such column, so that a resumed run keeps
// one file a spreadsheet can read. Returns whether it rewrote the file; a missing file is left alone.
bool upgradeLossLog(const std::string& path);

// A run resumed from a checkpoint trains again the steps logged after it: keeps the header and the complete
// rows up to `lastStep`, and drops the later ones and a row cut short by a crash, rewriting the file
// atomically. A file without a complete header line is removed (the trainer writes a new one). Returns the
// number of lines dropped; a missing file, or one that is not a loss log, is left alone.
int trimLossLog(const std::string& path, int lastStep);

}  // namespace marionette::train

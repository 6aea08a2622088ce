#pragma once
// Where the files shipped with Marionette are. One data folder holds them all, with the same layout in a
// build tree and once installed:
//   models/      weights, body detectors, person segmentation, their model cards
//   samples/     the sample photos and their skeletons
//   presets/     pose and face presets (the editor also has them built in)
//   face_model/  the morphable face model (built into the programs; installed for its licence)
// The folder is looked for, in this order:
//   1. $MARIONETTE_DATA_DIR when set (and then nowhere else, so a test or a user can hide the others);
//   2. <prefix>/share/marionette beside an installed program (<prefix>/bin/<program>);
//   3. a build tree's share/marionette: the nearest folder above the program holding CMakeCache.txt, where
//      configuring made share/marionette/ of links into the source tree's models/ and resources/.
// Nothing of the build machine is compiled in: every place is found from the running program.
#include <string>
#include <vector>

namespace marionette::bundled {

inline constexpr const char* kDataDirVariable = "MARIONETTE_DATA_DIR";

// The folders looked in, in order, for a program at `executable` with `overrideDir` the variable's value
// (empty when unset). Folders that do not exist are listed too, so that an error can name them.
std::vector<std::string> dataDirsFor(const std::string& executable, const std::string& overrideDir);
// The same for this process (/proc/self/exe and the environment).
std::vector<std::string> dataDirs();

// <folder>/<relative> in the first of `dirs` that holds it; empty when none does.
std::string findIn(const std::vector<std::string>& dirs, const std::string& relative);
// "<relative> is not installed: looked in A, B (set MARIONETTE_DATA_DIR to the folder that holds it)".
std::string notFoundMessage(const std::vector<std::string>& dirs, const std::string& relative);

// <data>/<relative> for this process; empty when missing.
std::string findDataFile(const std::string& relative);
// The same, but a missing file throws marionette::Error with notFoundMessage().
std::string requireDataFile(const std::string& relative);

// models/<relative>; throws marionette::Error naming every folder looked in when it is missing.
std::string modelPath(const std::string& relative);
// samples/<relative>; empty when missing.
std::string samplePath(const std::string& relative);
// presets/<relative>; empty when missing.
std::string presetPath(const std::string& relative);

}  // namespace marionette::bundled

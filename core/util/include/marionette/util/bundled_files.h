#pragma once
// Where the files shipped with Marionette are: models/ (weights, detectors) and resources/samples/.
#include <string>

namespace marionette::bundled {

// models/<relative>: in $MARIONETTE_MODEL_DIR when that variable is set, else in share/marionette/models/
// beside an installed binary (../share from its folder), else in the source tree the program was built from.
// Returns the first of those that exists, or the last place looked (so an error can name it).
std::string modelPath(const std::string& relative);

// resources/samples/<relative>: in share/marionette/samples/ beside an installed binary, else in the source
// tree. Empty when neither exists.
std::string samplePath(const std::string& relative);

}  // namespace marionette::bundled

#include "marionette/util/error.h"

namespace marionette {

void throwFileError(const std::string& path, const std::string& what) { throw Error(path + ": " + what); }

void rethrowWithContext(const std::string& context, const std::exception& e) { throw Error(context + ": " + e.what()); }

}  // namespace marionette

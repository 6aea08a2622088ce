#pragma once
// The one exception type of Marionette's library code. Messages are sentences a user can act on; they
// name the file and what is wrong with it. Caught and shown at the app boundary (dialog, stderr, exit code).
#include <stdexcept>
#include <string>

namespace marionette {

class Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// "<path>: <what>" — the form of every error about a file.
[[noreturn]] void throwFileError(const std::string& path, const std::string& what);

// Adds context on the way up: rethrows `e` as "<context>: <e.what()>".
[[noreturn]] void rethrowWithContext(const std::string& context, const std::exception& e);

}  // namespace marionette

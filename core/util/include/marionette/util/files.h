#pragma once
// File access shared by every reader and writer: bounded reads and atomic writes.
#include <cstddef>
#include <string>

namespace marionette::files {

// Reads a whole file. Refuses a missing, unreadable or empty file, and one larger than maxBytes, with an
// error naming the file.
std::string readAll(const std::string& path, std::size_t maxBytes);

// Writes `bytes` to a temporary file in the same folder, flushes it and renames it over `path`, so that
// `path` holds either its old content or the new one, never half of it.
void writeAtomically(const std::string& path, const std::string& bytes);

// The extension of `path`, lower case, without the dot ("" when none).
std::string lowerExtension(const std::string& path);

}  // namespace marionette::files

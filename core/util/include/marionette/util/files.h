#pragma once
// File access shared by every reader and writer: bounded reads and atomic writes.
#include <cstddef>
#include <string>

namespace marionette::files {

// Reads a whole file. Refuses a missing, unreadable or empty file, and one larger than maxBytes, with an
// error naming the file.
std::string readAll(const std::string& path, std::size_t maxBytes);

// Writes `bytes` to a temporary file in the same folder, flushes it and renames it over `path`, so that
// `path` holds either its old content or the new one, never half of it, even after a power cut (the folder is
// flushed after the rename).
void writeAtomically(const std::string& path, const std::string& bytes);

// Flushes a file's data, or a folder's entries, to the disk (fsync): what a writer that renames a file it did
// not write through writeAtomically (a LibTorch archive) calls before and after the rename. Throws
// marionette::Error naming the path.
void syncToDisk(const std::string& path);

// The extension of `path`, lower case, without the dot ("" when none).
std::string lowerExtension(const std::string& path);

}  // namespace marionette::files

#include "marionette/util/files.h"

#include "marionette/util/error.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <fcntl.h>
#include <unistd.h>

namespace marionette::files {

std::string readAll(const std::string& path, std::size_t maxBytes) {
    std::error_code ec;
    const auto status = std::filesystem::status(path, ec);
    if (ec || !std::filesystem::exists(status)) throwFileError(path, "no such file");
    if (std::filesystem::is_directory(status)) throwFileError(path, "is a folder, not a file");
    const auto size = std::filesystem::file_size(path, ec);
    if (ec) throwFileError(path, "cannot read its size: " + ec.message());
    if (size == 0) throwFileError(path, "the file is empty (0 bytes)");
    if (size > maxBytes) {
        throwFileError(path, "the file is " + std::to_string(size) + " bytes, more than the limit of " +
                                 std::to_string(maxBytes) + " bytes for this kind of file");
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) throwFileError(path, std::string("cannot open: ") + std::strerror(errno));
    std::string bytes(static_cast<std::size_t>(size), '\0');
    in.read(bytes.data(), static_cast<std::streamsize>(size));
    if (static_cast<std::uintmax_t>(in.gcount()) != size) throwFileError(path, "could not read the whole file");
    return bytes;
}

namespace {

// Writes every byte, retrying after signals; false with errno set on failure.
bool writeAll(int fd, const std::string& bytes) {
    const char* data = bytes.data();
    std::size_t left = bytes.size();
    while (left > 0) {
        const ssize_t n = ::write(fd, data, left);
        if (n < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        data += n;
        left -= static_cast<std::size_t>(n);
    }
    return ::fsync(fd) == 0;
}

[[noreturn]] void failAndRemove(const std::string& path, int fd, const std::string& temporary,
                                const std::string& what) {
    const std::string reason = std::strerror(errno);
    if (fd >= 0) ::close(fd);
    if (!temporary.empty()) std::remove(temporary.c_str());
    throwFileError(path, what + reason);
}

// fsync of a file's data or a folder's entries; "" when done, else why not.
std::string flushToDisk(const std::string& path, int openFlags) {
    const int fd = ::open(path.c_str(), openFlags | O_CLOEXEC);
    if (fd < 0) return std::string("cannot open to flush it: ") + std::strerror(errno);
    const std::string failure =
        ::fsync(fd) == 0 ? "" : std::string("cannot flush it to the disk: ") + std::strerror(errno);
    ::close(fd);
    return failure;
}

// Writes the bytes to a file without a name (O_TMPFILE), which the system removes if this process dies
// before the end, and names it `temporary` once complete, replacing a leftover of an earlier write killed in
// the instant between its naming and its rename. False where the file system or /proc does not allow it.
bool writeUnnamedThenLink(const std::string& path, const std::string& folder, const std::string& temporary,
                          const std::string& bytes) {
#ifdef O_TMPFILE
    const int fd = ::open(folder.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644);
    if (fd < 0) return false;
    if (!writeAll(fd, bytes)) failAndRemove(path, fd, {}, "write failed: ");
    const std::string self = "/proc/self/fd/" + std::to_string(fd);
    ::unlink(temporary.c_str());
    const bool linked = ::linkat(AT_FDCWD, self.c_str(), AT_FDCWD, temporary.c_str(), AT_SYMLINK_FOLLOW) == 0;
    ::close(fd);
    return linked;
#else
    (void)path, (void)folder, (void)temporary, (void)bytes;
    return false;
#endif
}

}  // namespace

void writeAtomically(const std::string& path, const std::string& bytes) {
    const std::filesystem::path target(path);
    const auto folder = target.has_parent_path() ? target.parent_path() : std::filesystem::path(".");
    std::error_code ec;
    if (!std::filesystem::is_directory(folder, ec)) throwFileError(path, "the folder does not exist");

    // A writer killed halfway leaves nothing beside the user's file (or, without unnamed files, a partial
    // `.NAME.tmp`); one killed between naming the finished file and renaming it over the target leaves the
    // whole `.NAME.tmp`. Either is replaced by the next write of the same file. Two processes writing the same
    // file at the same instant may see one of them fail with a clear error; the file is whole either way.
    const std::string temporary = (folder / ("." + target.filename().string() + ".tmp")).string();
    if (!writeUnnamedThenLink(path, folder.string(), temporary, bytes)) {
        // No unnamed files on this file system: written under the temporary name directly.
        ::unlink(temporary.c_str());
        const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0) throwFileError(path, std::string("cannot write: ") + std::strerror(errno));
        if (!writeAll(fd, bytes)) failAndRemove(path, fd, temporary, "write failed: ");
        if (::close(fd) != 0) failAndRemove(path, -1, temporary, "write failed: ");
    }
    if (std::rename(temporary.c_str(), path.c_str()) != 0)
        failAndRemove(path, -1, temporary, "cannot replace the file: ");
    // The rename is in the folder's entries: flushed too, or a power cut could bring back the old file. The new
    // file is in place either way, so a folder that cannot be flushed is no error.
    flushToDisk(folder.string(), O_RDONLY | O_DIRECTORY);
}

void syncToDisk(const std::string& path) {
    if (const std::string failure = flushToDisk(path, O_RDONLY); !failure.empty()) throwFileError(path, failure);
}

std::string lowerExtension(const std::string& path) {
    std::string ext = std::filesystem::path(path).extension().string();
    if (!ext.empty() && ext[0] == '.') ext.erase(0, 1);
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
    return ext;
}

}  // namespace marionette::files

#include "marionette/util/files.h"

#include "marionette/util/error.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

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

}  // namespace

void writeAtomically(const std::string& path, const std::string& bytes) {
    const std::filesystem::path target(path);
    const auto folder = target.has_parent_path() ? target.parent_path() : std::filesystem::path(".");
    std::error_code ec;
    if (!std::filesystem::is_directory(folder, ec)) throwFileError(path, "the folder does not exist");

    // A writer killed between naming its finished file and renaming it over the target (an instant) leaves
    // that hidden temporary behind: the next write of the same file removes it.
    const std::string leftoverPrefix = "." + target.filename().string() + ".tmp";
    for (const auto& entry : std::filesystem::directory_iterator(folder, ec)) {
        const std::string name = entry.path().filename().string();
        if (name.size() > leftoverPrefix.size() && name.compare(0, leftoverPrefix.size(), leftoverPrefix) == 0 &&
            name.find_first_not_of("0123456789", leftoverPrefix.size()) == std::string::npos)
            std::filesystem::remove(entry.path(), ec);
    }
    std::random_device rd;
    const std::string temporary = (folder / (leftoverPrefix + std::to_string(rd()))).string();
    // The bytes go to a file without a name first (O_TMPFILE), which the system removes if this process dies
    // before the end: a writer killed halfway leaves nothing beside the user's file. It gets the temporary
    // name only once complete, just before replacing the file.
#ifdef O_TMPFILE
    int fd = ::open(folder.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644);
#else
    int fd = -1;
#endif
    if (fd >= 0) {
        if (!writeAll(fd, bytes)) failAndRemove(path, fd, {}, "write failed: ");
        const std::string self = "/proc/self/fd/" + std::to_string(fd);
        if (::linkat(AT_FDCWD, self.c_str(), AT_FDCWD, temporary.c_str(), AT_SYMLINK_FOLLOW) == 0) {
            ::close(fd);
            fd = -1;
        } else {
            ::close(fd);  // no /proc: written again under the temporary name
            fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
            if (fd < 0) throwFileError(path, std::string("cannot write: ") + std::strerror(errno));
        }
    } else {  // a file system without unnamed files
        fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0) throwFileError(path, std::string("cannot write: ") + std::strerror(errno));
    }
    if (fd >= 0) {
        if (!writeAll(fd, bytes)) failAndRemove(path, fd, temporary, "write failed: ");
        if (::close(fd) != 0) failAndRemove(path, -1, temporary, "write failed: ");
    }
    if (std::rename(temporary.c_str(), path.c_str()) != 0)
        failAndRemove(path, -1, temporary, "cannot replace the file: ");
    // The rename is in the folder's entries: flushed too, or a power cut could bring back the old file. The new
    // file is in place either way, so a folder that cannot be flushed is no error.
    if (const int folderFd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); folderFd >= 0) {
        ::fsync(folderFd);
        ::close(folderFd);
    }
}

void syncToDisk(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throwFileError(path, std::string("cannot open to flush it: ") + std::strerror(errno));
    const bool synced = ::fsync(fd) == 0;
    const std::string reason = synced ? "" : std::strerror(errno);
    ::close(fd);
    if (!synced) throwFileError(path, "cannot flush it to the disk: " + reason);
}

std::string lowerExtension(const std::string& path) {
    std::string ext = std::filesystem::path(path).extension().string();
    if (!ext.empty() && ext[0] == '.') ext.erase(0, 1);
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
    return ext;
}

}  // namespace marionette::files

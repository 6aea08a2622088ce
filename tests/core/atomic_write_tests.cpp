// The files a user keeps are written whole or not at all: each writer runs in a child process that dies in the
// middle of the write (a file size limit ends it with SIGXFSZ at a chosen byte, or SIGKILL comes at a random
// moment) or fails there as on a full disk, and the file it was replacing must be the old one, whole, with no
// temporary file left beside it.
#include "check.h"

#include "marionette/edit/edit_document.h"
#include "marionette/image/image_io.h"
#include "marionette/model/safetensors.h"
#include "marionette/util/error.h"
#include "marionette/util/files.h"

#include <torch/torch.h>
#include <opencv2/core.hpp>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <random>
#include <thread>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace marionette;

namespace {

std::string contentOf(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Every name in the folder, hidden ones too.
std::string namesIn(const std::string& dir) {
    std::vector<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(dir)) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    std::string joined;
    for (const auto& n : names) joined += (joined.empty() ? "" : " ") + n;
    return joined;
}

struct ChildEnd {
    int signal = 0;     // the signal that ended it; 0 when it exited
    int exitCode = -1;  // 0: wrote; 3: the writer threw marionette::Error
};

ChildEnd waitFor(pid_t child) {
    ChildEnd end;
    int status = 0;
    if (child < 0 || ::waitpid(child, &status, 0) != child) return end;
    if (WIFSIGNALED(status)) end.signal = WTERMSIG(status);
    if (WIFEXITED(status)) end.exitCode = WEXITSTATUS(status);
    return end;
}

pid_t startWriter(const std::function<void()>& write, std::size_t limitBytes = 0, bool failInstead = false) {
    const pid_t child = ::fork();
    if (child != 0) return child;
    if (limitBytes > 0) {
        if (failInstead) std::signal(SIGXFSZ, SIG_IGN);  // the write fails with EFBIG, as on a full disk
        const rlimit limit{limitBytes, limitBytes};
        ::setrlimit(RLIMIT_FSIZE, &limit);
    }
    int code = 0;
    try {
        write();
    } catch (const Error&) {
        code = 3;
    } catch (...) {
        code = 4;
    }
    ::_exit(code);
}

// One user-facing writer: the bytes it writes for the old and the new content.
struct Writer {
    std::string name;
    std::string file;  // in its own folder
    std::function<void(const std::string& path, bool newContent)> write;
};

// Writes the old content, then has a child die (or fail) while writing the new one over it.
void checkWriter(const Writer& w) {
    const std::string dir = test::tempPath("atomic/" + w.name);
    std::filesystem::create_directories(dir);
    const std::string path = dir + "/" + w.file;
    w.write(path, true);
    const std::string newBytes = contentOf(path);
    w.write(path, false);
    const std::string oldBytes = contentOf(path);
    EXPECT(oldBytes != newBytes && !oldBytes.empty());
    const auto intact = [&](const char* when) {
        const std::string now = contentOf(path);
        if (now != oldBytes) std::cerr << "    " << w.name << " " << when << ": " << now.size() << " bytes\n";
        EXPECT(now == oldBytes);
        EXPECT_EQ(namesIn(dir), w.file);
    };

    // Killed when a quarter, then three quarters, of the new file was written.
    for (const std::size_t cut : {newBytes.size() / 4, newBytes.size() * 3 / 4}) {
        const ChildEnd end = waitFor(startWriter([&] { w.write(path, true); }, cut));
        EXPECT_EQ(end.signal, SIGXFSZ);
        intact("killed in the write");
    }
    // The write fails halfway (EFBIG, as ENOSPC on a full disk): an error, and the old file.
    const ChildEnd failed = waitFor(startWriter([&] { w.write(path, true); }, newBytes.size() / 2, true));
    EXPECT_EQ(failed.exitCode, 3);
    intact("after a failed write");

    // SIGKILL at random moments of a whole write (timed once): the old file or the new one, nothing else.
    const auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(waitFor(startWriter([&] { w.write(path, true); })).exitCode, 0);
    const auto took = std::chrono::steady_clock::now() - start;
    EXPECT(contentOf(path) == newBytes);
    // A kill in the instant between naming the finished temporary and renaming it over the target leaves the
    // temporary (the only window the system leaves open); the next write of that file removes it.
    std::mt19937 rng(7);
    int old = 0, whole = 0, leftovers = 0;
    for (int i = 0; i < 6; ++i) {
        w.write(path, false);
        EXPECT_EQ(namesIn(dir), w.file);
        const pid_t child = startWriter([&] { w.write(path, true); });
        std::this_thread::sleep_for(took * std::uniform_real_distribution<double>(0.0, 1.2)(rng));
        ::kill(child, SIGKILL);
        waitFor(child);
        const std::string now = contentOf(path);
        old += now == oldBytes;
        whole += now == newBytes;
        EXPECT(now == oldBytes || now == newBytes);
        const std::string names = namesIn(dir);
        if (names != w.file) {
            ++leftovers;
            EXPECT(names.rfind("." + w.file + ".tmp", 0) == 0 && names.find(' ') != std::string::npos);
        }
    }
    w.write(path, false);
    EXPECT_EQ(namesIn(dir), w.file);
    std::cerr << "    " << w.name << ": " << newBytes.size() << " bytes in "
              << std::chrono::duration<double, std::milli>(took).count() << " ms; random kills left the old file "
              << old << " times, the new one " << whole << " times, a temporary " << leftovers << " times\n";
}

}  // namespace

TEST_CASE(atomic_user_files_survive_a_writer_killed_or_failing_midway) {
    at::set_num_threads(1);  // the children fork from this process: no OpenMP team in it
    std::vector<Writer> writers;
    // Bytes as files::writeAtomically takes them (the edit written beside an export, pose files, reports).
    writers.push_back({"bytes", "report.json", [](const std::string& path, bool fresh) {
                           files::writeAtomically(path, std::string(8u << 20, fresh ? 'n' : 'o'));
                       }});
    // An edit document (Save Edit in the CLI, the edit beside an exported photo).
    writers.push_back({"edit", "photo.jpg.marionette.json", [](const std::string& path, bool fresh) {
                           edit::EditDocument doc;
                           doc.photoPath = "photo.jpg";
                           doc.photoSha256 = std::string(64, 'a');
                           doc.reference.set(pose::JointId::Neck, 100.f, 80.f);
                           doc.target = doc.reference;
                           doc.target.set(pose::JointId::RightWrist, fresh ? 40.f : 60.f, 120.f);
                           doc.weightsId = "tiny";
                           edit::writeEditDocument(path, doc);
                       }});
    // An exported photo: noise, so the PNG stays large.
    writers.push_back({"image", "photo-edited.png", [](const std::string& path, bool fresh) {
                           cv::Mat image(1200, 1600, CV_8UC3);
                           cv::RNG(fresh ? 1 : 2).fill(image, cv::RNG::UNIFORM, 0, 256);
                           image::saveImage(path, image);
                       }});
    // Adapted weights (train::adaptWeights writes them with model::writeSafetensors).
    writers.push_back({"weights", "photo.adapted.safetensors", [](const std::string& path, bool fresh) {
                           model::writeSafetensors(path,
                                                   {{"w", torch::full({std::int64_t{2} << 20}, fresh ? 1.f : 2.f)}},
                                                   {{"marionette.training", "{}"}});
                       }});
    for (const auto& w : writers) checkWriter(w);
}

TEST_CASE(atomic_sync_to_disk_flushes_files_and_folders_and_names_what_it_cannot) {
    const std::string folder = test::tempPath("sync");
    std::filesystem::create_directories(folder);
    const std::string file = folder + "/a.bin";
    files::writeAtomically(file, "bytes");
    files::syncToDisk(file);
    files::syncToDisk(folder);
    EXPECT_THROWS(Error, files::syncToDisk(folder + "/missing.bin"), "missing.bin", "cannot open");
}

TEST_CASE(atomic_write_replaces_the_temporary_a_killed_writer_left) {
    const std::string folder = test::tempPath("leftover");
    std::filesystem::create_directories(folder);
    const std::string file = folder + "/edit.json";
    files::writeAtomically(file, "old");
    // What a writer killed between naming its finished file and the rename leaves, or a partial one where the
    // file system has no unnamed files.
    std::ofstream(folder + "/.edit.json.tmp") << "half of a new ed";
    files::writeAtomically(file, "new");
    EXPECT_EQ(contentOf(file), std::string("new"));
    EXPECT_EQ(namesIn(folder), std::string("edit.json"));
}

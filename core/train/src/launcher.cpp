#include "marionette/train/launcher.h"

#include "marionette/util/error.h"
#include "marionette/util/log.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <thread>

extern char** environ;

namespace marionette::train {
namespace {

// SIGINT / SIGTERM received by the launcher while it waits, to be forwarded to the workers.
volatile std::sig_atomic_t g_lastSignal = 0;
volatile std::sig_atomic_t g_signalsReceived = 0;

void rememberSignal(int signal) {
    g_lastSignal = signal;
    g_signalsReceived = g_signalsReceived + 1;
}

// Installs the forwarding handlers for the launcher's lifetime and restores the previous ones after.
class SignalForwarding {
public:
    SignalForwarding() {
        g_lastSignal = 0;
        g_signalsReceived = 0;
        struct sigaction action {};
        action.sa_handler = rememberSignal;
        sigemptyset(&action.sa_mask);
        action.sa_flags = 0;
        sigaction(SIGINT, &action, &m_previousInterrupt);
        sigaction(SIGTERM, &action, &m_previousTerminate);
    }
    ~SignalForwarding() {
        sigaction(SIGINT, &m_previousInterrupt, nullptr);
        sigaction(SIGTERM, &m_previousTerminate, nullptr);
    }
    SignalForwarding(const SignalForwarding&) = delete;
    SignalForwarding& operator=(const SignalForwarding&) = delete;

private:
    struct sigaction m_previousInterrupt {
    }, m_previousTerminate{};
};

struct Worker {
    int rank = 0;
    pid_t pid = -1;
    bool running = false;
};

bool isJobVariable(const std::string& entry) {
    for (const char* name :
         {"RANK=", "WORLD_SIZE=", "LOCAL_RANK=", "LOCAL_WORLD_SIZE=", "MASTER_ADDR=", "MASTER_PORT="}) {
        if (entry.rfind(name, 0) == 0) return true;
    }
    return false;
}

// A null-terminated array of pointers into `strings` for execve.
std::vector<char*> pointersTo(std::vector<std::string>& strings) {
    std::vector<char*> pointers;
    for (auto& s : strings) pointers.push_back(s.data());
    pointers.push_back(nullptr);
    return pointers;
}

int exitStatus(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return 1;
}

std::string describeExit(int status) {
    if (WIFSIGNALED(status)) {
        const int signal = WTERMSIG(status);
        return "was killed by signal " + std::to_string(signal) + " (" + strsignal(signal) + ")" +
               (signal == SIGKILL ? "; out of memory?" : "");
    }
    return "exited with status " + std::to_string(exitStatus(status));
}

// Signals each running worker's process group: the worker and whatever it started, as a terminal would.
void signalAll(const std::vector<Worker>& workers, int signal) {
    for (const auto& w : workers) {
        if (w.running && kill(-w.pid, signal) != 0) kill(w.pid, signal);
    }
}

}  // namespace

int findFreePort() {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) throw Error(std::string("cannot open a socket to find a free port: ") + std::strerror(errno));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_ANY);
    address.sin_port = 0;  // the kernel picks a free one
    socklen_t length = sizeof(address);
    const bool ok = bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
                    getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
    const int error = errno;
    close(fd);
    if (!ok) throw Error(std::string("cannot find a free TCP port: ") + std::strerror(error));
    return ntohs(address.sin_port);
}

int launchLocalWorkers(int processes, const std::vector<std::string>& arguments, const LaunchOptions& options) {
    if (processes < 1)
        throw Error("the number of worker processes must be at least 1, not " + std::to_string(processes));
    if (arguments.empty()) throw Error("the workers' command line is empty");
    std::string executable = options.executable;
    if (executable.empty()) {
        std::error_code ec;
        executable = std::filesystem::read_symlink("/proc/self/exe", ec).string();
        if (ec) throw Error("cannot find this program to start its workers: " + ec.message());
    }
    if (access(executable.c_str(), X_OK) != 0)
        throw Error(executable + ": cannot start the workers: " + std::strerror(errno));
    const int port = options.masterPort > 0 ? options.masterPort : findFreePort();

    // The environment of every worker: ours without a previous run's job variables, plus its own.
    std::vector<std::string> inherited;
    bool threadsSet = false;
    for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
        const std::string e(*entry);
        if (isJobVariable(e)) continue;
        threadsSet = threadsSet || e.rfind("OMP_NUM_THREADS=", 0) == 0;
        inherited.push_back(e);
    }
    if (!threadsSet) {  // N workers with all cores each would oversubscribe the CPU
        const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
        inherited.push_back("OMP_NUM_THREADS=" +
                            std::to_string(std::max(1u, cores / static_cast<unsigned>(processes))));
    }
    std::vector<std::vector<std::string>> environments(static_cast<std::size_t>(processes), inherited);
    for (int rank = 0; rank < processes; ++rank) {
        auto& env = environments[static_cast<std::size_t>(rank)];
        env.push_back("RANK=" + std::to_string(rank));
        env.push_back("LOCAL_RANK=" + std::to_string(rank));
        env.push_back("WORLD_SIZE=" + std::to_string(processes));
        env.push_back("LOCAL_WORLD_SIZE=" + std::to_string(processes));
        env.push_back("MASTER_ADDR=" + options.masterAddress);
        env.push_back("MASTER_PORT=" + std::to_string(port));
    }
    std::vector<std::string> argumentCopy = arguments;
    const std::vector<char*> argv = pointersTo(argumentCopy);
    std::vector<std::vector<char*>> envps;
    for (auto& env : environments) envps.push_back(pointersTo(env));

    log::info("starting ", processes, " data-parallel workers of ", executable, " (rendezvous at ",
              options.masterAddress, ":", port, ")");
    SignalForwarding forwarding;
    std::vector<Worker> workers;
    [[maybe_unused]] const pid_t launcher = getpid();
    for (int rank = 0; rank < processes; ++rank) {
        const pid_t pid = fork();
        if (pid < 0) {
            const int error = errno;
            signalAll(workers, SIGKILL);
            for (const auto& w : workers) waitpid(w.pid, nullptr, 0);
            throw Error(std::string("cannot start data-parallel worker ") + std::to_string(rank) + ": " +
                        std::strerror(error));
        }
        if (pid == 0) {
            // The child: only async-signal-safe calls until exec. Its own process group, so that a Ctrl-C in
            // the terminal reaches the launcher only and is forwarded once; and it dies with the launcher
            // (strictly: with the launcher's thread, so call this from the main thread).
            setpgid(0, 0);
#ifdef __linux__
            prctl(PR_SET_PDEATHSIG, SIGTERM);
            if (getppid() != launcher) _exit(1);
#endif
            execve(executable.c_str(), argv.data(), envps[static_cast<std::size_t>(rank)].data());
            static const char message[] = "marionette: cannot execute the data-parallel worker program\n";
            [[maybe_unused]] const auto written = write(STDERR_FILENO, message, sizeof(message) - 1);
            _exit(127);
        }
        setpgid(pid, pid);  // also from here, so that it holds before the launcher signals the group
        workers.push_back({rank, pid, true});
    }

    using Clock = std::chrono::steady_clock;
    const auto start = Clock::now();
    bool killPending = false;  // SIGKILL at killAt (a plain flag: GCC misreads std::optional here)
    Clock::time_point killAt = start;
    int result = 0;
    bool stopping = false;
    std::sig_atomic_t forwarded = 0;
    auto stopOthers = [&] {
        stopping = true;
        signalAll(workers, SIGTERM);
        killPending = true;
        killAt = Clock::now() + options.gracePeriod;
    };
    while (std::any_of(workers.begin(), workers.end(), [](const Worker& w) { return w.running; })) {
        for (auto& w : workers) {
            if (!w.running) continue;
            int status = 0;
            const pid_t done = waitpid(w.pid, &status, WNOHANG);
            if (done == 0 || (done < 0 && errno == EINTR)) continue;
            w.running = false;
            if (done < 0) continue;  // already reaped elsewhere
            const int code = exitStatus(status);
            if (code == 0) continue;
            if (result == 0) result = code;
            if (stopping || forwarded > 0) continue;  // after a stop we asked for
            log::error("data-parallel worker ", w.rank, " (process ", w.pid, ") ", describeExit(status),
                       "; stopping the others");
            stopOthers();
        }
        while (forwarded < g_signalsReceived) {
            log::info("forwarding signal ", static_cast<int>(g_lastSignal), " to the data-parallel workers");
            signalAll(workers, g_lastSignal);
            ++forwarded;
        }
        if (options.timeout.count() > 0 && !stopping && Clock::now() - start > options.timeout) {
            log::error("the data-parallel workers did not finish within ", options.timeout.count() / 1000.0,
                       " s; stopping them");
            result = 124;
            stopOthers();
        }
        if (killPending && Clock::now() > killAt) {
            signalAll(workers, SIGKILL);
            killPending = false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return result;
}

}  // namespace marionette::train

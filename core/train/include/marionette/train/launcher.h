#pragma once
// Starts the workers of a data-parallel run on this machine (what `marionette-train --nproc N` does):
// N copies of a program, each with RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR and
// MASTER_PORT set, as torchrun would. The launcher waits for them, forwards SIGINT and SIGTERM (the workers
// checkpoint and stop together), and stops the others as soon as one fails.
//
//   if (nproc > 1 && !DistributedEnvironment::present())
//       return launchLocalWorkers(nproc, argumentsWithoutNproc);   // argv[0] included
#include <chrono>
#include <string>
#include <vector>

namespace marionette::train {

struct LaunchOptions {
    std::string executable;                   // the program to run; empty: this one (/proc/self/exe)
    std::string masterAddress = "127.0.0.1";  // where rank 0 serves the rendezvous
    int masterPort = 0;                       // 0: a free port
    std::chrono::milliseconds timeout{0};     // 0: none; when it passes, the workers are stopped
    std::chrono::milliseconds gracePeriod = std::chrono::seconds(10);  // SIGTERM, then SIGKILL after this
};

// Runs `processes` workers with the command line `arguments` (arguments[0] is the name they see as argv[0])
// and returns 0 when all succeed; otherwise the exit status of the first that failed (128 + signal number
// when it was killed), or 124 when the timeout passed. Throws marionette::Error when the workers cannot be
// started. When OMP_NUM_THREADS is not set, each worker gets an equal share of this machine's cores.
int launchLocalWorkers(int processes, const std::vector<std::string>& arguments, const LaunchOptions& options = {});

// A TCP port that is free on this machine now (the rendezvous binds it a moment later).
int findFreePort();

}  // namespace marionette::train

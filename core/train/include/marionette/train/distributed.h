#pragma once
// Data-parallel training over LibTorch's c10d: every process (rank) trains the same model on its own shard
// of each batch; after each backward pass the gradients are averaged over all ranks, so the ranks take
// identical steps, equal to one process's step on the whole batch. Gloo on the CPU, NCCL on CUDA.
//
// A worker's main (the processes are started by launchLocalWorkers, torchrun, or by hand on each machine):
//   const auto job = DistributedEnvironment::fromVariables();   // RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT
//   options.rank = job.rank; options.worldSize = job.worldSize; options.localRank = job.localRank;
//   Trainer trainer(options, dataset);
//   ProcessGroupReducer reducer(job, trainer.device());         // waits until all ranks have joined
//   trainer.setGradientReducer(&reducer);
//   trainer.run();                                               // only rank 0 writes checkpoints and logs
#include "marionette/train/trainer.h"

#include <c10/core/Device.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace marionette::train {

// Where this process sits in a data-parallel run, from the variables torchrun and our launcher set.
struct DistributedEnvironment {
    int rank = 0;
    int worldSize = 1;
    int localRank = 0;       // rank among the processes on this machine (LOCAL_RANK, else rank)
    int localWorldSize = 1;  // processes on this machine (LOCAL_WORLD_SIZE, else worldSize)
    std::string masterAddress;
    int masterPort = 0;

    // True when WORLD_SIZE or RANK is set: this process is one worker of a data-parallel run.
    static bool present();
    // Reads RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT and, when set, LOCAL_RANK and LOCAL_WORLD_SIZE;
    // throws marionette::Error naming the variable that is missing or invalid.
    static DistributedEnvironment fromVariables();
};

enum class CommunicationBackend { Auto, Gloo, Nccl };  // Auto: NCCL for CUDA tensors when built with it, else gloo
CommunicationBackend communicationBackendFromString(const std::string& text);  // auto | gloo | nccl
const char* toString(CommunicationBackend backend);
bool glooAvailable();  // whether this build can make each backend
bool ncclAvailable();

// A GradientReducer over a c10d process group. Rank 0 serves the TCP rendezvous on MASTER_PORT; the
// constructor returns when all ranks have joined, and throws marionette::Error when one has not within
// the timeout, when MASTER_ADDR cannot be reached, or when the backend is not available.
class ProcessGroupReducer final : public GradientReducer {
public:
    struct Options {
        CommunicationBackend backend = CommunicationBackend::Auto;
        std::chrono::milliseconds timeout = std::chrono::minutes(10);  // rendezvous, and each collective
    };

    // `device`: where the gradients and parameters live (the trainer's device).
    ProcessGroupReducer(const DistributedEnvironment& environment, c10::Device device, const Options& options);
    ProcessGroupReducer(const DistributedEnvironment& environment, c10::Device device);
    ~ProcessGroupReducer() override;
    ProcessGroupReducer(const ProcessGroupReducer&) = delete;
    ProcessGroupReducer& operator=(const ProcessGroupReducer&) = delete;

    // Sums each tensor over the ranks and divides by the world size, in place. Tensors are packed into one
    // flat buffer per (dtype, device), so a step costs one all-reduce per buffer. All ranks must pass the
    // same shapes in the same order; a mismatch is detected and reported rather than left to hang.
    void allReduceAverage(std::vector<at::Tensor>& gradients) override;
    // Overwrites the tensors with rank 0's (packed like allReduceAverage).
    void broadcastParameters(std::vector<at::Tensor>& parameters) override;
    std::int64_t maxOverRanks(std::int64_t value) override;

    int rank() const;
    int worldSize() const;
    CommunicationBackend backend() const;  // the one chosen (never Auto)

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

}  // namespace marionette::train

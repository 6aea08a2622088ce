#include "marionette/train/distributed.h"

#include "marionette/util/error.h"
#include "marionette/util/log.h"
#include "marionette/util/torch_compat.h"

#include <c10/core/impl/DeviceGuardImplInterface.h>
#include <torch/types.h>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#ifdef MARIONETTE_HAS_GLOO
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#endif
#ifdef MARIONETTE_HAS_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <optional>
#include <sstream>
#include <thread>

namespace marionette::train {
namespace {

std::optional<std::string> variable(const char* name) {
    const char* value = std::getenv(name);
    if (value == nullptr || *value == '\0') return std::nullopt;
    return std::string(value);
}

const char* kVariablesHint =
    "a data-parallel worker needs RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT (marionette-train --nproc N sets them "
    "for local workers)";

std::string requiredVariable(const char* name) {
    if (auto value = variable(name)) return *value;
    throw Error(std::string(name) + " is not set: " + kVariablesHint);
}

int integerVariable(const char* name, const std::string& text, long lowest, long highest) {
    errno = 0;
    char* end = nullptr;
    const long value = std::strtol(text.c_str(), &end, 10);
    if (errno != 0 || end == text.c_str() || *end != '\0' || value < lowest || value > highest)
        throw Error(std::string(name) + " is \"" + text + "\"; it must be a whole number from " +
                    std::to_string(lowest) + " to " + std::to_string(highest));
    return static_cast<int>(value);
}

[[maybe_unused]] bool isLoopback(const std::string& address) {
    return address == "localhost" || address.rfind("127.", 0) == 0 || address == "::1";
}

std::string secondsText(std::chrono::milliseconds duration) {
    std::ostringstream out;
    out << static_cast<double>(duration.count()) / 1000.0 << " s";
    return out.str();
}

std::string messageOf(const std::exception& e) {
    if (const auto* c10Error = dynamic_cast<const c10::Error*>(&e)) return c10Error->what_without_backtrace();
    return e.what();
}

CommunicationBackend chooseBackend(CommunicationBackend requested, const c10::Device& device) {
    switch (requested) {
        case CommunicationBackend::Auto:
            if (device.is_cuda() && torch_compat::kHasNccl) return CommunicationBackend::Nccl;
            if (torch_compat::kHasGloo) return CommunicationBackend::Gloo;
            throw Error("this build cannot train on several processes: its LibTorch has no gloo" +
                        std::string(device.is_cuda() ? " and no NCCL" : "") +
                        " support, or gloo's headers were missing when Marionette was built (Debian: install "
                        "libgloo-dev and rebuild)");
        case CommunicationBackend::Gloo:
            if (!torch_compat::kHasGloo)
                throw Error(
                    "the gloo backend was requested but this build has none: its LibTorch lacks gloo or gloo's headers "
                    "were missing "
                    "when Marionette was built (Debian: install libgloo-dev and rebuild)");
            return CommunicationBackend::Gloo;
        case CommunicationBackend::Nccl:
            if (!torch_compat::kHasNccl)
                throw Error(
                    "the NCCL backend was requested but this build has no NCCL: it needs a CUDA LibTorch built with "
                    "NCCL and nccl.h "
                    "when Marionette is built; use the gloo backend instead");
            if (!device.is_cuda())
                throw Error(
                    "the NCCL backend works on CUDA devices only but training runs on the CPU; use the gloo backend");
            return CommunicationBackend::Nccl;
    }
    return CommunicationBackend::Gloo;
}

// Tensors grouped by (dtype, device), each group sent as one flat buffer.
struct Bucket {
    at::ScalarType dtype;
    c10::Device device;
    std::vector<std::size_t> members;
};

std::vector<Bucket> bucketsOf(const std::vector<at::Tensor>& tensors) {
    std::vector<Bucket> buckets;
    for (std::size_t i = 0; i < tensors.size(); ++i) {
        if (!tensors[i].defined())
            throw Error("data-parallel training: an undefined tensor was passed to a collective");
        auto it = std::find_if(buckets.begin(), buckets.end(), [&](const Bucket& b) {
            return b.dtype == tensors[i].scalar_type() && b.device == tensors[i].device();
        });
        if (it == buckets.end())
            it = buckets.insert(buckets.end(), Bucket{tensors[i].scalar_type(), tensors[i].device(), {}});
        it->members.push_back(i);
    }
    return buckets;
}

at::Tensor pack(const std::vector<at::Tensor>& tensors, const Bucket& bucket, const c10::Device& collectiveDevice) {
    std::vector<at::Tensor> flat;
    flat.reserve(bucket.members.size());
    for (std::size_t i : bucket.members) flat.push_back(tensors[i].detach().reshape({-1}));
    return at::cat(flat).to(collectiveDevice);
}

void unpack(const at::Tensor& buffer, std::vector<at::Tensor>& tensors, const Bucket& bucket) {
    torch::NoGradGuard noGrad;  // parameters are leaves that require grad
    const at::Tensor local = buffer.to(bucket.device);
    int64_t offset = 0;
    for (std::size_t i : bucket.members) {
        at::Tensor& t = tensors[i];
        const int64_t n = t.numel();
        t.copy_(local.narrow(0, offset, n).view(t.sizes()));
        offset += n;
    }
}

}  // namespace

bool DistributedEnvironment::present() { return variable("WORLD_SIZE").has_value() || variable("RANK").has_value(); }

DistributedEnvironment DistributedEnvironment::fromVariables() {
    DistributedEnvironment e;
    e.worldSize = integerVariable("WORLD_SIZE", requiredVariable("WORLD_SIZE"), 1, 1 << 20);
    const std::string rankText = requiredVariable("RANK");
    e.rank = integerVariable("RANK", rankText, 0, 1 << 20);
    if (e.rank >= e.worldSize)
        throw Error("RANK is " + rankText + " but WORLD_SIZE is " + std::to_string(e.worldSize) +
                    ": ranks go from 0 to " + std::to_string(e.worldSize - 1));
    e.masterAddress = requiredVariable("MASTER_ADDR");
    e.masterPort = integerVariable("MASTER_PORT", requiredVariable("MASTER_PORT"), 1, 65535);
    e.localWorldSize = e.worldSize;
    e.localRank = e.rank;
    if (auto text = variable("LOCAL_WORLD_SIZE"))
        e.localWorldSize = integerVariable("LOCAL_WORLD_SIZE", *text, 1, e.worldSize);
    if (auto text = variable("LOCAL_RANK")) e.localRank = integerVariable("LOCAL_RANK", *text, 0, e.localWorldSize - 1);
    return e;
}

CommunicationBackend communicationBackendFromString(const std::string& text) {
    if (text == "auto") return CommunicationBackend::Auto;
    if (text == "gloo") return CommunicationBackend::Gloo;
    if (text == "nccl") return CommunicationBackend::Nccl;
    throw Error("unknown communication backend \"" + text + "\" (expected auto, gloo or nccl)");
}

const char* toString(CommunicationBackend backend) {
    switch (backend) {
        case CommunicationBackend::Auto:
            return "auto";
        case CommunicationBackend::Gloo:
            return "gloo";
        case CommunicationBackend::Nccl:
            return "nccl";
    }
    return "?";
}

bool glooAvailable() { return torch_compat::kHasGloo; }
bool ncclAvailable() { return torch_compat::kHasNccl; }

struct ProcessGroupReducer::Impl {
    int rank = 0, worldSize = 1;
    CommunicationBackend backend = CommunicationBackend::Gloo;
    c10::Device device{c10::kCPU};
    c10::Device collectiveDevice{c10::kCPU};  // gloo reduces CPU tensors; NCCL those on the GPU
    c10::intrusive_ptr<c10d::Store> store;    // declared before the group: destroyed after it
    c10::intrusive_ptr<torch_compat::CollectiveGroup> group;

    template <typename WorkPointer>
    void finish(const WorkPointer& work, const char* what) {
        try {
            work->wait();
        } catch (const std::exception& e) {
            throw Error(std::string("data-parallel training: the ") + what + " across the " +
                        std::to_string(worldSize) + " processes failed (did one of them stop?): " + messageOf(e));
        }
    }

    void allReduce(at::Tensor& tensor, c10d::ReduceOp op, const char* what) {
        std::vector<at::Tensor> tensors{tensor};
        c10d::AllreduceOptions options;
        options.reduceOp = op;
        finish(group->allreduce(tensors, options), what);
    }

    // Every rank must send buffers of the same sizes; otherwise the collective would hang or mix data.
    void checkSameLayout(const std::vector<at::Tensor>& tensors, const char* what) {
        int64_t elements = 0;
        for (const auto& t : tensors) elements += t.defined() ? t.numel() : 0;
        const auto count = static_cast<int64_t>(tensors.size());
        at::Tensor layout = at::tensor({elements, -elements, count, -count}, at::kLong).to(collectiveDevice);
        allReduce(layout, c10d::ReduceOp::MAX, what);
        const auto v = layout.cpu();
        const auto* m = v.data_ptr<int64_t>();
        if (m[0] != -m[1] || m[2] != -m[3])
            throw Error(std::string("data-parallel training: the processes disagree on the tensors of the ") + what +
                        " (this one has " + std::to_string(count) + " tensors, " + std::to_string(elements) +
                        " values): all ranks must train the same model configuration");
    }
};

ProcessGroupReducer::ProcessGroupReducer(const DistributedEnvironment& environment, c10::Device device)
    : ProcessGroupReducer(environment, device, Options{}) {}

ProcessGroupReducer::ProcessGroupReducer(const DistributedEnvironment& environment, c10::Device device,
                                         const Options& options)
    : m_impl(std::make_unique<Impl>()) {
    Impl& d = *m_impl;
    d.rank = environment.rank;
    d.worldSize = environment.worldSize;
    d.device = device;
    d.backend = chooseBackend(options.backend, device);
    d.collectiveDevice = d.backend == CommunicationBackend::Nccl ? device : c10::Device(c10::kCPU);
    if (environment.worldSize < 1 || environment.rank < 0 || environment.rank >= environment.worldSize)
        throw Error("data-parallel rank " + std::to_string(environment.rank) + " is outside a world of " +
                    std::to_string(environment.worldSize) + " processes");
    if (environment.masterPort < 1 || environment.masterPort > 65535)
        throw Error("the rendezvous port " + std::to_string(environment.masterPort) +
                    " is not a TCP port (1 to 65535)");
    if (options.timeout.count() <= 0) throw Error("the data-parallel timeout must be positive");
    const std::string where = environment.masterAddress + ":" + std::to_string(environment.masterPort);
    const std::string seconds = secondsText(options.timeout);
    if (device.is_cuda())
        c10::impl::getDeviceGuardImpl(c10::kCUDA)->setDevice(device);  // NCCL works on the current device

    // Rendezvous: rank 0 serves a TCPStore and waits until all ranks have connected.
    try {
        c10d::TCPStoreOptions storeOptions;
        storeOptions.port = static_cast<std::uint16_t>(environment.masterPort);
        storeOptions.isServer = environment.rank == 0;
        storeOptions.numWorkers = static_cast<std::size_t>(environment.worldSize);
        storeOptions.waitWorkers = true;
        storeOptions.timeout = options.timeout;
        d.store = c10::make_intrusive<c10d::TCPStore>(environment.masterAddress, storeOptions);
    } catch (const std::exception& e) {
        if (environment.rank == 0)
            throw Error(
                "data-parallel rank 0 could not gather the " + std::to_string(environment.worldSize) +
                " processes at " + where + " within " + seconds + ": " + messageOf(e) +
                ". Start every rank with the same MASTER_ADDR, MASTER_PORT and WORLD_SIZE, and use a free port");
        throw Error("data-parallel rank " + std::to_string(environment.rank) + " could not join rank 0 at " + where +
                    " within " + seconds + ": " + messageOf(e) +
                    ". Start rank 0 too; MASTER_ADDR must be its address and MASTER_PORT reachable");
    }

    // Every rank counts itself in and waits for the others, so that a missing rank is named as such.
    try {
        const std::string key = "marionette/joined";
        int64_t joined = d.store->add(key, 1);
        const auto deadline = std::chrono::steady_clock::now() + options.timeout;
        while (joined < environment.worldSize && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
            joined = d.store->add(key, 0);
        }
        if (joined < environment.worldSize)
            throw Error("only " + std::to_string(joined) + " of the " + std::to_string(environment.worldSize) +
                        " processes joined the rendezvous at " + where + " within " + seconds +
                        ". Start every rank with the same MASTER_ADDR, MASTER_PORT and WORLD_SIZE");
    } catch (const Error& e) {
        throw Error("data-parallel rank " + std::to_string(environment.rank) + ": " + e.what());
    } catch (const std::exception& e) {
        throw Error("data-parallel rank " + std::to_string(environment.rank) + " lost the rendezvous at " + where +
                    ": " + messageOf(e));
    }

    // The process group: connections between all ranks, made through the store.
    try {
        if (d.backend == CommunicationBackend::Nccl) {
#ifdef MARIONETTE_HAS_NCCL
            auto ncclOptions = c10d::ProcessGroupNCCL::Options::create();
            ncclOptions->timeout = options.timeout;
            d.group = c10::make_intrusive<c10d::ProcessGroupNCCL>(d.store, environment.rank, environment.worldSize,
                                                                  ncclOptions);
#endif
        } else {
#ifdef MARIONETTE_HAS_GLOO
            auto glooOptions = c10d::ProcessGroupGloo::Options::create(options.timeout);
            // GLOO_SOCKET_IFNAME picks the network interface as in PyTorch; a local run stays on the loopback.
            if (auto interfaceName = variable("GLOO_SOCKET_IFNAME"))
                glooOptions->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(*interfaceName));
            else if (isLoopback(environment.masterAddress))
                glooOptions->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
            else
                glooOptions->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
            d.group = c10::make_intrusive<c10d::ProcessGroupGloo>(d.store, environment.rank, environment.worldSize,
                                                                  glooOptions);
#endif
        }
    } catch (const std::exception& e) {
        throw Error("data-parallel rank " + std::to_string(environment.rank) +
                    " could not connect to the other ranks (" + toString(d.backend) + " via " + where +
                    "): " + messageOf(e));
    }
    if (!d.group) throw Error(std::string("the ") + toString(d.backend) + " backend is not compiled into this build");
    log::info("data-parallel: rank ", d.rank, " of ", d.worldSize, " joined at ", where, ", ", toString(d.backend),
              " on ", device.is_cuda() ? "CUDA:" + std::to_string(device.index()) : std::string("the CPU"));
}

ProcessGroupReducer::~ProcessGroupReducer() = default;

void ProcessGroupReducer::allReduceAverage(std::vector<at::Tensor>& gradients) {
    Impl& d = *m_impl;
    d.checkSameLayout(gradients, "gradient all-reduce");
    for (const Bucket& bucket : bucketsOf(gradients)) {
        at::Tensor buffer = pack(gradients, bucket, d.collectiveDevice);
        d.allReduce(buffer, c10d::ReduceOp::SUM, "gradient all-reduce");
        buffer.div_(d.worldSize);
        unpack(buffer, gradients, bucket);
    }
}

void ProcessGroupReducer::broadcastParameters(std::vector<at::Tensor>& parameters) {
    Impl& d = *m_impl;
    d.checkSameLayout(parameters, "parameter broadcast");
    for (const Bucket& bucket : bucketsOf(parameters)) {
        std::vector<at::Tensor> buffer{pack(parameters, bucket, d.collectiveDevice)};
        c10d::BroadcastOptions options;
        options.rootRank = 0;
        d.finish(d.group->broadcast(buffer, options), "parameter broadcast");
        unpack(buffer[0], parameters, bucket);
    }
}

std::int64_t ProcessGroupReducer::maxOverRanks(std::int64_t value) {
    Impl& d = *m_impl;
    at::Tensor t = at::tensor({value}, at::kLong).to(d.collectiveDevice);
    d.allReduce(t, c10d::ReduceOp::MAX, "agreement");
    return t.cpu().data_ptr<int64_t>()[0];
}

int ProcessGroupReducer::rank() const { return m_impl->rank; }
int ProcessGroupReducer::worldSize() const { return m_impl->worldSize; }
CommunicationBackend ProcessGroupReducer::backend() const { return m_impl->backend; }

}  // namespace marionette::train

// Data-parallel training: batch sharding, the c10d reducer, the local launcher, and the equivalence of
// two gloo processes with batch b to one process with batch 2b. The two ranks are this executable again,
// started by launchLocalWorkers with the filter "ddpworker_" (a case ctest never runs on its own).
#include "check.h"
#include "moving_squares.h"

#include "marionette/train/distributed.h"
#include "marionette/train/launcher.h"
#include "marionette/train/trainer.h"
#include "marionette/util/error.h"

#include <torch/types.h>

#include <unistd.h>
#include <atomic>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <thread>

using namespace marionette;
using namespace marionette::train;
namespace fs = std::filesystem;

namespace {

constexpr int kBatchPerRank = 2;
constexpr int kSteps = 4;  // 2 in stage 1 (deformation), 2 in stage 2 (everything, with the discriminator)
constexpr int kReductions =
    2 * 1 + 2 * 2;  // gradient all-reduces: generator in stage 1, generator + discriminator in stage 2
const char* kOutputVariable = "MARIONETTE_DDP_TEST_OUT";

using test::MovingSquares;

// Workers that are /bin/sh scripts, with a 20 s timeout and a 2 s grace period after SIGTERM.
LaunchOptions shellWorkers() {
    LaunchOptions shell;
    shell.executable = "/bin/sh";
    shell.timeout = std::chrono::seconds(20);
    shell.gracePeriod = std::chrono::seconds(2);
    return shell;
}

TrainOptions tinyOptions(const std::string& dir, int batch) {
    TrainOptions o = test::tinyTrainOptions(dir);
    o.batchSize = batch;
    o.stage1Steps = 2;
    o.stage2Steps = kSteps - 2;
    o.learningRate = 1e-3;
    o.discriminatorLearningRate = 1e-3;
    o.checkpointEvery = 1000;
    o.threads = 1;
    o.seed = 11;
    return o;
}

std::vector<at::Tensor> weightsOf(const Trainer& trainer) {
    std::vector<at::Tensor> weights;
    for (const auto& p : trainer.generator()->parameters()) weights.push_back(p.detach().clone());
    for (const auto& p : trainer.averagedGenerator()->parameters()) weights.push_back(p.detach().clone());
    return weights;
}

double maxDifference(const std::vector<at::Tensor>& a, const std::vector<at::Tensor>& b) {
    EXPECT_EQ(a.size(), b.size());
    double worst = 0.0;
    for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i)
        worst = std::max(worst, (a[i] - b[i]).abs().max().item<double>());
    return worst;
}

bool hasFileWithExtension(const std::string& dir, const std::string& extension) {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
        if (e.path().extension() == extension) return true;
    }
    return false;
}

// Sets an environment variable for one scope and restores the previous value.
class ScopedVariable {
public:
    ScopedVariable(const char* name, const std::optional<std::string>& value) : m_name(name) {
        if (const char* old = std::getenv(name)) m_previous = old;
        set(value);
    }
    ~ScopedVariable() { set(m_previous); }
    ScopedVariable(const ScopedVariable&) = delete;
    ScopedVariable& operator=(const ScopedVariable&) = delete;

private:
    void set(const std::optional<std::string>& value) {
        if (value)
            setenv(m_name, value->c_str(), 1);
        else
            unsetenv(m_name);
    }
    const char* m_name;
    std::optional<std::string> m_previous;
};

// Passes everything to `inner` (a no-op without one), keeps a flat copy of each averaged gradient list, and
// on request asks to stop after a number of gradient all-reduces, as a SIGINT on one machine would: all
// ranks must then stop after the same step.
class RecordingReducer : public GradientReducer {
public:
    RecordingReducer(GradientReducer* inner, int stopAfterReductions)
        : m_inner(inner), m_stopAfter(stopAfterReductions) {}
    void allReduceAverage(std::vector<at::Tensor>& gradients) override {
        if (m_inner) m_inner->allReduceAverage(gradients);
        std::vector<at::Tensor> flat;
        for (const auto& g : gradients) flat.push_back(g.detach().reshape({-1}));
        m_reduced.push_back(torch::cat(flat).clone());
        if (static_cast<int>(m_reduced.size()) == m_stopAfter) Trainer::requestStop();
    }
    void broadcastParameters(std::vector<at::Tensor>& parameters) override {
        if (m_inner) m_inner->broadcastParameters(parameters);
    }
    std::int64_t maxOverRanks(std::int64_t value) override { return m_inner ? m_inner->maxOverRanks(value) : value; }
    const std::vector<at::Tensor>& reduced() const { return m_reduced; }

private:
    GradientReducer* m_inner;
    int m_stopAfter;
    std::vector<at::Tensor> m_reduced;
};

}  // namespace

// The worker side of ddp_two_ranks_match_one_process_with_the_double_batch (runs only as its child).
TEST_CASE(ddpworker_train_one_rank) {
    const char* out = std::getenv(kOutputVariable);
    if (out == nullptr) {
        std::cerr
            << "    (a worker of ddp_two_ranks_match_one_process_with_the_double_batch; nothing to do on its own)\n";
        return;
    }
    const auto job = DistributedEnvironment::fromVariables();
    TrainOptions o = tinyOptions((fs::path(out) / ("rank" + std::to_string(job.rank))).string(), kBatchPerRank);
    o.rank = job.rank;
    o.worldSize = job.worldSize;
    o.localRank = job.localRank;
    o.stage2Steps += 1;  // one step more than the single process: rank 1's stop request must end the run
    Trainer trainer(o, std::make_shared<MovingSquares>());
    ProcessGroupReducer::Options reducerOptions;
    reducerOptions.backend = CommunicationBackend::Gloo;
    reducerOptions.timeout = std::chrono::seconds(30);
    ProcessGroupReducer reducer(job, trainer.device(), reducerOptions);
    // Gradient all-reduces per step: 1 in stage 1, 2 in stage 2 (generator and discriminator).
    RecordingReducer recording(&reducer, job.rank == 1 ? kReductions : -1);
    trainer.setGradientReducer(&recording);
    trainer.run();
    EXPECT_EQ(trainer.step(), kSteps);
    const std::string rank = std::to_string(job.rank);
    torch::save(weightsOf(trainer), (fs::path(out) / ("weights" + rank + ".pt")).string());
    torch::save(recording.reduced(), (fs::path(out) / ("gradients" + rank + ".pt")).string());
}

TEST_CASE(ddp_two_ranks_match_one_process_with_the_double_batch) {
    if (!glooAvailable()) {
        std::cerr << "    skipped: this build has no gloo backend (Debian: libgloo-dev)\n";
        return;
    }
    const std::string out = test::tempPath("ddp");
    fs::create_directories(out);
    auto data = std::make_shared<MovingSquares>();

    // One process with the whole batch of 2b.
    TrainOptions o = tinyOptions((fs::path(out) / "single").string(), 2 * kBatchPerRank);
    Trainer single(o, data);
    RecordingReducer recording(nullptr, -1);  // only records the gradients: the process is alone
    single.setGradientReducer(&recording);
    const auto initial = weightsOf(single);
    single.run();
    EXPECT_EQ(single.step(), kSteps);
    const auto reference = weightsOf(single);

    // Two gloo processes with b each, started like `marionette-train --nproc 2` starts its workers.
    int status = -1;
    {
        ScopedVariable output(kOutputVariable, out);
        LaunchOptions launch;
        launch.timeout = std::chrono::seconds(50);  // never hang: the launcher kills the workers after this
        launch.gracePeriod = std::chrono::seconds(2);
        status = launchLocalWorkers(2, {"ddp_tests", "ddpworker_"}, launch);
    }
    EXPECT_EQ(status, 0);
    if (status != 0) return;
    std::vector<at::Tensor> rank0, rank1, gradients0, gradients1;
    torch::load(rank0, (fs::path(out) / "weights0.pt").string());
    torch::load(rank1, (fs::path(out) / "weights1.pt").string());
    torch::load(gradients0, (fs::path(out) / "gradients0.pt").string());
    torch::load(gradients1, (fs::path(out) / "gradients1.pt").string());

    // The ranks take identical steps.
    EXPECT_EQ(maxDifference(rank0, rank1), 0.0);
    EXPECT_EQ(maxDifference(gradients0, gradients1), 0.0);
    EXPECT_EQ(gradients0.size(), static_cast<std::size_t>(kReductions));
    EXPECT_EQ(recording.reduced().size(), static_cast<std::size_t>(kReductions));
    if (gradients0.size() != static_cast<std::size_t>(kReductions) || recording.reduced().size() != gradients0.size())
        return;

    // From the same weights, the averaged gradient of the two halves is the gradient of the whole batch, up to
    // float rounding: the generator's at step 1 and the discriminator's at its first step (step 3, its
    // weights still the initial ones).
    auto relativeError = [&](std::size_t i) {
        const auto& whole = recording.reduced()[i];
        return ((gradients0[i] - whole).norm() / whole.norm()).item<double>();
    };
    const auto& firstWhole = recording.reduced()[0];
    const double firstMax = (gradients0[0] - firstWhole).abs().max().item<double>();
    std::cerr << "    step 1, generator gradient, 2 x " << kBatchPerRank << " averaged vs 1 x " << 2 * kBatchPerRank
              << ": max |difference| = " << firstMax << " (max |gradient| " << firstWhole.abs().max().item<double>()
              << "), relative L2 " << relativeError(0) << "; discriminator at step 3: relative L2 " << relativeError(3)
              << '\n';
    EXPECT(relativeError(0) < 1e-5);
    EXPECT(firstMax < 1e-5 * firstWhole.abs().max().item<double>() + 1e-6);
    EXPECT(relativeError(3) < 1e-5);

    // After k steps the parameters agree up to what Adam makes of float rounding: it moves every weight by
    // about the learning rate whatever the size of its gradient, so a weight whose gradient is rounding
    // noise (a convolution's bias ahead of InstanceNorm has a true gradient of 0) moves by +-lr at random.
    double differenceSquared = 0.0, movedSquared = 0.0, differenceOfWeights = 0.0;
    const auto named = single.generator()->named_parameters();
    for (std::size_t i = 0; i < reference.size(); ++i) {
        differenceSquared += (rank0[i] - reference[i]).square().sum().item<double>();
        movedSquared += (reference[i] - initial[i]).square().sum().item<double>();
        const std::string name = named[i % named.size()].key();
        if (name.size() < 9 || name.compare(name.size() - 9, 9, "conv.bias") != 0)
            differenceOfWeights = std::max(differenceOfWeights, (rank0[i] - reference[i]).abs().max().item<double>());
    }
    const double difference = maxDifference(rank0, reference), moved = maxDifference(reference, initial);
    const double relative = std::sqrt(differenceSquared / movedSquared);
    std::cerr << "    after " << kSteps << " steps (lr " << o.learningRate
              << "): max |parameter difference| = " << difference << ", without the biases ahead of InstanceNorm "
              << differenceOfWeights << "; |difference| / |change| = " << relative << " (parameters moved by up to "
              << moved << ")\n";
    EXPECT(moved > 2 * o.learningRate);
    EXPECT(relative < 0.2);
    // Only rank 0 writes checkpoints and the loss log; the stop request of rank 1 led to a checkpoint.
    EXPECT(fs::exists(fs::path(out) / "rank0" / "checkpoint-000000004.pt"));
    EXPECT(fs::exists(fs::path(out) / "rank0" / "losses.csv"));
    EXPECT(!hasFileWithExtension((fs::path(out) / "rank1").string(), ".pt"));
    EXPECT(!fs::exists(fs::path(out) / "rank1" / "losses.csv"));
}

TEST_CASE(ddp_shards_of_the_ranks_make_up_the_single_process_batch) {
    auto data = std::make_shared<MovingSquares>();
    model::ModelConfig config;
    config.width = 4;
    config.keyChannels = 8;
    config.height = 32;
    config.canvasWidth = 32;
    AugmentOptions augment;  // on: its seeds must follow the samples too
    auto loader = [&](int batch, int rank, int worldSize) {
        BatchLoader::Options o;
        o.batchSize = batch;
        o.workers = 1;
        o.seed = 5;
        o.rank = rank;
        o.worldSize = worldSize;
        o.firstBatch = 3;
        o.augment = augment;
        return std::make_unique<BatchLoader>(data, config, o);
    };
    auto whole = loader(6, 0, 1);
    auto first = loader(3, 0, 2);
    auto second = loader(3, 1, 2);
    for (int i = 0; i < 2; ++i) {
        const Batch all = whole->next(), a = first->next(), b = second->next();
        EXPECT_EQ(a.size(), 3u);
        EXPECT(torch::equal(torch::cat({a.reference, b.reference}), all.reference));
        EXPECT(torch::equal(torch::cat({a.targetSemantics, b.targetSemantics}), all.targetSemantics));
        EXPECT(!torch::equal(a.reference, b.reference));
    }
    EXPECT_THROWS(Error, loader(3, 2, 2), "rank 2", "world of 2");
}

TEST_CASE(ddp_environment_variables_are_checked) {
    ScopedVariable rank("RANK", std::string("1")), world("WORLD_SIZE", std::string("2")),
        address("MASTER_ADDR", std::string("10.0.0.5")), port("MASTER_PORT", std::string("29555")),
        localRank("LOCAL_RANK", std::nullopt), localWorld("LOCAL_WORLD_SIZE", std::nullopt);
    EXPECT(DistributedEnvironment::present());
    const auto job = DistributedEnvironment::fromVariables();
    EXPECT_EQ(job.rank, 1);
    EXPECT_EQ(job.worldSize, 2);
    EXPECT_EQ(job.localRank, 1);
    EXPECT_EQ(job.masterAddress, std::string("10.0.0.5"));
    EXPECT_EQ(job.masterPort, 29555);
    {
        ScopedVariable missing("MASTER_PORT", std::nullopt);
        EXPECT_THROWS(Error, DistributedEnvironment::fromVariables(), "MASTER_PORT is not set", "--nproc");
    }
    {
        ScopedVariable bad("WORLD_SIZE", std::string("two"));
        EXPECT_THROWS(Error, DistributedEnvironment::fromVariables(), "WORLD_SIZE is \"two\"", "whole number");
    }
    {
        ScopedVariable tooLarge("RANK", std::string("2"));
        EXPECT_THROWS(Error, DistributedEnvironment::fromVariables(), "RANK is 2 but WORLD_SIZE is 2", "0 to 1");
    }
    {
        ScopedVariable badPort("MASTER_PORT", std::string("70000"));
        EXPECT_THROWS(Error, DistributedEnvironment::fromVariables(), "MASTER_PORT", "1 to 65535");
    }
    {
        ScopedVariable local("LOCAL_RANK", std::string("0")), localSize("LOCAL_WORLD_SIZE", std::string("1"));
        EXPECT_EQ(DistributedEnvironment::fromVariables().localRank, 0);
    }
    EXPECT_THROWS(Error, communicationBackendFromString("mpi"), "mpi", "gloo");
}

TEST_CASE(ddp_missing_peer_and_missing_backend_give_clear_errors) {
    DistributedEnvironment job;
    job.worldSize = 2;
    job.masterAddress = "127.0.0.1";
    job.masterPort = findFreePort();
    ProcessGroupReducer::Options quick;
    quick.backend = CommunicationBackend::Gloo;
    quick.timeout = std::chrono::milliseconds(1500);
    if (glooAvailable()) {
        job.rank = 0;  // serves the rendezvous; rank 1 never comes
        EXPECT_THROWS(Error, ProcessGroupReducer(job, c10::kCPU, quick), "rank 0", "only 1 of the 2 processes joined",
                      "1.5 s", "WORLD_SIZE");
        job.rank = 1;  // nobody serves the rendezvous
        EXPECT_THROWS(Error, ProcessGroupReducer(job, c10::kCPU, quick),
                      "rank 1 could not join rank 0 at 127.0.0.1:", "Start rank 0");
    }
    ProcessGroupReducer::Options nccl = quick;
    nccl.backend = CommunicationBackend::Nccl;
    EXPECT_THROWS(Error, ProcessGroupReducer(job, c10::kCPU, nccl), "NCCL");  // no NCCL here, or NCCL without CUDA
    if (!ncclAvailable()) EXPECT_THROWS(Error, ProcessGroupReducer(job, c10::kCPU, nccl), "has no NCCL", "gloo");
}

TEST_CASE(ddp_launcher_sets_the_variables_and_reports_failures) {
    const std::string dir = test::tempPath("launcher");
    fs::create_directories(dir);
    ScopedVariable where("LAUNCHER_TEST_DIR", dir);
    const LaunchOptions shell = shellWorkers();
    // Every worker sees its rank and the rendezvous.
    EXPECT_EQ(launchLocalWorkers(
                  3,
                  {"sh", "-c",
                   "[ \"$WORLD_SIZE\" = 3 ] && [ \"$LOCAL_RANK\" = \"$RANK\" ] && [ \"$MASTER_ADDR\" = 127.0.0.1 ] && "
                   "[ \"$MASTER_PORT\" -gt 0 ] && touch \"$LAUNCHER_TEST_DIR/rank$RANK\""},
                  shell),
              0);
    for (int r = 0; r < 3; ++r) EXPECT(fs::exists(fs::path(dir) / ("rank" + std::to_string(r))));
    // A failing worker: its status comes back and the others are stopped rather than awaited.
    const auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(launchLocalWorkers(2, {"sh", "-c", "if [ \"$RANK\" = 1 ]; then exit 3; fi; sleep 30"}, shell), 3);
    EXPECT(std::chrono::steady_clock::now() - start < std::chrono::seconds(15));
    // A worker that hangs is stopped at the timeout.
    LaunchOptions impatient = shell;
    impatient.timeout = std::chrono::milliseconds(300);
    EXPECT_EQ(launchLocalWorkers(2, {"sh", "-c", "sleep 30"}, impatient), 124);
    EXPECT_THROWS(Error, launchLocalWorkers(0, {"sh"}, shell), "at least 1");
    LaunchOptions missing = shell;
    missing.executable = (fs::path(dir) / "no-such-program").string();
    EXPECT_THROWS(Error, launchLocalWorkers(1, {"x"}, missing), "no-such-program");
}

TEST_CASE(ddp_launcher_forwards_termination_to_the_workers) {
    const std::string dir = test::tempPath("forward");
    fs::create_directories(dir);
    ScopedVariable where("LAUNCHER_TEST_DIR", dir);
    const LaunchOptions shell = shellWorkers();
    // Once both workers are ready, this process receives SIGTERM (as from `kill` or a cluster scheduler);
    // the launcher must pass it on: the workers' trap answers with status 7.
    std::atomic<bool> sent{false};
    std::thread terminator([&] {
        for (int i = 0; i < 500; ++i) {
            if (fs::exists(fs::path(dir) / "ready0") && fs::exists(fs::path(dir) / "ready1")) {
                sent = true;
                kill(getpid(), SIGTERM);
                return;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    });
    const int status = launchLocalWorkers(
        2, {"sh", "-c", "trap 'exit 7' TERM; touch \"$LAUNCHER_TEST_DIR/ready$RANK\"; while :; do sleep 0.05; done"},
        shell);
    terminator.join();
    EXPECT(sent.load());
    EXPECT_EQ(status, 7);
}

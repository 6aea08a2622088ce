// marionette-cli bench: per-edit latency with the reference cached, without the cache, per-stage
// breakdown and peak memory, at the model's canvas size. Warm-up, repeats, mean ± sd (whisper.cpp bench).
#include "cli/adaptation_bench.h"
#include "cli/arguments.h"
#include "cli/bench_stats.h"
#include "cli/command.h"
#include "cli/data_bench.h"

#include "marionette/engine/engine.h"
#include "marionette/engine/op_profile.h"
#include "marionette/model/weights.h"
#include "marionette/pose/heatmap.h"
#include "marionette/train/evaluation.h"
#include "marionette/util/cpu_threads.h"
#include "marionette/util/error.h"
#include "marionette/util/files.h"
#include "marionette/util/torch_compat.h"

#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iomanip>
#include <map>
#include <ostream>
#include <sstream>

#include <time.h>

namespace marionette::cli {
namespace {

// CPU time of the whole process (all threads): unlike wall time, it barely changes when other programs
// compete for the cores, so it compares builds fairly on a busy machine.
double processCpuMilliseconds() {
    timespec t{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) / 1e6;
}

double peakResidentMegabytes() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return static_cast<double>(usage.ru_maxrss) / 1024.0;  // kilobytes on Linux
}

// A standing person and the same person waving, on the canvas: realistic semantics for timing.
std::pair<pose::Pose, pose::Pose> benchPoses(int height, int width) {
    using J = pose::JointId;
    const model::ModelConfig drawnOn = model::ModelConfig::body();  // the joints below are placed on its canvas
    const float sx = width / float(drawnOn.canvasWidth), sy = height / float(drawnOn.height);
    pose::Pose p;
    const std::vector<std::pair<J, Point2>> joints{
        {J::Nose, {88, 40}},       {J::Neck, {88, 62}},        {J::RightShoulder, {66, 64}},
        {J::RightElbow, {60, 98}}, {J::RightWrist, {58, 128}}, {J::LeftShoulder, {110, 64}},
        {J::LeftElbow, {116, 98}}, {J::LeftWrist, {118, 128}}, {J::RightHip, {74, 132}},
        {J::RightKnee, {72, 178}}, {J::RightAnkle, {72, 224}}, {J::LeftHip, {102, 132}},
        {J::LeftKnee, {104, 178}}, {J::LeftAnkle, {104, 224}}, {J::RightEye, {83, 35}},
        {J::LeftEye, {93, 35}},    {J::RightEar, {78, 38}},    {J::LeftEar, {98, 38}}};
    for (const auto& [j, q] : joints) p.set(j, q.x * sx, q.y * sy);
    pose::Pose waving = p;
    waving.set(J::RightElbow, 44 * sx, 50 * sy);
    waving.set(J::RightWrist, 50 * sx, 18 * sy);
    return {p, waving};
}

class BenchCommand : public Command {
public:
    std::string name() const override { return "bench"; }
    std::string summary() const override { return "measure per-edit latency, stage times and memory"; }

    int execute(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) override {
        Arguments a(
            "bench",
            {
                {"--weights", "FILE",
                 "weights to measure; without it, randomly initialised models of the default shapes", "", false},
                {"--device", "auto|cpu|cuda", "device", "auto", false},
                {"--threads", "N", "CPU threads (0: one per processor core)", "0", false},
                {"--widths", "LIST", "widths c to measure without --weights", "16,32", false},
                {"--variants", "LIST", "variants to measure without --weights", "full", false},
                {"--repeat", "N", "timed repetitions", "10", false},
                {"--warmup", "N", "untimed repetitions first", "2", false},
                {"--json", "FILE", "also write the rows as JSON", "", false},
                {"--no-cuda-graph", "", "on CUDA, do not measure replays of a recorded CUDA graph", "", false},
                {"--no-half", "", "on CUDA, do not measure fp16", "", false},
                {"--ops", "N", "also list the N operators taking the most time per cached edit (0: none)", "0", false},
                {"--op-shapes", "", "with --ops: tell operators apart by their arguments' sizes", "", false},
                {"--adapt", "N",
                 "instead, time an N-step adaptation of --weights (Model > Adapt to This Photo) to a procedural person "
                 "or face",
                 "0", false},
                {"--data", "SPEC",
                 "instead, time one loader thread drawing training batches of SPEC for --weights' model (body without "
                 "it)",
                 "", false},
                {"--batches", "N", "with --data: batches of 4 to draw", "8", false},
            });
        a.parse(args);
        if (a.has("--help")) {
            out << a.help();
            return kExitOk;
        }
        const int repeat = a.intValue("--repeat"), warmup = a.intValue("--warmup"), opRows = a.intValue("--ops");
        if (repeat < 1 || warmup < 0 || opRows < 0)
            throw UsageError("--repeat must be at least 1, --warmup and --ops at least 0");
        engine::EngineOptions options{a.deviceValue(), a.intValue("--threads")};
        if (a.has("--data")) {
            const int batches = a.intValue("--batches");
            if (batches < 1) throw UsageError("--batches must be at least 1");
            if (a.intValue("--threads") > 0) cpu_threads::configure(a.intValue("--threads"));
            const model::ModelConfig config =
                a.has("--weights") ? train::weightsConfig(a.value("--weights")) : model::ModelConfig::body();
            benchData({a.value("--data"), config, batches}, out);
            return kExitOk;
        }
        if (const int adaptSteps = a.intValue("--adapt"); adaptSteps != 0) {
            if (adaptSteps < 0) throw UsageError("--adapt must be 0 or more");
            if (!a.has("--weights")) throw UsageError("--adapt times the adaptation of weights: give --weights");
            benchAdaptation({a.value("--weights"), adaptSteps, a.deviceValue(), a.intValue("--threads")}, out);
            return kExitOk;
        }

        // The models to measure: the given file, or random initialisations of each width and variant.
        std::vector<std::pair<model::Generator, std::string>> models;
        if (a.has("--weights")) {
            auto loaded = model::loadGeneratorWeights(a.value("--weights"));
            models.emplace_back(loaded.generator, a.value("--weights"));
        } else {
            for (const std::string& variant : splitList(a.value("--variants"))) {
                for (const std::string& widthText : splitList(a.value("--widths"))) {
                    model::ModelConfig c = model::ModelConfig::body();
                    c.deformation = model::deformationFromString(variant);
                    c.width = std::stoi(widthText);
                    c.validate();
                    torch::manual_seed(0);
                    models.emplace_back(model::Generator(c), "random-init");
                }
            }
            out << "note: no --weights given; measuring randomly initialised weights of the same shapes (timing "
                   "only)\n";
        }

        nlohmann::json rows = nlohmann::json::array();
        out << "\n| model | variant | c | size | device | params | edit, cached (ms) | median | CPU time / edit (ms) | "
               "edit, uncached (ms) | peak RSS (MB) |\n"
            << "|---|---|---|---|---|---|---|---|---|---|---|\n";
        std::ostringstream stageTables;
        // On CUDA each model is measured running eagerly, replaying a recorded CUDA graph, and replaying it in
        // fp16 (last: an fp16 engine converts the shared generator in place).
        struct Run {
            model::Generator generator;
            std::string label;
            bool graph, half;
        };
        std::vector<Run> runs;
        const bool onCuda = engine::resolveDevice(options.device).is_cuda();
        for (auto& [generator, label] : models) {
            runs.push_back({generator, label, false, false});
            if (onCuda && !a.has("--no-cuda-graph")) runs.push_back({generator, label, true, false});
            if (onCuda && !a.has("--no-half")) runs.push_back({generator, label, !a.has("--no-cuda-graph"), true});
        }
        for (auto& [generator, label, graph, half] : runs) {
            const model::ModelConfig config = generator->config();
            const int64_t params = model::parameterCount(*generator);
            engine::EngineOptions runOptions = options;
            runOptions.cudaGraph = graph;
            runOptions.half = half;
            engine::Engine engine(generator, runOptions);
            const auto [refPose, tgtPose] = benchPoses(config.height, config.canvasWidth);
            torch::manual_seed(1);
            const auto image = torch::rand({3, config.height, config.canvasWidth}) * 2 - 1;
            const auto sr = semanticsFor(refPose, config);
            const auto st = semanticsFor(tgtPose, config);

            std::vector<double> cached, uncached;
            std::map<std::string, std::vector<double>> stages;
            std::vector<std::string> stageOrder;
            engine.prepare(image, sr);
            double cpuStart = 0;
            for (int i = 0; i < warmup + repeat; ++i) {
                if (i == warmup) cpuStart = processCpuMilliseconds();
                const auto result = engine.synthesize(i % 2 ? st : sr);
                if (i < warmup) continue;
                cached.push_back(result.totalMilliseconds);
                for (const auto& t : result.timings) {
                    if (!stages.count(t.stage)) stageOrder.push_back(t.stage);
                    stages[t.stage].push_back(t.milliseconds);
                }
            }
            const double cpuPerEdit = (processCpuMilliseconds() - cpuStart) / repeat;
            if (opRows > 0)
                stageTables << profiledOperatorTable(engine, sr, st, repeat, opRows, a.has("--op-shapes"), config);
            for (int i = 0; i < warmup + repeat; ++i) {
                const auto start = std::chrono::steady_clock::now();
                engine.prepare(image, sr);
                engine.synthesize(st);
                const double ms =
                    std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
                if (i >= warmup) uncached.push_back(ms);
            }
            const Stats c = statsOf(cached), u = statsOf(uncached);
            const std::string size = std::to_string(config.height) + "x" + std::to_string(config.canvasWidth);
            out << std::fixed << std::setprecision(1) << "| " << label << " | " << model::toString(config.deformation)
                << " | " << config.width << " | " << size << " | " << engine.deviceName()
                << (graph ? ", CUDA graph" : "") << " | " << params << " | " << c.mean << " ± " << c.sd << " | "
                << c.median << " | " << cpuPerEdit << " | " << u.mean << " ± " << u.sd << " | "
                << peakResidentMegabytes() << " |\n";
            nlohmann::json stageJson = nlohmann::json::object();
            stageTables << "\nstages, " << model::toString(config.deformation) << " c = " << config.width
                        << (graph ? ", CUDA graph" : "") << (half ? ", fp16" : "") << " (ms, mean of " << repeat
                        << "):\n";
            for (const auto& s : stageOrder) {
                const Stats st = statsOf(stages[s]);
                stageTables << "  " << std::left << std::setw(20) << s << std::right << std::fixed
                            << std::setprecision(2) << st.mean << '\n';
                stageJson[s] = st.mean;
            }
            rows.push_back({{"model", label},
                            {"variant", model::toString(config.deformation)},
                            {"c", config.width},
                            {"size", size},
                            {"device", engine.deviceName()},
                            {"cuda_graph", engine.replaysCudaGraph()},
                            {"fp16", engine.halfPrecision()},
                            {"libtorch", torch_compat::versionString()},
                            {"params", params},
                            {"edit_cached_ms", {{"mean", c.mean}, {"sd", c.sd}, {"median", c.median}}},
                            {"edit_cached_cpu_ms", cpuPerEdit},
                            {"edit_uncached_ms", {{"mean", u.mean}, {"sd", u.sd}}},
                            {"stages_ms", stageJson},
                            {"peak_rss_mb", peakResidentMegabytes()},
                            {"repeat", repeat}});
        }
        out << stageTables.str();
        out << "\nLibTorch " << torch_compat::versionString() << ", " << repeat << " repetitions after " << warmup
            << " warm-up\n";
        if (a.has("--json")) files::writeAtomically(a.value("--json"), rows.dump(2) + "\n");
        return kExitOk;
    }

private:
    // Separate passes so that the callbacks' own cost stays out of the latency figures.
    static std::string profiledOperatorTable(engine::Engine& engine, const at::Tensor& sr, const at::Tensor& st,
                                             int repeat, int rows, bool withShapes, const model::ModelConfig& config) {
        std::vector<engine::OpTime> totals;
        double total = 0.0;
        {
            engine::OpProfile profile(withShapes);
            for (int i = 0; i < repeat; ++i) total += engine.synthesize(i % 2 ? st : sr).totalMilliseconds;
            totals = profile.totals();
        }
        std::ostringstream table;
        table << "\noperators, " << model::toString(config.deformation) << " c = " << config.width
              << " (outermost operators; edit " << std::fixed << std::setprecision(1) << total / repeat
              << " ms while profiled):\n"
              << engine::operatorTable(totals, repeat, "edit", rows);
        return table.str();
    }

    static std::vector<std::string> splitList(const std::string& text) {
        std::vector<std::string> items;
        std::istringstream in(text);
        std::string item;
        while (std::getline(in, item, ',')) {
            if (!item.empty()) items.push_back(item);
        }
        if (items.empty()) throw UsageError("empty list \"" + text + "\"");
        return items;
    }

    static at::Tensor semanticsFor(const pose::Pose& p, const model::ModelConfig& config) {
        if (config.semantics != model::SemanticsKind::Body) {
            // Portrait models are timed on blank part maps: the cost does not depend on their content.
            return torch::zeros({config.semanticChannels(), config.height, config.canvasWidth});
        }
        return pose::renderHeatmaps(p, config.height, config.canvasWidth);
    }
};

MARIONETTE_CLI_COMMAND(BenchCommand);

}  // namespace
}  // namespace marionette::cli

#include "cli/adaptation_bench.h"

#include "marionette/model/weights.h"
#include "marionette/synth/body_pair_generator.h"
#include "marionette/synth/portrait_pair_generator.h"
#include "marionette/synth/seeds.h"
#include "marionette/train/adaptation.h"
#include "marionette/util/error.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iomanip>
#include <memory>

#include <unistd.h>

namespace marionette::cli {

double benchAdaptation(const AdaptationBenchOptions& options, std::ostream& out) {
    const auto base = train::AdaptationBase::read(options.weightsPath);
    const model::ModelConfig& config = base.config;
    train::AdaptationOptions adaptation;
    adaptation.steps = options.steps;
    adaptation.device = options.device;
    adaptation.threads = options.threads;
    // The photo's stand-in: the reference of a held-out procedural pair, on the model's canvas.
    const std::uint64_t seed = synth::kReportSeeds.at(0);
    namespace fs = std::filesystem;
    const fs::path scratch =
        fs::temp_directory_path() / ("marionette-bench-adapt-" + std::to_string(::getpid()) + ".safetensors");
    int lastStep = 0;
    const auto progress = [&](const train::AdaptationProgress& p) {
        lastStep = p.step;
        return true;
    };
    const auto start = std::chrono::steady_clock::now();
    if (config.semantics == model::SemanticsKind::Face) {
        synth::PortraitGeneratorConfig c;
        c.height = config.height;
        c.width = config.canvasWidth;
        const synth::PairSample drawn = synth::PortraitPairGenerator(c).generate(seed);
        train::adaptWeights(base, {train::FacePhoto{drawn.reference, *drawn.referenceFace}},
                            "a procedural face (bench)", scratch.string(), adaptation, progress);
    } else {
        synth::BodyGeneratorConfig c;
        c.height = config.height;
        c.width = config.canvasWidth;
        const synth::PairSample drawn = synth::BodyPairGenerator(c).generate(seed);
        train::adaptWeights(base, {train::PersonPhoto{drawn.reference, drawn.referencePose}},
                            "a procedural person (bench)", scratch.string(), adaptation, progress);
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::error_code ec;
    fs::remove(scratch, ec);
    out << "adaptation of " << options.weightsPath << " (" << model::toString(config.semantics)
        << ", c = " << config.width << ", " << config.height << " x " << config.canvasWidth
        << ") to a procedural stand-in: " << lastStep << " steps of batch " << adaptation.batchSize << " in "
        << std::fixed << std::setprecision(1) << seconds << " s (" << std::setprecision(3)
        << seconds / std::max(1, lastStep) << " s per step, loading and writing included)\n";
    return seconds;
}

}  // namespace marionette::cli

#include "cli/data_bench.h"

#include "cli/datasets.h"
#include "marionette/train/data.h"

#include <torch/torch.h>

#include <chrono>
#include <iomanip>
#include <vector>

namespace marionette::cli {

double benchData(const DataBenchOptions& options, std::ostream& out) {
    using Clock = std::chrono::steady_clock;
    const auto seconds = [](Clock::time_point a, Clock::time_point b) {
        return std::chrono::duration<double>(b - a).count();
    };
    torch::NoGradGuard noGrad;  // as on the loader's threads
    const auto dataset = openDataset(options.spec, options.config);
    const bool skeletonFlow = options.skeletonFlow && options.config.semantics == model::SemanticsKind::Body;
    const train::AugmentOptions augment;
    double drawing = 0.0, augmenting = 0.0, batching = 0.0, skeletonFlows = 0.0;
    // The same draw as the loader's first batches (index and seeds from the position), without its queue.
    for (int b = 0; b < options.batches; ++b) {
        std::vector<train::PairSample> pairs;
        for (int k = 0; k < options.batchSize; ++k) {
            const std::uint64_t draw = static_cast<std::uint64_t>(b) * static_cast<std::uint64_t>(options.batchSize) +
                                       static_cast<std::uint64_t>(k);
            const auto t0 = Clock::now();
            train::PairSample pair = dataset->pair(static_cast<std::size_t>(draw % dataset->size()), draw);
            const auto t1 = Clock::now();
            pairs.push_back(train::augment(pair, augment, draw));
            const auto t2 = Clock::now();
            drawing += seconds(t0, t1);
            augmenting += seconds(t1, t2);
        }
        // makeBatch's two parts apart: the semantics (and stacking), and the skeletons' flow.
        const auto t0 = Clock::now();
        const train::Batch batch = train::makeBatch(pairs, options.config, /*skeletonFlow=*/false);
        const auto t1 = Clock::now();
        if (skeletonFlow)
            for (const train::PairSample& p : pairs)
                train::skeletonFlowOf(p.referencePose, p.targetPose, options.config.height, options.config.canvasWidth,
                                      {4, 8});
        batching += seconds(t0, t1);
        skeletonFlows += seconds(t1, Clock::now());
    }
    const double pairs = static_cast<double>(options.batches) * options.batchSize;
    const double total = drawing + augmenting + batching + skeletonFlows;
    out << "data " << dataset->description() << " for " << model::toString(options.config.semantics) << " at "
        << options.config.height << " x " << options.config.canvasWidth << ", " << static_cast<int>(pairs)
        << " pairs in batches of " << options.batchSize << (skeletonFlow ? " with the skeletons' flow" : "")
        << ", one thread (" << at::get_num_threads() << " intra-op):\n"
        << std::fixed << std::setprecision(1) << "| part | ms per pair |\n|---|---|\n"
        << "| drawing the pair | " << 1000.0 * drawing / pairs << " |\n"
        << "| augmentation | " << 1000.0 * augmenting / pairs << " |\n"
        << "| semantics, stacking | " << 1000.0 * batching / pairs << " |\n";
    if (skeletonFlow) out << "| skeletons' flow | " << 1000.0 * skeletonFlows / pairs << " |\n";
    out << "| all | " << 1000.0 * total / pairs << " |\n"
        << std::setprecision(2) << pairs / total << " pairs/s per loader thread\n";
    return pairs / total;
}

}  // namespace marionette::cli

#pragma once
// The split of generator seeds into training and held-out evaluation data. Every generator of core/synth
// is a pure function of its seed, so a seed range is a data set; these ranges never overlap.
//
//   seed range               | use
//   -------------------------|-----------------------------------------------------------------------
//   [0, 2^40)                | training: the trainer draws only from here
//   [2^40, 2^41)             | validation: held out from training; tests and training-time evaluation
//                            | may use it
//   [2^41, 2^41 + 2^32)      | report: held out from training AND from the tests; only the final
//                            | evaluation (`marionette-train eval`, the tables in docs/) uses it, so
//                            | its metrics stay honest
//   [2^41 + 2^32, 2^64)      | reserved (held out, unused)
//
// isHeldOutSeed(seed) is true for every seed >= 2^40.
#include <cstdint>

namespace marionette::synth {

struct SeedRange {
    std::uint64_t first = 0;
    std::uint64_t count = 0;

    bool contains(std::uint64_t seed) const { return seed >= first && seed - first < count; }
    // The index-th seed of the range; throws marionette::Error past its end.
    std::uint64_t at(std::uint64_t index) const;
};

constexpr std::uint64_t kFirstHeldOutSeed = std::uint64_t{1} << 40;
constexpr SeedRange kTrainingSeeds{0, kFirstHeldOutSeed};
constexpr SeedRange kValidationSeeds{kFirstHeldOutSeed, kFirstHeldOutSeed};
constexpr SeedRange kReportSeeds{std::uint64_t{1} << 41, std::uint64_t{1} << 32};

inline bool isTrainingSeed(std::uint64_t seed) { return kTrainingSeeds.contains(seed); }
inline bool isHeldOutSeed(std::uint64_t seed) { return seed >= kFirstHeldOutSeed; }
inline bool isValidationSeed(std::uint64_t seed) { return kValidationSeeds.contains(seed); }
// Seeds of the final report: never used by the tests or by training.
inline bool isReportSeed(std::uint64_t seed) { return kReportSeeds.contains(seed); }

// "training", "validation", "report" or "reserved": for logs and model cards.
const char* seedSplitName(std::uint64_t seed);

}  // namespace marionette::synth

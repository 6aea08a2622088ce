#include "marionette/synth/seeds.h"

#include "marionette/util/error.h"

#include <string>

namespace marionette::synth {

std::uint64_t SeedRange::at(std::uint64_t index) const {
    if (index >= count)
        throw Error("seed index " + std::to_string(index) + " is past the end of a range of " + std::to_string(count) +
                    " seeds");
    return first + index;
}

const char* seedSplitName(std::uint64_t seed) {
    if (isTrainingSeed(seed)) return "training";
    if (isValidationSeed(seed)) return "validation";
    if (isReportSeed(seed)) return "report";
    return "reserved";
}

}  // namespace marionette::synth

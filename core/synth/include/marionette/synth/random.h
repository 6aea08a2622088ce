#pragma once
// The random numbers of core/synth: xoshiro256** seeded through SplitMix64, with our own distributions, so
// that a seed gives the same sample on every platform, compiler and standard library (the std::
// distributions are implementation-defined) and on every device (no torch generator is involved: random
// choices are made here, on the CPU, and the tensors are a deterministic function of them).
#include <cstdint>
#include <vector>

namespace marionette::synth {

class Rng {
public:
    explicit Rng(std::uint64_t seed);

    std::uint64_t next();
    double uniform();                         // [0, 1)
    double uniform(double low, double high);  // [low, high)
    int uniformInt(int low, int high);        // [low, high], both inclusive
    double normal(double mean = 0.0, double sd = 1.0);
    bool chance(double probability);
    // The index of `weights` chosen with probability proportional to its weight.
    std::size_t weighted(const std::vector<double>& weights);
    // An independent generator for one purpose (identity, pose, scene): drawing more numbers from one
    // stream never changes another.
    Rng fork(std::uint64_t stream) const;

private:
    std::uint64_t m_state[4];
    std::uint64_t m_seed;
};

// SplitMix64's finaliser: a well-mixed 64-bit hash of `x`.
std::uint64_t mix64(std::uint64_t x);

}  // namespace marionette::synth

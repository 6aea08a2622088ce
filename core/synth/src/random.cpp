#include "marionette/synth/random.h"
#include "marionette/util/geometry.h"

#include <cmath>

namespace marionette::synth {
namespace {

std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

}  // namespace

std::uint64_t mix64(std::uint64_t x) {
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

Rng::Rng(std::uint64_t seed) : m_seed(seed) {
    std::uint64_t s = seed;
    for (auto& word : m_state) {
        s += 0x9E3779B97F4A7C15ull;
        word = mix64(s);
    }
}

std::uint64_t Rng::next() {
    const std::uint64_t result = rotl(m_state[1] * 5, 7) * 9;
    const std::uint64_t t = m_state[1] << 17;
    m_state[2] ^= m_state[0];
    m_state[3] ^= m_state[1];
    m_state[1] ^= m_state[2];
    m_state[0] ^= m_state[3];
    m_state[2] ^= t;
    m_state[3] = rotl(m_state[3], 45);
    return result;
}

double Rng::uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

double Rng::uniform(double low, double high) { return low + (high - low) * uniform(); }

int Rng::uniformInt(int low, int high) {
    if (high <= low) return low;
    const auto span = static_cast<std::uint64_t>(static_cast<std::int64_t>(high) - low + 1);
    return static_cast<int>(low + static_cast<std::int64_t>(next() % span));
}

double Rng::normal(double mean, double sd) {
    // Box-Muller; 1 - uniform() lies in (0, 1], so the logarithm is finite.
    const double u1 = 1.0 - uniform();
    const double u2 = uniform();
    return mean + sd * std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * kPi * u2);
}

bool Rng::chance(double probability) { return uniform() < probability; }

std::size_t Rng::weighted(const std::vector<double>& weights) {
    double total = 0.0;
    for (double w : weights) total += w > 0.0 ? w : 0.0;
    double pick = uniform() * total;
    for (std::size_t i = 0; i < weights.size(); ++i) {
        const double w = weights[i] > 0.0 ? weights[i] : 0.0;
        if (pick < w) return i;
        pick -= w;
    }
    return weights.empty() ? 0 : weights.size() - 1;
}

Rng Rng::fork(std::uint64_t stream) const { return Rng(mix64(m_seed ^ mix64(stream + 0x51A7E5EEDull))); }

}  // namespace marionette::synth

#pragma once
// Mean, standard deviation and median of repeated timings: every bench verb reports them alike.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

namespace marionette::cli {

struct Stats {
    double mean = 0, sd = 0, median = 0;
};

// `xs` must not be empty.
inline Stats statsOf(std::vector<double> xs) {
    Stats s;
    std::nth_element(xs.begin(), xs.begin() + static_cast<std::ptrdiff_t>(xs.size() / 2), xs.end());
    s.median = xs[xs.size() / 2];
    for (double x : xs) s.mean += x;
    s.mean /= static_cast<double>(xs.size());
    for (double x : xs) s.sd += (x - s.mean) * (x - s.mean);
    s.sd = xs.size() > 1 ? std::sqrt(s.sd / static_cast<double>(xs.size() - 1)) : 0.0;
    return s;
}

}  // namespace marionette::cli

#pragma once
// Wall time per LibTorch operator on the calling thread, for finding where an edit's time goes (the bench's
// --ops table). Counts outermost operators only (conv2d, not the _convolution it calls), so the rows add
// up to the time spent inside operators. One OpProfile may be active at a time.
#include <string>
#include <vector>

namespace marionette::engine {

struct OpTime {
    std::string name;
    double milliseconds = 0.0;
    long calls = 0;
};

class OpProfile {
public:
    // Starts recording; with shapes, operators are told apart by their tensor arguments' sizes too.
    explicit OpProfile(bool withShapes = false);
    ~OpProfile();
    OpProfile(const OpProfile&) = delete;
    OpProfile& operator=(const OpProfile&) = delete;

    // Totals so far, most expensive first.
    std::vector<OpTime> totals() const;

private:
    unsigned long long m_handle = 0;
};

// The first `rows` of `totals` as a text table: milliseconds and calls per `unit` (an edit, a training step)
// over `units` of them, and each operator's share of all operator time; then the total.
std::string operatorTable(const std::vector<OpTime>& totals, int units, const std::string& unit, int rows);

}  // namespace marionette::engine

#pragma once
// Wall time per LibTorch operator on the calling thread, for finding where an edit's time goes (the bench's
// --ops table). Counts outermost operators only (conv2d, not the _convolution it calls), so the rows add
// up to the time spent inside operators, and the arithmetic of the convolutions and matrix products, so
// that each one's rate can be set against what the processor can do. One OpProfile may be active at a time.
#include <ATen/core/ivalue.h>

#include <string>
#include <vector>

namespace marionette::engine {

struct OpTime {
    std::string name;
    double milliseconds = 0.0;
    long calls = 0;
    double flops = 0.0;  // floating-point operations (a multiply-add is two), 0 for operators not counted
};

// Floating-point operations of one call of `op` with these arguments: convolutions (aten::conv2d, with
// any stride, padding, dilation and groups) and matrix products (aten::mm, bmm, addmm, baddbmm, matmul,
// linear); 0 for anything else, whose cost is memory traffic rather than arithmetic.
double operatorFlops(const std::string& op, const std::vector<c10::IValue>& inputs);

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
// over `units` of them, each operator's share of all operator time and, where counted, its arithmetic
// rate; then the totals.
std::string operatorTable(const std::vector<OpTime>& totals, int units, const std::string& unit, int rows);

}  // namespace marionette::engine

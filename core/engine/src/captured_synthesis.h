#pragma once
// The per-edit path recorded once as a CUDA graph and replayed for every edit (issue: GPU latency). At batch
// 1 an edit is some 150 small kernels whose launch costs more than their arithmetic; a replay launches them
// all at once. Built only where LibTorch has CUDA (captured_synthesis_cuda.cpp); elsewhere available() is
// false and constructing one throws.
#include "marionette/model/generator.h"

#include <memory>

namespace marionette::engine {

class CapturedSynthesis {
public:
    static bool available();

    // Records generator.synthesize(reference, target) for targets shaped like `exampleTarget` (on the CUDA
    // device). `generator` and `reference` must outlive this object unchanged: the graph reads their memory.
    CapturedSynthesis(model::GeneratorImpl& generator, const model::ReferenceEncoding& reference,
                      const at::Tensor& exampleTarget);
    ~CapturedSynthesis();
    CapturedSynthesis(const CapturedSynthesis&) = delete;
    CapturedSynthesis& operator=(const CapturedSynthesis&) = delete;

    // Copies `target` into the recorded input and replays; the result lives until the next replay.
    at::Tensor run(const at::Tensor& target);

private:
    struct State;
    std::unique_ptr<State> m_state;
};

}  // namespace marionette::engine

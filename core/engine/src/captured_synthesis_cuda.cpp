#include "captured_synthesis.h"

#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#include <torch/cuda.h>

namespace marionette::engine {

struct CapturedSynthesis::State {
    at::cuda::CUDAGraph graph;
    at::Tensor input, output;
};

bool CapturedSynthesis::available() { return true; }

CapturedSynthesis::CapturedSynthesis(model::GeneratorImpl& generator, const model::ReferenceEncoding& reference,
                                     const at::Tensor& exampleTarget)
    : m_state(std::make_unique<State>()) {
    m_state->input = exampleTarget.clone();
    // Capturing needs a stream other than the legacy default one. The warm-up runs there first so that
    // cuDNN has chosen its algorithms and the cached kernels (folded up-convolutions) exist before recording:
    // nothing inside the recording may synchronise with the host.
    c10::cuda::CUDAStream stream = c10::cuda::getStreamFromPool(false, exampleTarget.device().index());
    stream.synchronize();
    torch::cuda::synchronize();
    {
        c10::cuda::CUDAStreamGuard guard(stream);
        for (int i = 0; i < 3; ++i) (void)generator.synthesize(reference, m_state->input);
        stream.synchronize();
        m_state->graph.capture_begin();
        try {
            m_state->output = generator.synthesize(reference, m_state->input).image;
        } catch (...) {
            // End the failed recording so that the stream leaves capture mode before the eager fallback runs.
            try {
                m_state->graph.capture_end();
            } catch (...) {
            }
            throw;
        }
        m_state->graph.capture_end();
    }
    torch::cuda::synchronize();
}

CapturedSynthesis::~CapturedSynthesis() = default;

at::Tensor CapturedSynthesis::run(const at::Tensor& target) {
    m_state->input.copy_(target);
    m_state->graph.replay();
    return m_state->output;
}

}  // namespace marionette::engine

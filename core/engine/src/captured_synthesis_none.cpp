#include "captured_synthesis.h"

#include "marionette/util/error.h"

namespace marionette::engine {

struct CapturedSynthesis::State {};

bool CapturedSynthesis::available() { return false; }

CapturedSynthesis::CapturedSynthesis(model::GeneratorImpl&, const model::ReferenceEncoding&, const at::Tensor&) {
    throw Error("this build of LibTorch has no CUDA: CUDA graphs are not available");
}

CapturedSynthesis::~CapturedSynthesis() = default;

at::Tensor CapturedSynthesis::run(const at::Tensor&) { throw Error("CUDA graphs are not available"); }

}  // namespace marionette::engine

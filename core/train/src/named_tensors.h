#pragma once
// Copying named tensors of a user-supplied safetensors file into a network's parameters, with errors that
// name the file, the tensor and the layout the file should have.
#include "marionette/model/safetensors.h"
#include "marionette/util/error.h"

#include <ATen/ATen.h>

#include <string>

namespace marionette::train::detail {

inline void copyNamedTensor(const model::SafetensorsContent& content, const std::string& path, const std::string& name,
                            at::Tensor& target, const std::string& layout) {
    const at::Tensor* t = content.find(name);
    if (!t) throwFileError(path, "tensor \"" + name + "\" is missing: expected " + layout);
    if (t->sizes() != target.sizes()) throwFileError(path, "tensor \"" + name + "\" has the wrong shape for " + layout);
    target.copy_(t->to(at::kFloat));
}

}  // namespace marionette::train::detail

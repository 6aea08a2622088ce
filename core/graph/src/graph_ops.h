#pragma once
// The kernels of GraphExecutor, one factory per TensorFlow operation. A factory reads and checks the node's
// attributes (and the values of its constant inputs, such as convolution filters, which it converts to
// LibTorch's layout once) and returns the kernel that runs the node.
#include "marionette/graph/graph_executor.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace marionette::graph::ops {

struct NodeContext {
    const GraphNode& node;
    // The value of each input that is a Const node; empty for the others.
    std::vector<std::optional<torch::Tensor>> constantInputs;

    std::size_t inputCount() const { return node.inputs.size(); }
    const torch::Tensor* constant(std::size_t input) const {
        return input < constantInputs.size() && constantInputs[input] ? &*constantInputs[input] : nullptr;
    }
};

using KernelFactory = Kernel (*)(const NodeContext& context);

// Every supported operation but Const and Placeholder, which the executor handles itself.
const std::map<std::string, KernelFactory>& kernelFactories();

}  // namespace marionette::graph::ops

#pragma once
// Runs a TensorFlow.js graph model with LibTorch. Each TensorFlow operation maps to a small LibTorch kernel
// (src/graph_ops.cpp); every node is checked and prepared when the executor is built, so that an unsupported
// operation or attribute is refused by name when the model loads, never halfway through an inference.
//
// Layout: tensors keep TensorFlow's shapes and meaning (images NHWC). The convolution and pooling kernels are
// the one place that sees another layout: they hand LibTorch a permuted NCHW *view* of the NHWC data, which is
// LibTorch's channels-last memory format, so no pixel is ever transposed.
#include "marionette/graph/graph_model.h"

#include <torch/types.h>

#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace marionette::graph {

// A prepared node: inputs in, outputs out.
using Kernel = std::function<std::vector<torch::Tensor>(const std::vector<torch::Tensor>& inputs)>;

class GraphExecutor {
public:
    // Takes the model's constants; throws marionette::Error naming every unsupported operation (with one node
    // using it), or the first node whose attributes cannot be run, or a cycle.
    explicit GraphExecutor(GraphModel model);

    // Whether a run records LibTorch's autograd graph: Off runs in inference mode (detection); On lets a loss
    // differentiate the outputs with respect to the fed tensors (a frozen network's features as a perceptual
    // loss). The graph's own weights never require gradients.
    enum class Gradients { Off, On };

    // Feeds the Placeholders by name and returns the requested tensors ("node" or "node:k"), evaluating only
    // the nodes they need. A feed of the wrong type or shape is refused with the input's name. Any other node
    // may be fed too: its value is taken as given and the nodes it reads are not run (a network entered after
    // its own preprocessing).
    std::vector<torch::Tensor> run(const std::vector<std::pair<std::string, torch::Tensor>>& feeds,
                                   const std::vector<std::string>& outputs, Gradients gradients = Gradients::Off) const;

    // The signature's outputs for the signature's single input.
    std::vector<torch::Tensor> run(const torch::Tensor& input) const;

    const GraphModel& model() const { return m_model; }

private:
    struct Step {
        std::vector<std::pair<int, int>> inputs;  // (node index, output index)
        Kernel kernel;
    };
    std::pair<int, int> resolve(const std::string& tensorName) const;
    // The nodes to run for `wanted`, in order; a fed node is a source, whatever it reads.
    std::vector<int> plan(const std::vector<std::pair<int, int>>& wanted, const std::vector<char>& fed) const;

    GraphModel m_model;
    std::map<std::string, int> m_index;
    std::vector<Step> m_steps;
    std::vector<int> m_order;  // a topological order of all nodes
};

}  // namespace marionette::graph

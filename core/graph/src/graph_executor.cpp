#include "marionette/graph/graph_executor.h"

#include "graph_ops.h"

#include "marionette/util/error.h"
#include "marionette/util/torch_compat.h"

#include <torch/types.h>

#include <algorithm>
#include <deque>
#include <optional>
#include <set>

namespace marionette::graph {
namespace {

bool isSource(const GraphNode& node) { return node.op == "Const" || node.op == "Placeholder"; }

torch::ScalarType placeholderType(const std::string& tfType) {
    if (tfType == "DT_FLOAT") return torch::kFloat32;
    if (tfType == "DT_INT32") return torch::kInt32;
    if (tfType == "DT_BOOL") return torch::kBool;
    throw Error("input type " + tfType + " is not supported");
}

std::string shapeText(const std::vector<std::int64_t>& shape) {
    std::string text = "[";
    for (std::size_t k = 0; k < shape.size(); ++k)
        text += (k ? ", " : "") + (shape[k] < 0 ? std::string("?") : std::to_string(shape[k]));
    return text + "]";
}

// The first line of a LibTorch message: the rest is a C++ backtrace.
std::string firstLine(const std::string& message) { return message.substr(0, message.find('\n')); }

}  // namespace

GraphExecutor::GraphExecutor(GraphModel model) : m_model(std::move(model)) {
    const auto& nodes = m_model.nodes;
    for (std::size_t k = 0; k < nodes.size(); ++k) m_index[nodes[k].name] = static_cast<int>(k);

    // Refuse every unknown operation at once, before preparing anything.
    const auto& factories = ops::kernelFactories();
    std::map<std::string, std::string> unknown;  // op -> first node using it
    for (const auto& node : nodes)
        if (!isSource(node) && !factories.count(node.op)) unknown.emplace(node.op, node.name);
    if (!unknown.empty()) {
        std::string list;
        for (const auto& [op, node] : unknown) list += (list.empty() ? "" : ", ") + op + " (node '" + node + "')";
        throwFileError(m_model.source, "the graph uses operations this program cannot run: " + list);
    }

    m_steps.resize(nodes.size());
    for (std::size_t k = 0; k < nodes.size(); ++k) {
        const GraphNode& node = nodes[k];
        Step& step = m_steps[k];
        for (const auto& input : node.inputs) step.inputs.push_back(resolve(input));
        if (isSource(node)) continue;
        ops::NodeContext context{node, {}};
        for (const auto& [producer, output] : step.inputs) {
            const GraphNode& p = nodes[static_cast<std::size_t>(producer)];
            const auto c = m_model.constants.find(p.name);
            context.constantInputs.push_back(p.op == "Const" && output == 0 && c != m_model.constants.end()
                                                 ? std::optional<torch::Tensor>(c->second)
                                                 : std::nullopt);
        }
        try {
            // Not inference mode: a differentiable run must be able to save these tensors for backward.
            torch::NoGradGuard noGrad;
            step.kernel = factories.at(node.op)(context);
        } catch (const Error& e) {
            throwFileError(m_model.source, node.describe() + ": " + e.what());
        } catch (const c10::Error& e) {
            throwFileError(m_model.source, node.describe() + ": " + firstLine(e.what()));
        }
    }

    // A graph with a cycle cannot be run: find one with Kahn's algorithm.
    std::vector<int> pending(nodes.size(), 0);
    std::vector<std::vector<int>> consumers(nodes.size());
    for (std::size_t k = 0; k < nodes.size(); ++k)
        for (const auto& [producer, output] : m_steps[k].inputs) {
            ++pending[k];
            consumers[static_cast<std::size_t>(producer)].push_back(static_cast<int>(k));
        }
    std::deque<int> ready;
    for (std::size_t k = 0; k < nodes.size(); ++k)
        if (pending[k] == 0) ready.push_back(static_cast<int>(k));
    std::size_t ordered = 0;
    m_order.reserve(nodes.size());
    while (!ready.empty()) {
        const int k = ready.front();
        ready.pop_front();
        m_order.push_back(k);
        ++ordered;
        for (const int c : consumers[static_cast<std::size_t>(k)])
            if (--pending[static_cast<std::size_t>(c)] == 0) ready.push_back(c);
    }
    if (ordered != nodes.size()) {
        for (std::size_t k = 0; k < nodes.size(); ++k)
            if (pending[k] > 0) throwFileError(m_model.source, "the graph has a cycle through " + nodes[k].describe());
    }
}

std::pair<int, int> GraphExecutor::resolve(const std::string& tensorName) const {
    int output = 0;
    std::string name = tensorName;
    const auto colon = tensorName.rfind(':');
    if (colon != std::string::npos) {
        const std::string index = tensorName.substr(colon + 1);
        if (!index.empty() && index.size() < 6 && index.find_first_not_of("0123456789") == std::string::npos) {
            name = tensorName.substr(0, colon);
            output = std::stoi(index);
        }
    }
    const auto it = m_index.find(name);
    if (it == m_index.end()) throwFileError(m_model.source, "the graph has no node '" + name + "'");
    return {it->second, output};
}

std::vector<int> GraphExecutor::plan(const std::vector<std::pair<int, int>>& wanted,
                                     const std::vector<char>& fed) const {
    std::vector<char> needed(m_model.nodes.size(), 0);
    std::vector<int> stack;
    for (const auto& w : wanted) stack.push_back(w.first);
    while (!stack.empty()) {
        const int k = stack.back();
        stack.pop_back();
        if (needed[static_cast<std::size_t>(k)]) continue;
        needed[static_cast<std::size_t>(k)] = 1;
        if (fed[static_cast<std::size_t>(k)]) continue;
        for (const auto& [producer, output] : m_steps[static_cast<std::size_t>(k)].inputs) stack.push_back(producer);
    }
    std::vector<int> steps;
    for (const int k : m_order)
        if (needed[static_cast<std::size_t>(k)]) steps.push_back(k);
    return steps;
}

std::vector<torch::Tensor> GraphExecutor::run(const std::vector<std::pair<std::string, torch::Tensor>>& feeds,
                                              const std::vector<std::string>& outputs, Gradients gradients) const {
    const auto& nodes = m_model.nodes;
    std::vector<std::vector<torch::Tensor>> values(nodes.size());  // each node's outputs, fed or computed
    std::vector<char> isFed(nodes.size(), 0);
    for (const auto& [name, tensor] : feeds) {
        const auto [k, output] = resolve(name);
        const GraphNode& node = nodes[static_cast<std::size_t>(k)];
        if (output != 0) throwFileError(m_model.source, "'" + name + "': only a node's first output can be fed");
        values[static_cast<std::size_t>(k)] = {tensor};
        isFed[static_cast<std::size_t>(k)] = 1;
        if (node.op != "Placeholder") continue;  // an inner node: the caller answers for its type and shape
        const auto type = placeholderType(node.typeAttr("dtype", "DT_FLOAT"));
        if (tensor.scalar_type() != type)
            throwFileError(m_model.source, "input '" + node.name + "' must be " + node.typeAttr("dtype", "DT_FLOAT") +
                                               ", got " + c10::toString(tensor.scalar_type()));
        if (const Attribute* shape = node.find("shape");
            shape && shape->shape && !(shape->shape->size() == 1 && (*shape->shape)[0] == -1)) {
            const auto& expected = *shape->shape;
            bool fits = static_cast<std::size_t>(tensor.dim()) == expected.size();
            for (std::size_t d = 0; fits && d < expected.size(); ++d)
                fits = expected[d] < 0 || expected[d] == tensor.size(static_cast<std::int64_t>(d));
            if (!fits) {
                const auto sizes = tensor.sizes();
                throwFileError(m_model.source, "input '" + node.name + "' must have shape " + shapeText(expected) +
                                                   ", got " + shapeText({sizes.begin(), sizes.end()}));
            }
        }
    }

    std::vector<std::pair<int, int>> wanted;
    for (const auto& name : outputs) wanted.push_back(resolve(name));
    const std::vector<int> steps = plan(wanted, isFed);

    // How many pending reads each value has, so that intermediate tensors are freed as soon as possible.
    std::vector<int> reads(nodes.size(), 0);
    for (const int k : steps) {
        if (isFed[static_cast<std::size_t>(k)]) continue;
        for (const auto& [producer, output] : m_steps[static_cast<std::size_t>(k)].inputs)
            ++reads[static_cast<std::size_t>(producer)];
    }
    for (const auto& w : wanted) ++reads[static_cast<std::size_t>(w.first)];

    std::optional<torch_compat::InferenceGuard> inference;
    if (gradients == Gradients::Off) inference.emplace();
    for (const int k : steps) {
        const auto index = static_cast<std::size_t>(k);
        const GraphNode& node = nodes[index];
        const Step& step = m_steps[index];
        if (isFed[index]) continue;
        if (node.op == "Const") {
            values[index] = {m_model.constants.at(node.name)};
            continue;
        }
        if (node.op == "Placeholder") throwFileError(m_model.source, "input '" + node.name + "' was not given");
        std::vector<torch::Tensor> inputs;
        inputs.reserve(step.inputs.size());
        for (const auto& [producer, output] : step.inputs) {
            const auto p = static_cast<std::size_t>(producer);
            if (static_cast<std::size_t>(output) >= values[p].size())
                throwFileError(m_model.source, node.describe() + " reads output " + std::to_string(output) + " of " +
                                                   nodes[p].describe() + ", which has " +
                                                   std::to_string(values[p].size()) + " outputs");
            inputs.push_back(values[p][static_cast<std::size_t>(output)]);
            if (--reads[p] == 0) values[p].clear();
        }
        try {
            values[index] = step.kernel(inputs);
        } catch (const Error& e) {
            throwFileError(m_model.source, node.describe() + ": " + e.what());
        } catch (const c10::Error& e) {
            throwFileError(m_model.source, node.describe() + ": " + firstLine(e.what()));
        }
    }

    std::vector<torch::Tensor> results;
    for (const auto& [k, output] : wanted) {
        const auto& produced = values[static_cast<std::size_t>(k)];
        if (static_cast<std::size_t>(output) >= produced.size())
            throwFileError(m_model.source,
                           nodes[static_cast<std::size_t>(k)].describe() + " has no output " + std::to_string(output));
        results.push_back(produced[static_cast<std::size_t>(output)]);
    }
    return results;
}

std::vector<torch::Tensor> GraphExecutor::run(const torch::Tensor& input) const {
    if (m_model.inputs.size() != 1) throwFileError(m_model.source, "the graph does not have exactly one input");
    if (m_model.outputs.empty()) throwFileError(m_model.source, "the graph's signature names no outputs");
    std::vector<std::string> outputs;
    for (const auto& spec : m_model.outputs) outputs.push_back(spec.name);
    return run({{m_model.inputs[0].name, input}}, outputs);
}

}  // namespace marionette::graph

#include "marionette/model/weights.h"

#include "marionette/util/error.h"

#include <torch/types.h>

#include <set>
#include <sstream>

namespace marionette::model {
namespace {

std::string shapeText(at::IntArrayRef sizes) {
    std::ostringstream s;
    s << '[';
    for (std::size_t i = 0; i < sizes.size(); ++i) s << (i ? ", " : "") << sizes[i];
    s << ']';
    return s.str();
}

}  // namespace

std::vector<NamedTensor> moduleState(torch::nn::Module& module, StoredPrecision precision, const std::string& prefix) {
    const auto dtype = precision == StoredPrecision::Float16 ? at::kHalf : at::kFloat;
    std::vector<NamedTensor> out;
    for (const auto& p : module.named_parameters())
        out.push_back({prefix + p.key(), p.value().detach().to(at::kCPU, dtype)});
    for (const auto& b : module.named_buffers())
        out.push_back({prefix + b.key(), b.value().detach().to(at::kCPU, dtype)});
    return out;
}

void loadModuleState(torch::nn::Module& module, const SafetensorsContent& content, const std::string& source,
                     const std::string& prefix, bool allowOthers) {
    torch::NoGradGuard noGrad;
    std::set<std::string> used;
    auto load = [&](const std::string& name, at::Tensor& target) {
        const std::string stored = prefix + name;
        const at::Tensor* t = content.find(stored);
        if (!t) throwFileError(source, "tensor \"" + stored + "\" is missing");
        if (!at::isFloatingType(t->scalar_type()))
            throwFileError(source, "tensor \"" + stored + "\" has type " + c10::toString(t->scalar_type()) +
                                       ", expected a float type");
        if (t->sizes() != target.sizes())
            throwFileError(source, "tensor \"" + stored + "\" has the wrong shape: got " + shapeText(t->sizes()) +
                                       ", expected " + shapeText(target.sizes()));
        target.copy_(t->to(target.scalar_type()));
        used.insert(stored);
    };
    for (auto& p : module.named_parameters()) load(p.key(), p.value());
    for (auto& b : module.named_buffers()) load(b.key(), b.value());
    if (allowOthers) return;
    for (const auto& t : content.tensors) {
        if (t.name.rfind(prefix, 0) == 0 && !used.count(t.name))
            throwFileError(source, "tensor \"" + t.name + "\" is not part of the model its configuration describes");
    }
}

std::vector<std::string> copyMatchingTensors(torch::nn::Module& module, const SafetensorsContent& content) {
    torch::NoGradGuard noGrad;
    std::vector<std::string> kept;
    auto copy = [&](const std::string& name, at::Tensor& target) {
        const at::Tensor* t = content.find(name);
        if (!t || !at::isFloatingType(t->scalar_type()) || t->sizes() != target.sizes()) {
            kept.push_back(name);
            return;
        }
        target.copy_(t->to(target.scalar_type()));
    };
    for (auto& p : module.named_parameters()) copy(p.key(), p.value());
    for (auto& b : module.named_buffers()) copy(b.key(), b.value());
    return kept;
}

void saveGeneratorWeights(const std::string& path, GeneratorImpl& generator, const std::string& trainingJson,
                          StoredPrecision precision) {
    const std::map<std::string, std::string> metadata{
        {"marionette.format", std::to_string(generator.config().usesFlowPrior() ? kFlowPriorWeightsFormatVersion
                                                                                : kPlainWeightsFormatVersion)},
        {"marionette.config", generator.config().toJson()},
        {"marionette.training", trainingJson.empty() ? "{}" : trainingJson},
    };
    writeSafetensors(path, moduleState(generator, precision), metadata);
}

ModelConfig configFromMetadata(const SafetensorsContent& content, const std::string& source) {
    const auto format = content.metadata.find("marionette.format");
    if (format == content.metadata.end())
        throwFileError(source, "not a Marionette weights file (no marionette.format in its metadata)");
    bool readable = false;
    for (int version = kOldestWeightsFormatVersion; version <= kWeightsFormatVersion; ++version)
        readable = readable || format->second == std::to_string(version);
    if (!readable)
        throwFileError(source, "weights format " + format->second + " is not supported (this build reads formats " +
                                   std::to_string(kOldestWeightsFormatVersion) + " to " +
                                   std::to_string(kWeightsFormatVersion) + ")");
    const auto config = content.metadata.find("marionette.config");
    if (config == content.metadata.end()) throwFileError(source, "the metadata has no marionette.config");
    try {
        return ModelConfig::fromJson(config->second);
    } catch (const Error& e) {
        throwFileError(source, e.what());
    }
}

namespace {

// The tensors a flow-prior model has and a model without one lacks (all zero-initialised).
bool onlyWithFlowPrior(const std::string& name) {
    for (const char* prefix :
         {"flow.prior_in8.", "flow.prior_in4.", "flow.residual8.", "flow.residual4.", "dec.visibility."})
        if (name.rfind(prefix, 0) == 0) return true;
    return false;
}

// The absolute flow heads of a model without a prior, which a flow-prior model replaces by residual heads.
bool onlyWithoutFlowPrior(const std::string& name) {
    return name.rfind("flow.head8.", 0) == 0 || name.rfind("flow.head4.", 0) == 0;
}

}  // namespace

std::vector<std::string> loadGeneratorState(GeneratorImpl& generator, const SafetensorsContent& content,
                                            const std::string& source) {
    const ModelConfig stored = configFromMetadata(content, source);
    const ModelConfig& built = generator.config();
    if (stored.usesFlowPrior() && !built.usesFlowPrior())
        throwFileError(
            source,
            "these weights refine a flow prior (\"flow_prior\": true in their configuration) and cannot load into "
            "a model without one; build the model with the flow prior (marionette-train --flow-prior)");
    if (stored.usesFlowPrior() == built.usesFlowPrior()) {
        loadModuleState(generator, content, source);
        return {};
    }
    // Weights without a prior into a model with one: copy what both have, keep the new parts at zero.
    torch::NoGradGuard noGrad;
    std::vector<std::string> fresh;
    std::set<std::string> used;
    auto load = [&](const std::string& name, at::Tensor& target) {
        if (onlyWithFlowPrior(name) && !content.find(name)) {
            fresh.push_back(name);
            return;
        }
        const at::Tensor* t = content.find(name);
        if (!t) throwFileError(source, "tensor \"" + name + "\" is missing");
        if (!at::isFloatingType(t->scalar_type()) || t->sizes() != target.sizes())
            throwFileError(source, "tensor \"" + name + "\" has the wrong type or shape: got " + shapeText(t->sizes()) +
                                       ", expected " + shapeText(target.sizes()));
        target.copy_(t->to(target.scalar_type()));
        used.insert(name);
    };
    for (auto& p : generator.named_parameters()) load(p.key(), p.value());
    for (auto& b : generator.named_buffers()) load(b.key(), b.value());
    for (const auto& t : content.tensors)
        if (!used.count(t.name) && !onlyWithoutFlowPrior(t.name))
            throwFileError(source, "tensor \"" + t.name + "\" is not part of the model being built");
    return fresh;
}

LoadedGenerator loadGeneratorWeights(const SafetensorsContent& content, const std::string& source) {
    const ModelConfig config = configFromMetadata(content, source);
    LoadedGenerator loaded;
    loaded.generator = Generator(config);
    loadModuleState(*loaded.generator, content, source);
    const auto training = content.metadata.find("marionette.training");
    loaded.trainingJson = training == content.metadata.end() ? "{}" : training->second;
    return loaded;
}

LoadedGenerator loadGeneratorWeights(const std::string& path) {
    return loadGeneratorWeights(readSafetensors(path), path);
}

}  // namespace marionette::model

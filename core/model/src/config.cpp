#include "marionette/model/config.h"

#include "marionette/face/layout.h"
#include "marionette/pose/skeleton.h"
#include "marionette/util/error.h"
#include "marionette/util/json_int.h"

#include <nlohmann/json.hpp>

namespace marionette::model {

int ModelConfig::semanticChannels() const {
    return semantics == SemanticsKind::Body ? pose::kJointCount : face::kPartCount;
}

void ModelConfig::validate() const {
    auto require = [](bool ok, const std::string& what) {
        if (!ok) throw Error("invalid model configuration: " + what);
    };
    require(width >= 4 && width <= 256, "width c must be between 4 and 256, got " + std::to_string(width));
    require(keyChannels >= 4 && keyChannels <= 512, "K must be between 4 and 512, got " + std::to_string(keyChannels));
    require(height >= 32 && height <= 2048 && height % 16 == 0,
            "height must be a multiple of 16 between 32 and 2048, got " + std::to_string(height));
    require(canvasWidth >= 32 && canvasWidth <= 2048 && canvasWidth % 16 == 0,
            "width must be a multiple of 16 between 32 and 2048, got " + std::to_string(canvasWidth));
    require(!flowPrior || usesFlow(),
            std::string("a flow prior needs a variant with flow (full or flow), not ") + toString(deformation));
}

std::string ModelConfig::toJson() const {
    nlohmann::json j{{"semantics", toString(semantics)},
                     {"P", semanticChannels()},
                     {"c", width},
                     {"K", keyChannels},
                     {"H", height},
                     {"W", canvasWidth},
                     {"deformation", toString(deformation)},
                     {"appearance_norm", toString(appearanceNorm)},
                     {"backbone", backbone}};
    // Written only when set: configurations without it keep the text they always had (checkpoints compare it).
    if (flowPrior) j["flow_prior"] = true;
    return j.dump();
}

ModelConfig ModelConfig::fromJson(const std::string& text) {
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) {
        throw Error(std::string("the model configuration is not valid JSON: ") + e.what());
    }
    if (!j.is_object()) throw Error("the model configuration must be a JSON object");
    ModelConfig c;
    try {
        c.semantics = semanticsFromString(j.at("semantics").get<std::string>());
        c.width = jsonInt(j.at("c"), "the model configuration's c");
        c.keyChannels = jsonInt(j.at("K"), "the model configuration's K");
        c.height = jsonInt(j.at("H"), "the model configuration's H");
        c.canvasWidth = jsonInt(j.at("W"), "the model configuration's W");
        c.deformation = deformationFromString(j.at("deformation").get<std::string>());
        // Absent in files written before the choice existed: those models used instance norm throughout.
        c.appearanceNorm = j.contains("appearance_norm")
                               ? normalizationFromString(j.at("appearance_norm").get<std::string>())
                               : Normalization::Instance;
        if (j.contains("backbone")) c.backbone = j.at("backbone").get<std::string>();
        if (j.contains("flow_prior")) c.flowPrior = j.at("flow_prior").get<bool>();
        if (j.contains("P") && jsonInt(j.at("P"), "the model configuration's P") != c.semanticChannels())
            throw Error("P is " + std::to_string(jsonInt(j.at("P"), "the model configuration's P")) + " but " +
                        toString(c.semantics) + " semantics have " + std::to_string(c.semanticChannels()) +
                        " channels");
    } catch (const nlohmann::json::exception& e) {
        throw Error(std::string("the model configuration is incomplete or mistyped: ") + e.what());
    }
    c.validate();
    return c;
}

ModelConfig ModelConfig::body() { return {}; }

ModelConfig ModelConfig::face() {
    ModelConfig c;
    c.semantics = SemanticsKind::Face;
    c.canvasWidth = 256;
    return c;
}

ModelConfig ModelConfig::small(ModelConfig base) {
    base.width = 16;
    return base;
}

const char* toString(SemanticsKind kind) { return kind == SemanticsKind::Body ? "body" : "face"; }

const char* toString(Deformation d) {
    switch (d) {
        case Deformation::Full:
            return "full";
        case Deformation::Attention:
            return "attention";
        case Deformation::Flow:
            return "flow";
        case Deformation::None:
            return "none";
    }
    return "?";
}

const char* toString(Normalization n) { return n == Normalization::Instance ? "instance" : "none"; }

Normalization normalizationFromString(const std::string& text) {
    if (text == "instance") return Normalization::Instance;
    if (text == "none") return Normalization::None;
    throw Error("unknown normalisation \"" + text + "\" (expected instance or none)");
}

SemanticsKind semanticsFromString(const std::string& text) {
    if (text == "body") return SemanticsKind::Body;
    if (text == "face") return SemanticsKind::Face;
    throw Error("unknown semantics \"" + text + "\" (expected body or face)");
}

Deformation deformationFromString(const std::string& text) {
    for (auto d : {Deformation::Full, Deformation::Attention, Deformation::Flow, Deformation::None}) {
        if (text == toString(d)) return d;
    }
    throw Error("unknown deformation \"" + text + "\" (expected full, attention, flow or none)");
}

}  // namespace marionette::model

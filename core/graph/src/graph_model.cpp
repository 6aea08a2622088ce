#include "marionette/graph/graph_model.h"

#include "marionette/util/error.h"
#include "marionette/util/files.h"

#include <torch/types.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <set>

namespace marionette::graph {
namespace {

using nlohmann::json;

// TensorFlow writes string attributes (padding, data_format, fused_ops) base64-encoded.
std::optional<std::string> decodeBase64(const std::string& text) {
    static const std::array<int, 256> table = [] {
        std::array<int, 256> t{};
        t.fill(-1);
        const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        for (int k = 0; k < 64; ++k) t[static_cast<unsigned char>(alphabet[k])] = k;
        t[static_cast<unsigned char>('-')] = 62;  // URL-safe alphabet as well
        t[static_cast<unsigned char>('_')] = 63;
        return t;
    }();
    std::string out;
    unsigned buffer = 0;
    int bits = 0;
    for (const char c : text) {
        if (c == '=') break;
        const int v = table[static_cast<unsigned char>(c)];
        if (v < 0) return std::nullopt;
        buffer = (buffer << 6) | static_cast<unsigned>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((buffer >> bits) & 0xFF));
        }
    }
    return out;
}

// int64 values come as JSON strings ("12") in TensorFlow's JSON encoding, sometimes as numbers.
std::int64_t jsonInt(const json& value, const std::string& where) {
    if (value.is_number_integer()) return value.get<std::int64_t>();
    if (value.is_string()) {
        const std::string& s = value.get_ref<const std::string&>();
        std::size_t used = 0;
        long long v = 0;
        try {
            v = std::stoll(s, &used);
        } catch (const std::exception&) {
            used = 0;
        }
        if (used == s.size() && !s.empty()) return v;
    }
    throw Error(where + " is not an integer");
}

double jsonFloat(const json& value, const std::string& where) {
    if (value.is_number()) return value.get<double>();
    if (value.is_string()) {  // "NaN", "Infinity" and numbers written as strings
        const std::string& s = value.get_ref<const std::string&>();
        if (s == "NaN") return std::nan("");
        if (s == "Infinity") return HUGE_VAL;
        if (s == "-Infinity") return -HUGE_VAL;
        try {
            return std::stod(s);
        } catch (const std::exception&) {
        }
    }
    throw Error(where + " is not a number");
}

std::string base64Attr(const json& value, const std::string& where) {
    if (!value.is_string()) throw Error(where + " is not a string");
    auto decoded = decodeBase64(value.get<std::string>());
    if (!decoded) throw Error(where + " is not valid base64");
    return *decoded;
}

std::vector<std::int64_t> parseShape(const json& shape, const std::string& where) {
    std::vector<std::int64_t> dims;
    if (!shape.is_object()) throw Error(where + " is not a tensor shape");
    if (shape.value("unknownRank", false)) return {-1};
    if (!shape.contains("dim")) return dims;  // a scalar
    if (!shape["dim"].is_array()) throw Error(where + ": \"dim\" is not an array");
    for (const auto& d : shape["dim"]) {
        if (!d.is_object()) throw Error(where + ": a dimension is not an object");
        dims.push_back(d.contains("size") ? jsonInt(d["size"], where + ": a dimension size") : -1);
    }
    return dims;
}

Attribute parseAttribute(const json& value, const std::string& where) {
    if (!value.is_object()) throw Error(where + " is not an object");
    Attribute a;
    if (value.contains("i")) a.i = jsonInt(value["i"], where);
    if (value.contains("f")) a.f = jsonFloat(value["f"], where);
    if (value.contains("b")) {
        if (!value["b"].is_boolean()) throw Error(where + " is not true or false");
        a.b = value["b"].get<bool>();
    }
    if (value.contains("s")) a.s = base64Attr(value["s"], where);
    if (value.contains("type")) {
        if (!value["type"].is_string()) throw Error(where + " is not a type name");
        a.type = value["type"].get<std::string>();
    }
    if (value.contains("shape")) a.shape = parseShape(value["shape"], where);
    if (value.contains("list")) {
        const json& list = value["list"];
        if (!list.is_object()) throw Error(where + ": \"list\" is not an object");
        a.isList = true;
        const auto items = [&](const char* key) -> const json* {
            if (!list.contains(key)) return nullptr;
            if (!list[key].is_array()) throw Error(where + ": list \"" + key + "\" is not an array");
            return &list[key];
        };
        if (const json* is = items("i"))
            for (const auto& v : *is) a.ints.push_back(jsonInt(v, where));
        if (const json* fs = items("f"))
            for (const auto& v : *fs) a.floats.push_back(jsonFloat(v, where));
        if (const json* ss = items("s"))
            for (const auto& v : *ss) a.strings.push_back(base64Attr(v, where));
    }
    return a;
}

GraphNode parseNode(const json& item, std::size_t position, const std::string& source) {
    const std::string where = source + ": node " + std::to_string(position) + " of modelTopology";
    if (!item.is_object()) throw Error(where + " is not an object");
    if (!item.contains("name") || !item["name"].is_string() || item["name"].get<std::string>().empty())
        throw Error(where + " has no name");
    GraphNode node;
    node.name = item["name"].get<std::string>();
    if (!item.contains("op") || !item["op"].is_string())
        throw Error(source + ": node '" + node.name + "' has no operation (\"op\")");
    node.op = item["op"].get<std::string>();
    if (item.contains("input")) {
        if (!item["input"].is_array()) throw Error(source + ": " + node.describe() + ": \"input\" is not an array");
        for (const auto& in : item["input"]) {
            if (!in.is_string()) throw Error(source + ": " + node.describe() + ": an input is not a name");
            const std::string name = in.get<std::string>();
            if (!name.empty() && name[0] == '^') continue;  // control dependency: no data flows
            node.inputs.push_back(name);
        }
    }
    if (item.contains("attr")) {
        if (!item["attr"].is_object()) throw Error(source + ": " + node.describe() + ": \"attr\" is not an object");
        for (const auto& [key, value] : item["attr"].items())
            node.attributes[key] = parseAttribute(value, source + ": " + node.describe() + ": attribute " + key);
    }
    return node;
}

// "input:0" -> "input"
std::string nodeOfTensor(const std::string& tensorName) {
    const auto colon = tensorName.rfind(':');
    if (colon == std::string::npos) return tensorName;
    const std::string index = tensorName.substr(colon + 1);
    if (index.empty() || index.find_first_not_of("0123456789") != std::string::npos) return tensorName;
    return tensorName.substr(0, colon);
}

std::vector<TensorSpec> parseSignatureSide(const json& side, const std::string& where) {
    std::vector<TensorSpec> specs;
    if (!side.is_object()) throw Error(where + " is not an object");
    for (const auto& [key, value] : side.items()) {
        if (!value.is_object()) throw Error(where + ": entry " + key + " is not an object");
        TensorSpec spec;
        spec.name =
            nodeOfTensor(value.contains("name") && value["name"].is_string() ? value["name"].get<std::string>() : key);
        spec.dtype = value.contains("dtype") && value["dtype"].is_string() ? value["dtype"].get<std::string>() : "";
        if (value.contains("tensorShape")) spec.shape = parseShape(value["tensorShape"], where + ": " + key);
        specs.push_back(std::move(spec));
    }
    return specs;
}

WeightEntry parseWeightEntry(const json& item, const std::string& where) {
    if (!item.is_object()) throw Error(where + " is not an object");
    WeightEntry e;
    if (!item.contains("name") || !item["name"].is_string()) throw Error(where + " has no name");
    e.name = item["name"].get<std::string>();
    const std::string at = where + " ('" + e.name + "')";
    if (!item.contains("shape") || !item["shape"].is_array()) throw Error(at + " has no shape");
    // The product of the sizes has the dimensions' bound too, so that counting values and bytes cannot overflow;
    // zeros count as ones in it, since LibTorch's strides reach that product all the same.
    std::int64_t extent = 1;
    for (const auto& d : item["shape"]) {
        const std::int64_t v = jsonInt(d, at + ": a shape dimension");
        if (v < 0 || v > (std::int64_t(1) << 31)) throw Error(at + " has an impossible dimension " + std::to_string(v));
        extent *= std::max<std::int64_t>(v, 1);
        if (extent > (std::int64_t(1) << 31)) throw Error(at + " has an impossibly large shape");
        e.shape.push_back(v);
    }
    if (!item.contains("dtype") || !item["dtype"].is_string()) throw Error(at + " has no dtype");
    e.dtype = item["dtype"].get<std::string>();
    if (e.dtype != "float32" && e.dtype != "int32" && e.dtype != "bool")
        throw Error(at + " has dtype '" + e.dtype + "'; only float32, int32 and bool weights are supported");
    if (item.contains("quantization")) {
        const json& q = item["quantization"];
        if (!q.is_object() || !q.contains("dtype") || !q["dtype"].is_string())
            throw Error(at + ": \"quantization\" has no dtype");
        e.quantisation = q["dtype"].get<std::string>();
        if (e.quantisation == "uint8" || e.quantisation == "uint16") {
            if (!q.contains("min") || !q.contains("scale"))
                throw Error(at + ": " + e.quantisation + " quantisation needs \"min\" and \"scale\"");
            e.quantMin = jsonFloat(q["min"], at + ": quantization min");
            e.quantScale = jsonFloat(q["scale"], at + ": quantization scale");
            if (!std::isfinite(e.quantMin) || !std::isfinite(e.quantScale))
                throw Error(at + ": quantisation min and scale must be finite");
        } else if (e.quantisation != "float16") {
            throw Error(at + " is quantised as '" + e.quantisation + "'; only float16, uint8 and uint16 are supported");
        }
        if (e.dtype == "bool") throw Error(at + ": bool weights cannot be quantised");
    }
    return e;
}

std::int64_t elementCount(const std::vector<std::int64_t>& shape) {
    std::int64_t n = 1;
    for (const auto d : shape) n *= d;
    return n;
}

// Shard paths are relative to model.json and must stay in its folder.
std::string resolveShard(const std::filesystem::path& folder, const std::string& shard, const std::string& source) {
    const std::filesystem::path relative(shard);
    if (shard.empty() || relative.is_absolute())
        throw Error(source + ": the weights manifest names shard '" + shard + "'; shards must be files next to it");
    for (const auto& part : relative)
        if (part == "..")
            throw Error(source + ": the weights manifest names shard '" + shard + "', outside the model's folder");
    return (folder / relative).string();
}

}  // namespace

const Attribute* GraphNode::find(const std::string& key) const {
    const auto it = attributes.find(key);
    return it == attributes.end() ? nullptr : &it->second;
}

std::string GraphNode::describe() const { return "node '" + name + "' (" + op + ")"; }

namespace {
template <typename T, typename Get>
T typedAttr(const GraphNode& node, const std::string& key, const std::optional<T>& fallback, const char* kind,
            Get get) {
    const Attribute* a = node.find(key);
    if (!a) {
        if (fallback) return *fallback;
        throw Error(node.describe() + " lacks its attribute '" + key + "'");
    }
    if (auto v = get(*a)) return *v;
    throw Error(node.describe() + ": attribute '" + key + "' is not " + kind);
}
}  // namespace

std::int64_t GraphNode::intAttr(const std::string& key, std::optional<std::int64_t> fallback) const {
    return typedAttr<std::int64_t>(*this, key, fallback, "an integer", [](const Attribute& a) { return a.i; });
}
double GraphNode::floatAttr(const std::string& key, std::optional<double> fallback) const {
    return typedAttr<double>(*this, key, fallback, "a number", [](const Attribute& a) { return a.f; });
}
bool GraphNode::boolAttr(const std::string& key, std::optional<bool> fallback) const {
    return typedAttr<bool>(*this, key, fallback, "true or false", [](const Attribute& a) { return a.b; });
}
std::string GraphNode::stringAttr(const std::string& key, std::optional<std::string> fallback) const {
    return typedAttr<std::string>(*this, key, fallback, "a string", [](const Attribute& a) { return a.s; });
}
std::string GraphNode::typeAttr(const std::string& key, std::optional<std::string> fallback) const {
    return typedAttr<std::string>(*this, key, fallback, "a type", [](const Attribute& a) { return a.type; });
}
std::vector<std::int64_t> GraphNode::intsAttr(const std::string& key,
                                              std::optional<std::vector<std::int64_t>> fallback) const {
    return typedAttr<std::vector<std::int64_t>>(*this, key, fallback, "a list of integers",
                                                [](const Attribute& a) -> std::optional<std::vector<std::int64_t>> {
                                                    if (!a.isList || !a.floats.empty() || !a.strings.empty())
                                                        return std::nullopt;
                                                    return a.ints;
                                                });
}
std::vector<std::string> GraphNode::stringsAttr(const std::string& key,
                                                std::optional<std::vector<std::string>> fallback) const {
    return typedAttr<std::vector<std::string>>(*this, key, fallback, "a list of strings",
                                               [](const Attribute& a) -> std::optional<std::vector<std::string>> {
                                                   if (!a.isList || !a.ints.empty() || !a.floats.empty())
                                                       return std::nullopt;
                                                   return a.strings;
                                               });
}

const GraphNode* GraphModel::findNode(const std::string& name) const {
    for (const auto& node : nodes)
        if (node.name == name) return &node;
    return nullptr;
}

std::size_t storedBytes(const WeightEntry& entry) {
    const auto n = static_cast<std::size_t>(elementCount(entry.shape));
    if (entry.quantisation == "uint8" || entry.dtype == "bool") return n;
    if (entry.quantisation == "uint16" || entry.quantisation == "float16") return 2 * n;
    return 4 * n;
}

std::map<std::string, torch::Tensor> decodeWeights(const std::vector<WeightEntry>& entries, const std::string& bytes,
                                                   const std::string& describe) {
    std::size_t needed = 0;
    for (const auto& e : entries) needed += storedBytes(e);
    if (bytes.size() < needed) {
        throw Error(describe + ": truncated: holds " + std::to_string(bytes.size()) +
                    " bytes, but the weights manifest needs " + std::to_string(needed));
    }
    if (bytes.size() > needed) {
        throw Error(describe + ": holds " + std::to_string(bytes.size()) +
                    " bytes, but the weights manifest describes " + std::to_string(needed) +
                    ": not the shard this model.json was written with");
    }
    std::map<std::string, torch::Tensor> weights;
    std::size_t offset = 0;
    for (const auto& e : entries) {
        const std::size_t size = storedBytes(e);
        const auto copyAs = [&](torch::ScalarType type) {
            auto raw = torch::empty({elementCount(e.shape)}, type);
            if (size > 0) std::memcpy(raw.data_ptr(), bytes.data() + offset, size);  // shards are little-endian
            return raw;
        };
        torch::Tensor value;
        if (e.quantisation == "float16") {
            value = copyAs(torch::kHalf).to(torch::kFloat32);
        } else if (e.quantisation == "uint8" || e.quantisation == "uint16") {
            const auto stored = e.quantisation == "uint8"
                                    ? copyAs(torch::kUInt8).to(torch::kFloat64)
                                    : copyAs(torch::kInt16).to(torch::kInt32).bitwise_and(0xFFFF).to(torch::kFloat64);
            value = (stored * e.quantScale + e.quantMin).to(torch::kFloat32);
        } else if (e.dtype == "bool") {
            value = copyAs(torch::kUInt8).ne(0);
        } else {
            value = copyAs(e.dtype == "int32" ? torch::kInt32 : torch::kFloat32);
        }
        if (value.is_floating_point() && !value.isfinite().all().item<bool>())
            throw Error(describe + ": weight '" + e.name + "' holds NaN or infinite values: the shard is corrupt");
        if (e.dtype == "int32" && value.scalar_type() != torch::kInt32) {
            // Dequantised integers: checked to fit before the conversion, which is undefined for what does not.
            const auto rounded = value.to(torch::kFloat64).round();
            if (value.numel() > 0 && (rounded.min().item<double>() < std::numeric_limits<std::int32_t>::min() ||
                                      rounded.max().item<double>() > std::numeric_limits<std::int32_t>::max()))
                throw Error(describe + ": int32 weight '" + e.name +
                            "' dequantises to values outside the int32 range: the shard is corrupt");
            value = rounded.to(torch::kInt32);
        }
        offset += size;
        if (!weights.emplace(e.name, value.reshape(e.shape)).second)
            throw Error(describe + ": the weights manifest lists '" + e.name + "' twice");
    }
    return weights;
}

GraphModel parseGraphModel(const std::string& modelJson, const std::string& sourceName, const ShardReader& readShard) {
    json doc;
    try {
        doc = json::parse(modelJson);
    } catch (const json::exception& e) {
        throwFileError(sourceName, std::string("not valid JSON, the file may be truncated (") + e.what() + ")");
    }
    if (!doc.is_object()) throwFileError(sourceName, "not a TensorFlow.js model: the file is not a JSON object");
    if (doc.contains("format") && doc["format"] != "graph-model") {
        throwFileError(sourceName, "a TensorFlow.js model of format " + doc["format"].dump() +
                                       "; only graph models (format \"graph-model\") can be run");
    }
    if (!doc.contains("modelTopology") || !doc["modelTopology"].is_object() || !doc["modelTopology"].contains("node") ||
        !doc["modelTopology"]["node"].is_array())
        throwFileError(sourceName, "not a TensorFlow.js graph model: no \"modelTopology\" with a \"node\" list");
    if (!doc.contains("weightsManifest") || !doc["weightsManifest"].is_array())
        throwFileError(sourceName, "not a TensorFlow.js graph model: no \"weightsManifest\" list");

    GraphModel model;
    model.source = sourceName;
    std::set<std::string> names;
    const json& nodes = doc["modelTopology"]["node"];
    for (std::size_t k = 0; k < nodes.size(); ++k) {
        GraphNode node = parseNode(nodes[k], k, sourceName);
        if (!names.insert(node.name).second) throwFileError(sourceName, "two nodes are named '" + node.name + "'");
        model.nodes.push_back(std::move(node));
    }
    if (model.nodes.empty()) throwFileError(sourceName, "the graph has no nodes");
    for (const auto& node : model.nodes) {
        for (const auto& input : node.inputs) {
            if (!names.count(nodeOfTensor(input)))
                throwFileError(sourceName,
                               node.describe() + " takes input '" + input + "', which no node of the graph produces");
        }
    }

    const json& manifest = doc["weightsManifest"];
    for (std::size_t g = 0; g < manifest.size(); ++g) {
        const json& group = manifest[g];
        const std::string where = sourceName + ": weightsManifest group " + std::to_string(g);
        if (!group.is_object() || !group.contains("paths") || !group["paths"].is_array() ||
            !group.contains("weights") || !group["weights"].is_array())
            throw Error(where + " lacks its \"paths\" or \"weights\" list");
        std::vector<WeightEntry> entries;
        for (std::size_t w = 0; w < group["weights"].size(); ++w)
            entries.push_back(parseWeightEntry(group["weights"][w], where + ", weight " + std::to_string(w)));
        std::string bytes;
        std::string shards;
        for (const auto& path : group["paths"]) {
            if (!path.is_string()) throw Error(where + ": a shard path is not a string");
            bytes += readShard(path.get<std::string>());
            shards += (shards.empty() ? "" : ", ") + path.get<std::string>();
        }
        if (group["paths"].empty() && !entries.empty()) throw Error(where + " lists weights but no shard files");
        try {
            for (auto& [name, value] : decodeWeights(entries, bytes, "weight shard " + shards))
                model.constants.emplace(name, std::move(value));
        } catch (const Error& e) {
            rethrowWithContext(sourceName, e);
        }
    }

    static const std::map<std::string, std::string> kWeightType{
        {"DT_FLOAT", "float32"}, {"DT_INT32", "int32"}, {"DT_BOOL", "bool"}};
    for (const auto& node : model.nodes) {
        if (node.op != "Const") continue;
        const auto it = model.constants.find(node.name);
        if (it == model.constants.end())
            throwFileError(sourceName, node.describe() + " has no value in the weights manifest");
        if (const Attribute* dtype = node.find("dtype"); dtype && dtype->type) {
            const auto expected = kWeightType.find(*dtype->type);
            const std::string got = it->second.scalar_type() == torch::kFloat32 ? "float32"
                                    : it->second.scalar_type() == torch::kInt32 ? "int32"
                                                                                : "bool";
            if (expected == kWeightType.end() || expected->second != got)
                throwFileError(sourceName,
                               node.describe() + " is declared " + *dtype->type + " but its weights are " + got);
        }
    }

    if (doc.contains("signature") && doc["signature"].is_object()) {
        const json& signature = doc["signature"];
        if (signature.contains("inputs"))
            model.inputs = parseSignatureSide(signature["inputs"], sourceName + ": signature inputs");
        if (signature.contains("outputs"))
            model.outputs = parseSignatureSide(signature["outputs"], sourceName + ": signature outputs");
    }
    if (model.inputs.empty()) {
        for (const auto& node : model.nodes) {
            if (node.op != "Placeholder") continue;
            TensorSpec spec{node.name, node.typeAttr("dtype", "DT_FLOAT"), {}};
            if (const Attribute* shape = node.find("shape"); shape && shape->shape) spec.shape = *shape->shape;
            model.inputs.push_back(spec);
        }
    }
    for (const auto& spec : model.inputs) {
        const GraphNode* node = model.findNode(spec.name);
        if (!node || node->op != "Placeholder")
            throwFileError(sourceName,
                           "the signature's input '" + spec.name + "' is not a Placeholder node of the graph");
    }
    for (const auto& spec : model.outputs) {
        if (!model.findNode(spec.name))
            throwFileError(sourceName, "the signature's output '" + spec.name + "' is not a node of the graph");
    }
    return model;
}

GraphModel readGraphModel(const std::string& modelJsonPath) {
    const std::string text = files::readAll(modelJsonPath, kMaxModelJsonBytes);
    const std::filesystem::path folder = std::filesystem::path(modelJsonPath).parent_path();
    return parseGraphModel(text, modelJsonPath, [&](const std::string& shard) {
        return files::readAll(resolveShard(folder, shard, modelJsonPath), kMaxWeightShardBytes);
    });
}

}  // namespace marionette::graph

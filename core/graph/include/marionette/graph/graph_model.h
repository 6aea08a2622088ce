#pragma once
// TensorFlow.js graph models, as written by tensorflowjs_converter: `model.json` holds the graph (one node per
// TensorFlow operation, with its attributes), the input and output signature and a weights manifest; the
// weights themselves lie in binary shards next to it, possibly quantised (float16, uint8, uint16). Reading a
// model checks everything that can be checked without running it: a truncated or corrupt file is refused
// here, with the file's name and what is wrong.
#include <torch/types.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace marionette::graph {

// Largest model.json accepted (MoveNet's are 160 kB; the largest TF.js graphs a few MB).
constexpr std::size_t kMaxModelJsonBytes = 32u << 20;
// Largest weight shard accepted.
constexpr std::size_t kMaxWeightShardBytes = 1024u << 20;

// One attribute of a node, decoded from TensorFlow's AttrValue JSON. Exactly the fields the JSON had are set;
// list attributes fill the vectors (and set isList, so that an empty list is told apart from no value).
struct Attribute {
    std::optional<std::int64_t> i;
    std::optional<double> f;
    std::optional<bool> b;
    std::optional<std::string> s;                    // decoded from base64
    std::optional<std::string> type;                 // "DT_FLOAT"
    std::optional<std::vector<std::int64_t>> shape;  // dims, -1 for unknown
    bool isList = false;
    std::vector<std::int64_t> ints;
    std::vector<double> floats;
    std::vector<std::string> strings;  // decoded from base64
};

struct GraphNode {
    std::string name;
    std::string op;
    std::vector<std::string> inputs;  // "node", "node:1" (second output); control inputs ("^node") are dropped
    std::map<std::string, Attribute> attributes;

    const Attribute* find(const std::string& key) const;
    // Typed access; each throws marionette::Error naming the node when the attribute is missing (and has no
    // fallback) or has another kind.
    std::int64_t intAttr(const std::string& key, std::optional<std::int64_t> fallback = std::nullopt) const;
    double floatAttr(const std::string& key, std::optional<double> fallback = std::nullopt) const;
    bool boolAttr(const std::string& key, std::optional<bool> fallback = std::nullopt) const;
    std::string stringAttr(const std::string& key, std::optional<std::string> fallback = std::nullopt) const;
    std::string typeAttr(const std::string& key, std::optional<std::string> fallback = std::nullopt) const;
    std::vector<std::int64_t> intsAttr(const std::string& key,
                                       std::optional<std::vector<std::int64_t>> fallback = std::nullopt) const;
    std::vector<std::string> stringsAttr(const std::string& key,
                                         std::optional<std::vector<std::string>> fallback = std::nullopt) const;
    // "node 'name' (Op)": how messages name a node.
    std::string describe() const;
};

// A graph input or output from the model's signature.
struct TensorSpec {
    std::string name;                 // node name, without ":0"
    std::string dtype;                // "DT_INT32"
    std::vector<std::int64_t> shape;  // -1 for a free dimension
};

struct GraphModel {
    std::string source;  // the model.json path (or the name given to parseGraphModel), for messages
    std::vector<GraphNode> nodes;
    // The value of every Const node, by node name: float32, int32 or bool, dequantised.
    std::map<std::string, torch::Tensor> constants;
    std::vector<TensorSpec> inputs;   // from the signature, else the Placeholder nodes
    std::vector<TensorSpec> outputs;  // from the signature (may be empty)

    const GraphNode* findNode(const std::string& name) const;
};

// Reads `model.json` and the weight shards its manifest names (paths relative to its folder).
GraphModel readGraphModel(const std::string& modelJsonPath);

// The same from memory: `readShard` returns the bytes of a shard named in the manifest.
using ShardReader = std::function<std::string(const std::string& shardPath)>;
GraphModel parseGraphModel(const std::string& modelJson, const std::string& sourceName, const ShardReader& readShard);

// Weights as tensors, decoded from the bytes of one manifest group (its shards concatenated). Exposed for the
// tests; `describe` names the shards in messages.
struct WeightEntry {
    std::string name;
    std::vector<std::int64_t> shape;
    std::string dtype;         // "float32", "int32", "bool"
    std::string quantisation;  // "", "float16", "uint8", "uint16"
    double quantMin = 0.0;     // value = stored * scale + min, for uint8 / uint16
    double quantScale = 1.0;
};
std::size_t storedBytes(const WeightEntry& entry);
std::map<std::string, torch::Tensor> decodeWeights(const std::vector<WeightEntry>& entries, const std::string& bytes,
                                                   const std::string& describe);

}  // namespace marionette::graph

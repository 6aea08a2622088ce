// TensorFlow.js graph models (detect/graph_model.h): model.json, its weights manifest and the weight shards
// (float32, int32, bool; float16, uint8 and uint16 quantised), then the executor's checks of every node
// (detect/graph_executor.h), which are part of loading a model. Nothing is run.
//
// Input layout: a 4-byte little-endian length N, N bytes of model.json, then the bytes of the weights. The first
// shard the manifest names gets them all, any other shard is empty (the reader concatenates a group's shards).
// A length beyond the input gives it all to model.json.
#include "fuzz_targets.h"

#include "marionette/graph/graph_executor.h"
#include "marionette/graph/graph_model.h"

#include <algorithm>
#include <utility>

namespace marionette::fuzz {

int fuzzGraphModel(const std::uint8_t* data, std::size_t size) {
    const std::string bytes = bytesOf(data, size);
    std::size_t jsonSize = 0;
    for (std::size_t k = 0; k < 4 && k < bytes.size(); ++k)
        jsonSize |= std::size_t(static_cast<unsigned char>(bytes[k])) << (8 * k);
    const std::string rest = bytes.size() > 4 ? bytes.substr(4) : std::string();
    jsonSize = std::min(jsonSize, rest.size());
    const std::string modelJson = rest.substr(0, jsonSize);
    std::string weights = rest.substr(jsonSize);
    readOrRefuse([&] {
        graph::GraphModel model = graph::parseGraphModel(
            modelJson, "fuzz/model.json", [&](const std::string&) { return std::exchange(weights, std::string()); });
        const graph::GraphExecutor executor(std::move(model));
    });
    return 0;
}

}  // namespace marionette::fuzz

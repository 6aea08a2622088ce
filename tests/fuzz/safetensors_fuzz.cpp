// safetensors weights files (model/safetensors.h): the 8-byte header size, the JSON header and the spans.
#include "fuzz_targets.h"

#include "marionette/model/safetensors.h"

#include <cstring>
#include <optional>

namespace marionette::fuzz {
namespace {

bool sameTensor(const at::Tensor& a, const at::Tensor& b) {
    if (a.scalar_type() != b.scalar_type() || !a.sizes().equals(b.sizes())) return false;
    const auto x = a.contiguous(), y = b.contiguous();
    // Bytes, not values: NaNs read from a file must come back as the same bits.
    return x.nbytes() == y.nbytes() && (x.nbytes() == 0 || std::memcmp(x.data_ptr(), y.data_ptr(), x.nbytes()) == 0);
}

}  // namespace

int fuzzSafetensors(const std::uint8_t* data, std::size_t size) {
    const std::string bytes = bytesOf(data, size);
    std::optional<model::SafetensorsContent> content;
    readOrRefuse([&] { content = model::parseSafetensors(bytes, "fuzz.safetensors"); });
    if (!content) return 0;

    // The tensors were checked against the file before anything was allocated for them.
    std::size_t stored = 0;
    for (const auto& t : content->tensors) stored += t.tensor.nbytes();
    require(stored <= bytes.size(), "safetensors: the tensors hold more bytes than the file");

    const auto again = model::parseSafetensors(model::serializeSafetensors(content->tensors, content->metadata),
                                               "fuzz.safetensors written back");
    require(again.metadata == content->metadata, "safetensors: the metadata changed on writing it back");
    require(again.tensors.size() == content->tensors.size(), "safetensors: tensors lost on writing them back");
    for (const auto& t : content->tensors) {
        const at::Tensor* back = again.find(t.name);
        require(back && sameTensor(*back, t.tensor),
                "safetensors: tensor \"" + t.name + "\" changed on writing it back");
    }
    return 0;
}

}  // namespace marionette::fuzz

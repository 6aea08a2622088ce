#pragma once
// The safetensors file format (github.com/huggingface/safetensors, "Format"):
//   8 bytes   N, little-endian unsigned 64-bit: the size of the header
//   N bytes   a UTF-8 JSON object: {"<name>": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]},
//             ..., "__metadata__": {"<key>": "<string>"}}; may be padded with spaces
//   rest      the byte buffer: each tensor row-major, little-endian, at [begin, end) of the buffer, which
//             the tensors cover entirely without overlap.
// The reader is bounded: it checks every length and offset against the file before trusting it.
#include <ATen/ATen.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace marionette::model {

// Largest header accepted (the format itself limits it to 100 MB).
constexpr std::uint64_t kMaxSafetensorsHeaderBytes = 100u << 20;
// Largest weights file accepted.
constexpr std::uint64_t kMaxSafetensorsFileBytes = 4ull << 30;

struct NamedTensor {
    std::string name;
    at::Tensor tensor;
};

struct SafetensorsContent {
    std::vector<NamedTensor> tensors;  // in file (offset) order, each on the CPU with its stored dtype
    std::map<std::string, std::string> metadata;

    const at::Tensor* find(const std::string& name) const;
};

SafetensorsContent parseSafetensors(const std::string& bytes, const std::string& sourceName);
SafetensorsContent readSafetensors(const std::string& path);

// Tensors are written in the given order, contiguous, in their own dtype (F32, F16, BF16, I64, I32, U8,
// BOOL); the header is padded with spaces to a multiple of 8 bytes.
std::string serializeSafetensors(const std::vector<NamedTensor>& tensors,
                                 const std::map<std::string, std::string>& metadata);
void writeSafetensors(const std::string& path, const std::vector<NamedTensor>& tensors,
                      const std::map<std::string, std::string>& metadata);  // atomic

}  // namespace marionette::model

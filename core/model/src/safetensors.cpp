#include "marionette/model/safetensors.h"

#include "marionette/util/error.h"
#include "marionette/util/files.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>
#include <set>

namespace marionette::model {
namespace {

struct DtypeInfo {
    const char* name;
    at::ScalarType type;
    std::size_t bytes;
};

constexpr DtypeInfo kDtypes[] = {
    {"F32", at::kFloat, 4}, {"F16", at::kHalf, 2},  {"BF16", at::kBFloat16, 2}, {"F64", at::kDouble, 8},
    {"I64", at::kLong, 8},  {"I32", at::kInt, 4},   {"I16", at::kShort, 2},     {"I8", at::kChar, 1},
    {"U8", at::kByte, 1},   {"BOOL", at::kBool, 1},
};

const DtypeInfo* dtypeByName(const std::string& name) {
    for (const auto& d : kDtypes) {
        if (name == d.name) return &d;
    }
    return nullptr;
}

const DtypeInfo& dtypeByType(at::ScalarType type) {
    for (const auto& d : kDtypes) {
        if (d.type == type) return d;
    }
    throw Error(std::string("safetensors cannot store tensors of type ") + c10::toString(type));
}

std::uint64_t readLittleEndian64(const std::string& bytes) {
    std::uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(bytes[static_cast<std::size_t>(i)]);
    return v;
}

struct Entry {
    std::string name;
    const DtypeInfo* dtype;
    std::vector<int64_t> shape;
    std::uint64_t begin, end;
};

}  // namespace

const at::Tensor* SafetensorsContent::find(const std::string& name) const {
    for (const auto& t : tensors) {
        if (t.name == name) return &t.tensor;
    }
    return nullptr;
}

SafetensorsContent parseSafetensors(const std::string& bytes, const std::string& source) {
    if (bytes.size() < 8)
        throwFileError(source, "too short to be a safetensors file (" + std::to_string(bytes.size()) + " bytes)");
    const std::uint64_t headerSize = readLittleEndian64(bytes);
    if (headerSize > kMaxSafetensorsHeaderBytes)
        throwFileError(
            source, "the header claims " + std::to_string(headerSize) + " bytes, more than the format's 100 MB limit");
    if (headerSize > bytes.size() - 8)
        throwFileError(source, "the header claims " + std::to_string(headerSize) + " bytes but the file has only " +
                                   std::to_string(bytes.size() - 8) +
                                   " after the size field: the file is truncated or not safetensors");
    const std::string headerText = bytes.substr(8, headerSize);
    if (headerText.empty() || headerText[0] != '{') throwFileError(source, "the header is not a JSON object");

    // Duplicate tensor names would silently shadow each other in a JSON object: refuse them.
    std::set<std::string> seen;
    std::string duplicate;
    nlohmann::json header;
    try {
        header = nlohmann::json::parse(headerText,
                                       [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
                                           if (depth == 1 && event == nlohmann::json::parse_event_t::key) {
                                               const std::string key = parsed.get<std::string>();
                                               if (!seen.insert(key).second && duplicate.empty()) duplicate = key;
                                           }
                                           return true;
                                       });
    } catch (const nlohmann::json::exception& e) {
        throwFileError(source, std::string("the header is not valid JSON: ") + e.what());
    }
    if (!duplicate.empty()) throwFileError(source, "tensor \"" + duplicate + "\" appears twice in the header");
    if (!header.is_object()) throwFileError(source, "the header is not a JSON object");

    const std::uint64_t bufferSize = bytes.size() - 8 - headerSize;
    SafetensorsContent content;
    std::vector<Entry> entries;
    for (auto it = header.begin(); it != header.end(); ++it) {
        const std::string& name = it.key();
        if (name == "__metadata__") {
            if (!it->is_object()) throwFileError(source, "__metadata__ must be an object of strings");
            for (auto m = it->begin(); m != it->end(); ++m) {
                if (!m->is_string()) throwFileError(source, "metadata \"" + m.key() + "\" is not a string");
                content.metadata[m.key()] = m->get<std::string>();
            }
            continue;
        }
        const std::string where = "tensor \"" + name + "\"";
        const auto& info = *it;
        if (!info.is_object() || !info.contains("dtype") || !info.contains("shape") || !info.contains("data_offsets"))
            throwFileError(source, where + " needs dtype, shape and data_offsets");
        if (!info["dtype"].is_string()) throwFileError(source, where + ": dtype is not a string");
        Entry e{name, dtypeByName(info["dtype"].get<std::string>()), {}, 0, 0};
        if (!e.dtype) throwFileError(source, where + " has unsupported dtype " + info["dtype"].get<std::string>());
        if (!info["shape"].is_array()) throwFileError(source, where + ": shape is not a list");
        std::uint64_t elements = 1;
        // The product of the sizes with zeros counted as ones: LibTorch's strides reach it even when a zero size
        // leaves no elements, so it is bounded too (and with it each size, which must also fit int64).
        std::uint64_t extent = 1;
        for (const auto& d : info["shape"]) {
            if (!d.is_number_unsigned()) throwFileError(source, where + ": shape holds a non-integer or negative size");
            const auto size = d.get<std::uint64_t>();
            if (extent > (std::uint64_t(1) << 40) / std::max<std::uint64_t>(size, 1))
                throwFileError(source, where + ": shape is absurdly large");
            extent *= std::max<std::uint64_t>(size, 1);
            elements *= size;
            e.shape.push_back(static_cast<int64_t>(size));
        }
        const auto& offsets = info["data_offsets"];
        if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() ||
            !offsets[1].is_number_unsigned())
            throwFileError(source, where + ": data_offsets must be two non-negative integers");
        e.begin = offsets[0].get<std::uint64_t>();
        e.end = offsets[1].get<std::uint64_t>();
        if (e.end < e.begin || e.end > bufferSize)
            throwFileError(source, where + " spans bytes [" + std::to_string(e.begin) + ", " + std::to_string(e.end) +
                                       ") outside the data (" + std::to_string(bufferSize) +
                                       " bytes): the file is truncated");
        if (e.end - e.begin != elements * e.dtype->bytes)
            throwFileError(source, where + " has " + std::to_string(e.end - e.begin) +
                                       " bytes but its shape and dtype need " +
                                       std::to_string(elements * e.dtype->bytes));
        entries.push_back(std::move(e));
    }

    // The spans must tile the buffer: no overlap, no hole.
    std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
        return a.begin < b.begin || (a.begin == b.begin && a.end < b.end);
    });
    std::uint64_t cursor = 0;
    for (const auto& e : entries) {
        if (e.begin < cursor) throwFileError(source, "tensor \"" + e.name + "\" overlaps the tensor before it");
        if (e.begin > cursor) throwFileError(source, "there are unused bytes before tensor \"" + e.name + "\"");
        cursor = e.end;
    }
    if (cursor != bufferSize)
        throwFileError(source, "the data has " + std::to_string(bufferSize - cursor) + " bytes after the last tensor");

    const char* data = bytes.data() + 8 + headerSize;
    for (const auto& e : entries) {
        auto t = at::empty(e.shape, at::TensorOptions().dtype(e.dtype->type));
        if (e.end > e.begin) std::memcpy(t.data_ptr(), data + e.begin, e.end - e.begin);  // x86/ARM are little-endian
        content.tensors.push_back({e.name, t});
    }
    return content;
}

SafetensorsContent readSafetensors(const std::string& path) {
    return parseSafetensors(files::readAll(path, kMaxSafetensorsFileBytes), path);
}

std::string serializeSafetensors(const std::vector<NamedTensor>& tensors,
                                 const std::map<std::string, std::string>& metadata) {
    nlohmann::ordered_json header = nlohmann::ordered_json::object();
    if (!metadata.empty()) header["__metadata__"] = metadata;
    std::set<std::string> names;
    std::uint64_t offset = 0;
    std::vector<at::Tensor> contiguous;
    for (const auto& t : tensors) {
        if (t.name.empty() || t.name == "__metadata__") throw Error("invalid tensor name \"" + t.name + "\"");
        if (!names.insert(t.name).second) throw Error("tensor \"" + t.name + "\" is written twice");
        const auto c = t.tensor.detach().to(at::kCPU).contiguous();
        const DtypeInfo& d = dtypeByType(c.scalar_type());
        const std::uint64_t size = static_cast<std::uint64_t>(c.numel()) * d.bytes;
        header[t.name] = {{"dtype", d.name}, {"shape", c.sizes().vec()}, {"data_offsets", {offset, offset + size}}};
        offset += size;
        contiguous.push_back(c);
    }
    std::string headerText = header.dump();
    headerText.append((8 - headerText.size() % 8) % 8, ' ');
    std::string out(8, '\0');
    const std::uint64_t n = headerText.size();
    for (int i = 0; i < 8; ++i) out[static_cast<std::size_t>(i)] = static_cast<char>((n >> (8 * i)) & 0xFF);
    out += headerText;
    out.reserve(out.size() + offset);
    for (const auto& c : contiguous) {
        out.append(static_cast<const char*>(c.data_ptr()), static_cast<std::size_t>(c.numel()) * c.element_size());
    }
    return out;
}

void writeSafetensors(const std::string& path, const std::vector<NamedTensor>& tensors,
                      const std::map<std::string, std::string>& metadata) {
    files::writeAtomically(path, serializeSafetensors(tensors, metadata));
}

}  // namespace marionette::model

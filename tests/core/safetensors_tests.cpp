#include "check.h"

#include "marionette/model/weights.h"
#include "marionette/util/error.h"
#include "marionette/util/files.h"

#include <torch/types.h>
#include <nlohmann/json.hpp>

using namespace marionette;
using namespace marionette::model;

namespace {

std::string le64(std::uint64_t v) {
    std::string s(8, '\0');
    for (int i = 0; i < 8; ++i) s[static_cast<std::size_t>(i)] = static_cast<char>((v >> (8 * i)) & 0xFF);
    return s;
}

// A file laid out by hand from the format's specification.
std::string handLaidFile(const std::string& header, const std::string& data) {
    return le64(header.size()) + header + data;
}

ModelConfig tiny() {
    ModelConfig c;
    c.width = 4;
    c.keyChannels = 8;
    c.height = 32;
    c.canvasWidth = 32;
    return c;
}

}  // namespace

TEST_CASE(safetensors_writer_matches_the_published_layout) {
    // Spec example: a 2-element F32 tensor and a 1x2 F16 tensor, plus metadata; header padded to 8 bytes.
    const auto a = torch::tensor({1.0f, -2.5f});
    const auto b = torch::tensor({1.0f, 0.5f}).to(torch::kHalf).view({1, 2});
    const std::string bytes = serializeSafetensors({{"a", a}, {"b.weight", b}}, {{"k", "v"}});
    std::string header = R"({"__metadata__":{"k":"v"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                         R"("b.weight":{"dtype":"F16","shape":[1,2],"data_offsets":[8,12]}})";
    header.append((8 - header.size() % 8) % 8, ' ');
    // Data: little-endian IEEE floats. 1.0f = 00 00 80 3f, -2.5f = 00 00 20 c0; half 1.0 = 00 3c, 0.5 = 00 38.
    const std::string data("\x00\x00\x80\x3f\x00\x00\x20\xc0\x00\x3c\x00\x38", 12);
    EXPECT(bytes == handLaidFile(header, data));

    // And a hand-laid file (no padding, keys in another order) reads back to the same tensors.
    const std::string other = handLaidFile(
        R"({"b.weight":{"dtype":"F16","shape":[1,2],"data_offsets":[8,12]},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})",
        data);
    const auto content = parseSafetensors(other, "hand.safetensors");
    EXPECT_EQ(content.tensors.size(), std::size_t(2));
    EXPECT(torch::equal(*content.find("a"), a));
    EXPECT(torch::equal(*content.find("b.weight"), b));
    EXPECT(content.find("b.weight")->scalar_type() == torch::kHalf);
}

TEST_CASE(safetensors_generator_weights_round_trip_bit_exactly) {
    Generator g(tiny());
    const std::string path = test::tempPath("g32.safetensors");
    saveGeneratorWeights(path, *g, R"({"steps":3})", StoredPrecision::Float32);
    const LoadedGenerator back = loadGeneratorWeights(path);
    EXPECT_EQ(back.trainingJson, std::string(R"({"steps":3})"));
    EXPECT_EQ(back.generator->config().toJson(), g->config().toJson());
    const auto a = g->named_parameters();
    const auto b = back.generator->named_parameters();
    EXPECT_EQ(a.size(), b.size());
    for (const auto& p : a) EXPECT(torch::equal(p.value(), b[p.key()]));

    const std::string half = test::tempPath("g16.safetensors");
    saveGeneratorWeights(half, *g, "{}", StoredPrecision::Float16);
    const auto content = readSafetensors(half);
    EXPECT(content.tensors.at(0).tensor.scalar_type() == torch::kHalf);
    const LoadedGenerator fromHalf = loadGeneratorWeights(half);
    for (const auto& p : a)
        EXPECT(torch::allclose(p.value(), fromHalf.generator->named_parameters()[p.key()], 1e-3, 1e-3));
}

TEST_CASE(safetensors_broken_files_are_refused_with_their_reason) {
    Generator g(tiny());
    const std::string good = serializeSafetensors(
        moduleState(*g, StoredPrecision::Float32),
        {{"marionette.format", std::to_string(kWeightsFormatVersion)}, {"marionette.config", g->config().toJson()}});
    EXPECT_THROWS(Error, parseSafetensors(good.substr(0, good.size() - 100), "cut.safetensors"), "cut.safetensors",
                  "truncated");
    EXPECT_THROWS(Error, parseSafetensors(good.substr(0, 5), "tiny.safetensors"), "too short");
    EXPECT_THROWS(Error, parseSafetensors(le64(1ull << 40) + "{}", "big.safetensors"), "100 MB");
    EXPECT_THROWS(Error, parseSafetensors(le64(500) + "{}", "claims.safetensors"), "claims 500 bytes");
    EXPECT_THROWS(Error, parseSafetensors(handLaidFile("{\"a\":", ""), "json.safetensors"), "not valid JSON");
    EXPECT_THROWS(
        Error, parseSafetensors(handLaidFile(R"({"a":{"dtype":"Q4","shape":[1],"data_offsets":[0,1]}})", "x"), "q.st"),
        "unsupported dtype Q4");
    EXPECT_THROWS(
        Error,
        parseSafetensors(handLaidFile(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}})", "abcd"), "s.st"),
        "\"a\"", "need 8");
    EXPECT_THROWS(
        Error,
        parseSafetensors(
            handLaidFile(
                R"({"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"b":{"dtype":"U8","shape":[2],"data_offsets":[2,4]}})",
                "abcd"),
            "o.st"),
        "overlaps");
    EXPECT_THROWS(
        Error,
        parseSafetensors(handLaidFile(R"({"a":{"dtype":"U8","shape":[2],"data_offsets":[2,4]}})", "abcd"), "h.st"),
        "unused bytes");
    EXPECT_THROWS(
        Error,
        parseSafetensors(
            handLaidFile(
                R"({"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"a":{"dtype":"U8","shape":[2],"data_offsets":[2,4]}})",
                "abcd"),
            "d.st"),
        "appears twice");
    EXPECT_THROWS(
        Error,
        parseSafetensors(handLaidFile(R"({"a":{"dtype":"U8","shape":[-2],"data_offsets":[0,2]}})", "ab"), "n.st"),
        "negative");

    // Model-level checks name the first offending tensor.
    auto state = moduleState(*g, StoredPrecision::Float32);
    const std::map<std::string, std::string> meta{{"marionette.format", std::to_string(kWeightsFormatVersion)},
                                                  {"marionette.config", g->config().toJson()}};
    auto missing = state;
    missing.erase(missing.begin() + 3);
    EXPECT_THROWS(Error, loadGeneratorWeights(parseSafetensors(serializeSafetensors(missing, meta), "m.st"), "m.st"),
                  "m.st", state[3].name, "missing");
    auto wrongShape = state;
    wrongShape[5].tensor = torch::zeros({3, 3});
    EXPECT_THROWS(Error, loadGeneratorWeights(parseSafetensors(serializeSafetensors(wrongShape, meta), "w.st"), "w.st"),
                  state[5].name, "wrong shape", "got [3, 3]");
    auto wrongType = state;
    wrongType[0].tensor = wrongType[0].tensor.to(torch::kInt);
    EXPECT_THROWS(Error, loadGeneratorWeights(parseSafetensors(serializeSafetensors(wrongType, meta), "t.st"), "t.st"),
                  state[0].name, "expected a float type");
    auto extra = state;
    extra.push_back({"spare.weight", torch::zeros({2})});
    EXPECT_THROWS(Error, loadGeneratorWeights(parseSafetensors(serializeSafetensors(extra, meta), "e.st"), "e.st"),
                  "spare.weight");
    EXPECT_THROWS(Error,
                  loadGeneratorWeights(parseSafetensors(serializeSafetensors(state, {}), "nometa.st"), "nometa.st"),
                  "not a Marionette weights file");
    ModelConfig other = g->config();
    other.width = 8;  // the config says c = 8 but the tensors are for c = 4
    EXPECT_THROWS(
        Error,
        loadGeneratorWeights(
            parseSafetensors(serializeSafetensors(state, {{"marionette.format", std::to_string(kWeightsFormatVersion)},
                                                          {"marionette.config", other.toJson()}}),
                             "c.st"),
            "c.st"),
        "wrong shape");
    EXPECT_THROWS(Error, loadGeneratorWeights(test::tempPath("absent.safetensors")), "no such file");
    EXPECT_THROWS(Error,
                  loadGeneratorWeights(
                      parseSafetensors(serializeSafetensors(state, {{"marionette.format", "4"},
                                                                    {"marionette.config", g->config().toJson()}}),
                                       "new.st"),
                      "new.st"),
                  "new.st", "format 4 is not supported", "formats 1 to 3");
}

TEST_CASE(safetensors_format_1_files_load_as_the_instance_norm_layout) {
    // What builds before format 2 wrote: format 1 and a config without "appearance_norm", with the norm
    // parameters of the reference encoder and decoder among the tensors.
    ModelConfig old = tiny();
    old.appearanceNorm = Normalization::Instance;
    Generator g(old);
    auto configJson = nlohmann::json::parse(old.toJson());
    configJson.erase("appearance_norm");
    const std::string bytes =
        serializeSafetensors(moduleState(*g, StoredPrecision::Float16),
                             {{"marionette.format", "1"}, {"marionette.config", configJson.dump()}});
    const LoadedGenerator loaded = loadGeneratorWeights(parseSafetensors(bytes, "old.st"), "old.st");
    EXPECT(loaded.generator->config().appearanceNorm == Normalization::Instance);
    EXPECT(loaded.generator->named_parameters().contains("dec.up1.block.norm.weight"));
}

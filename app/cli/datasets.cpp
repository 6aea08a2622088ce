#include "cli/datasets.h"

#include "marionette/synth/body_pair_generator.h"
#include "marionette/synth/portrait_pair_generator.h"
#include "marionette/synth/seeds.h"
#include "marionette/util/error.h"
#include "marionette/util/text.h"

#ifdef MARIONETTE_WITH_IMAGE
#include "marionette/train_files/dataset_spec.h"
#endif

#include <algorithm>
#include <vector>

namespace marionette::cli {
namespace {

const synth::SeedRange& seedRange(const std::string& split) {
    if (split.empty() || split == "training") return synth::kTrainingSeeds;
    if (split == "validation") return synth::kValidationSeeds;
    if (split == "report") return synth::kReportSeeds;
    throw Error("unknown synthetic split \"" + split + "\" (expected training, validation or report)");
}

// Pair i of a synthetic data set is the generator's output for the i-th seed of its split: the training
// split never touches held-out seeds (core/synth/seeds.h).
template <typename Generator, typename GeneratorConfig>
class SyntheticDataset : public train::PairDataset {
public:
    SyntheticDataset(std::string kind, const std::string& split, const GeneratorConfig& generator)
        : m_kind(std::move(kind)),
          m_split(split.empty() ? "training" : split),
          m_range(seedRange(split)),
          m_generator(generator) {}

    std::string description() const override { return m_kind + " (procedural, " + m_split + " seeds)"; }
    std::size_t size() const override {
        return static_cast<std::size_t>(std::min<std::uint64_t>(m_range.count, 1ull << 40));
    }
    train::PairSample pair(std::size_t index, std::uint64_t) const override {
        return train::fromSynth(m_generator.generate(m_range.at(index)));
    }

private:
    std::string m_kind, m_split;
    synth::SeedRange m_range;
    Generator m_generator;
};

template <typename GeneratorConfig>
GeneratorConfig canvasConfig(const model::ModelConfig& model) {
    GeneratorConfig c;
    c.height = model.height;
    c.width = model.canvasWidth;
    return c;
}

std::string schemeOf(const std::string& spec) { return spec.substr(0, spec.find(':')); }

bool isSyntheticScheme(const std::string& scheme) {
    return scheme == "synth-body" || scheme == "synth-body-edits" || scheme == "synth-portrait";
}

bool isKnownScheme(const std::string& scheme) {
    if (isSyntheticScheme(scheme)) return true;
#ifdef MARIONETTE_WITH_IMAGE
    const auto& files = train_files::datasetSchemes();
    return std::any_of(files.begin(), files.end(),
                       [&](const train_files::DatasetScheme& s) { return s.name == scheme; });
#else
    return false;
#endif
}

std::shared_ptr<const train::PairDataset> openOne(const std::string& spec, const model::ModelConfig& config) {
    const auto colon = spec.find(':');
    const std::string scheme = schemeOf(spec);
    const std::string rest = colon == std::string::npos ? "" : spec.substr(colon + 1);
    if (scheme == "synth-body" || scheme == "synth-body-edits") {
        if (config.semantics != model::SemanticsKind::Body)
            throw Error(scheme + " data trains body models; use synth-portrait for faces");
        auto generator = canvasConfig<synth::BodyGeneratorConfig>(config);
        if (scheme == "synth-body-edits") generator.editProbability = 1.0;
        return std::make_shared<SyntheticDataset<synth::BodyPairGenerator, synth::BodyGeneratorConfig>>(scheme, rest,
                                                                                                        generator);
    }
    if (scheme == "synth-portrait") {
        if (config.semantics != model::SemanticsKind::Face)
            throw Error("synth-portrait data trains face models; use synth-body for bodies");
        return std::make_shared<SyntheticDataset<synth::PortraitPairGenerator, synth::PortraitGeneratorConfig>>(
            "synth-portrait", rest, canvasConfig<synth::PortraitGeneratorConfig>(config));
    }
#ifdef MARIONETTE_WITH_IMAGE
    if (isKnownScheme(scheme)) return train_files::makeDataset(spec, config);
#endif
    throw Error("unknown training data \"" + spec + "\"; this build reads: " + datasetSpecs());
}

}  // namespace

std::string datasetSpecs() {
    std::string specs =
        "synth-body[:training|validation|report], synth-body-edits[:training|validation|report], "
        "synth-portrait[:training|validation|report]";
#ifdef MARIONETTE_WITH_IMAGE
    for (const auto& scheme : train_files::datasetSchemes()) specs += ", " + scheme.usage;
#endif
    return specs + "; SPEC+SPEC+... takes the sets in turn";
}

std::shared_ptr<const train::PairDataset> openDataset(const std::string& spec, const model::ModelConfig& config) {
    // "A+B": each part a spec of its own, unless a part is no spec (then '+' belongs to a file name).
    const std::vector<std::string> parts = splitText(spec, "+");
    if (parts.size() > 1 &&
        std::all_of(parts.begin(), parts.end(), [](const std::string& p) { return isKnownScheme(schemeOf(p)); })) {
        std::vector<std::shared_ptr<const train::PairDataset>> sets;
        for (const auto& part : parts) sets.push_back(openOne(part, config));
        return std::make_shared<train::InterleavedDatasets>(std::move(sets));
    }
    return openOne(spec, config);
}

}  // namespace marionette::cli

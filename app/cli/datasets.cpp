#include "cli/datasets.h"

#include "marionette/synth/body_pair_generator.h"
#include "marionette/synth/portrait_pair_generator.h"
#include "marionette/synth/seeds.h"
#include "marionette/util/error.h"

#ifdef MARIONETTE_WITH_IMAGE
#include "marionette/train_files/dataset_spec.h"
#endif

#include <algorithm>

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
    SyntheticDataset(std::string kind, const std::string& split, const model::ModelConfig& config)
        : m_kind(std::move(kind)), m_split(split.empty() ? "training" : split), m_range(seedRange(split)),
          m_generator(makeConfig(config)) {}

    std::string description() const override { return m_kind + " (procedural, " + m_split + " seeds)"; }
    std::size_t size() const override { return static_cast<std::size_t>(std::min<std::uint64_t>(m_range.count, 1ull << 40)); }
    train::PairSample pair(std::size_t index, std::uint64_t) const override {
        return train::fromSynth(m_generator.generate(m_range.at(index)));
    }

private:
    static GeneratorConfig makeConfig(const model::ModelConfig& model) {
        GeneratorConfig c;
        c.height = model.height;
        c.width = model.canvasWidth;
        return c;
    }

    std::string m_kind, m_split;
    synth::SeedRange m_range;
    Generator m_generator;
};

}  // namespace

std::string datasetSpecs() {
    std::string specs = "synth-body[:training|validation|report], synth-portrait[:training|validation|report]";
#ifdef MARIONETTE_WITH_IMAGE
    for (const auto& scheme : train_files::datasetSchemes()) specs += ", " + scheme.usage;
#endif
    return specs;
}

std::shared_ptr<const train::PairDataset> openDataset(const std::string& spec, const model::ModelConfig& config) {
    const auto colon = spec.find(':');
    const std::string scheme = spec.substr(0, colon);
    const std::string rest = colon == std::string::npos ? "" : spec.substr(colon + 1);
    if (scheme == "synth-body") {
        if (config.semantics != model::SemanticsKind::Body) throw Error("synth-body data trains body models; use synth-portrait for faces");
        return std::make_shared<SyntheticDataset<synth::BodyPairGenerator, synth::BodyGeneratorConfig>>("synth-body", rest, config);
    }
    if (scheme == "synth-portrait") {
        if (config.semantics != model::SemanticsKind::Face) throw Error("synth-portrait data trains face models; use synth-body for bodies");
        return std::make_shared<SyntheticDataset<synth::PortraitPairGenerator, synth::PortraitGeneratorConfig>>("synth-portrait", rest, config);
    }
#ifdef MARIONETTE_WITH_IMAGE
    const auto& files = train_files::datasetSchemes();
    if (std::any_of(files.begin(), files.end(), [&](const train_files::DatasetScheme& s) { return s.name == scheme; }))
        return train_files::makeDataset(spec, config);
#endif
    throw Error("unknown training data \"" + spec + "\"; this build reads: " + datasetSpecs());
}

}  // namespace marionette::cli

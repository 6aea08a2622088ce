#pragma once
// Command-line options, declared once per verb with their help and default; parsing refuses unknown,
// repeated and missing options with a message that names them.
#include "marionette/engine/device.h"
#include "marionette/model/config.h"

#include <stdexcept>
#include <string>
#include <vector>

namespace marionette::cli {

class UsageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct Option {
    std::string name;       // "--out"
    std::string valueName;  // "FILE"; empty for a flag without value
    std::string help;
    std::string defaultValue;  // shown in help; empty when none
    bool required = false;
};

// "256x176 (body), 256x256 (face)": the canvases of the body and face model configs, for --size's help.
std::string defaultCanvasSizes(const std::string& bodyName = "body", const std::string& faceName = "face");

class Arguments {
public:
    Arguments(std::string verb, std::vector<Option> options);

    void parse(const std::vector<std::string>& args);

    bool has(const std::string& name) const;           // given on the command line (or a flag set)
    std::string value(const std::string& name) const;  // given value, else the default, else UsageError
    int intValue(const std::string& name) const;
    double doubleValue(const std::string& name) const;  // a finite number
    // The value, which must be one of `choices` (else UsageError naming them).
    std::string choiceValue(const std::string& name, const std::vector<std::string>& choices) const;
    // --device: "auto", "cpu" or "cuda".
    engine::Device deviceValue() const { return engine::parseDevice(choiceValue("--device", {"auto", "cpu", "cuda"})); }
    // "256x176" -> {256, 176} (height x width, the order of docs/model.md)
    std::pair<int, int> sizeValue(const std::string& name) const;
    // --size when given, else the canvas of `config` (height, width).
    std::pair<int, int> sizeValue(const std::string& name, const model::ModelConfig& config) const;

    std::string help() const;

private:
    const Option& spec(const std::string& name) const;

    std::string m_verb;
    std::vector<Option> m_options;
    std::vector<std::pair<std::string, std::string>> m_given;
};

// The program whose verbs run (marionette-cli or marionette-train), for help texts; runCli sets it.
void setProgramName(std::string program);
const std::string& programName();

}  // namespace marionette::cli

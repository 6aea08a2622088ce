#pragma once
// What a program says about itself with --version: its version and revision, fixed when CMake configured the
// build (a build from a source tarball, without git, says its revision is unknown), and the LibTorch it runs.
#include <string>

namespace marionette::build_info {

std::string version();       // "0.1.0"
std::string gitRevision();   // "3804a34c1d2e", or "unknown" outside a git checkout
std::string torchVersion();  // "1.13.0"
// "yes (1 device)", "no": whether this LibTorch can run on a CUDA device here.
std::string cudaSupport();

// The lines every program prints for --version, the first "<program> <version>" (as help2man reads it).
std::string versionLines(const std::string& program);

}  // namespace marionette::build_info

// SPDX-License-Identifier: Apache-2.0
// Locating and reading ../shared/testdata for the conformance runners.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace xl::testdata {

// The testdata root: $XL_TESTDATA if set, else the path configured at build time.
std::filesystem::path root();
// Parses a JSON file below root(); fails the current test (and returns null) if unreadable.
nlohmann::json load_json(const std::filesystem::path& relative);
// All *.json files below root()/relative, sorted, so runs are reproducible.
std::vector<std::filesystem::path> json_files(const std::filesystem::path& relative);

}  // namespace xl::testdata

// SPDX-License-Identifier: Apache-2.0
#include "conformance/testdata.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>

namespace xl::testdata {

std::filesystem::path root() {
    if (const char* env = std::getenv("XL_TESTDATA"); env && *env) return env;
    return XL_TESTDATA_DEFAULT;
}

nlohmann::json load_json(const std::filesystem::path& relative) {
    auto path = root() / relative;
    std::ifstream in(path);
    if (!in) {
        ADD_FAILURE() << "cannot open " << path << " (set XL_TESTDATA to ../shared/testdata)";
        return nullptr;
    }
    try {
        return nlohmann::json::parse(in);
    } catch (const std::exception& e) {
        ADD_FAILURE() << "cannot parse " << path << ": " << e.what();
        return nullptr;
    }
}

std::vector<std::filesystem::path> json_files(const std::filesystem::path& relative) {
    std::vector<std::filesystem::path> files;
    auto dir = root() / relative;
    if (!std::filesystem::is_directory(dir)) {
        ADD_FAILURE() << "missing directory " << dir;
        return files;
    }
    for (auto& e : std::filesystem::recursive_directory_iterator(dir))
        if (e.is_regular_file() && e.path().extension() == ".json") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    return files;
}

}  // namespace xl::testdata

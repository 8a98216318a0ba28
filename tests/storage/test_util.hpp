// SPDX-License-Identifier: Apache-2.0
// Test helpers shared by the storage and trie tests: a temporary directory removed on scope
// exit, and the random seed (printed, and taken from XL_TEST_SEED when set; STYLE.md 14).
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>

#include "common/seed.hpp"

namespace xl::test {

// A fresh directory below the system temp directory, removed with everything in it.
class TempDir {
public:
    TempDir() {
        std::random_device rd;
        auto base = std::filesystem::temp_directory_path();
        for (int i = 0; i < 100; ++i) {
            auto p = base / ("xl-test-" + std::to_string(rd()) + std::to_string(rd()));
            if (std::filesystem::create_directory(p)) {
                path_ = p;
                return;
            }
        }
        ADD_FAILURE() << "cannot create a temp dir below " << base;
    }
    ~TempDir() {
        std::error_code ec;
        if (!path_.empty()) std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

}  // namespace xl::test

// SPDX-License-Identifier: Apache-2.0
// Merkle Patricia Trie conformance over ethereum/tests TrieTests
// (../shared/testdata/ethereum/TrieTests), keccak suite: trietest.json (ordered operations,
// null value = delete), trieanyorder.json (inserted forwards and backwards: both must give the
// root), the *_secureTrie.json variants and hex_encoded_securetrie_test.json (keys hashed
// first), trietestnextprev.json (previous and next key). A key or value starting with 0x is
// hex, any other string its raw bytes. Every case is reported by name; kExcluded (empty now)
// would list exclusions with their reasons.
#include <gtest/gtest.h>

#include <cstdio>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "conformance/testdata.hpp"
#include "crypto/suite.hpp"
#include "trie/trie.hpp"

using namespace xl;
using nlohmann::json;

namespace {

const std::filesystem::path kDir = "ethereum/TrieTests";

// Files not run, each with its reason (STYLE.md 9).
const std::vector<std::pair<const char*, const char*>> kExcluded = {};

int g_cases = 0;

void report(const std::string& file, const std::string& name, bool ok, std::string_view why = {}) {
    ++g_cases;
    std::printf("[ case     ] %s/%s: %s%s%s\n", file.c_str(), name.c_str(), ok ? "ok" : "FAILED",
                why.empty() ? "" : " - ", std::string(why).c_str());
}

Bytes parse(const json& j) {
    auto s = j.get<std::string>();
    if (s.starts_with("0x")) {
        auto b = from_hex(s);
        EXPECT_TRUE(b) << "bad hex in test data: " << s;
        return b ? *b : Bytes{};
    }
    return to_bytes(s);
}

// One insertion or deletion (null value).
using Op = std::pair<Bytes, std::optional<Bytes>>;

std::vector<Op> ops_of(const json& in) {
    std::vector<Op> ops;
    auto add = [&](const json& k, const json& v) {
        ops.emplace_back(parse(k), v.is_null() ? std::nullopt : std::optional<Bytes>(parse(v)));
    };
    if (in.is_array()) {
        for (const auto& kv : in)
            add(kv.at(0), kv.at(1));
    } else {
        for (const auto& [k, v] : in.items())
            add(json(k), v);
    }
    return ops;
}

std::string root_after(const std::vector<Op>& ops, bool secure) {
    const auto& suite = crypto::ecdsa_suite();
    trie::SecureTrie st(suite);
    trie::Trie t(suite);
    for (const auto& [k, v] : ops) {
        Result<void, trie::TrieError> r =
            secure ? (v ? st.put(k, *v) : st.remove(k)) : (v ? t.put(k, *v) : t.remove(k));
        if (!r) return std::string("error: ") + std::string(to_string(r.error()));
    }
    auto root = secure ? st.root() : t.root();
    if (!root) return std::string("error: ") + std::string(to_string(root.error()));
    return to_hex(*root);
}

void run_file(const std::string& file, bool secure, bool any_order) {
    json cases = testdata::load_json(kDir / file);
    ASSERT_TRUE(cases.is_object()) << file;
    ASSERT_FALSE(cases.empty()) << file;
    for (const auto& [name, c] : cases.items()) {
        const auto want = c.at("root").get<std::string>();
        auto ops = ops_of(c.at("in"));
        std::string got = root_after(ops, secure);
        bool ok = got == want;
        std::string why = ok ? "" : "root " + got + ", want " + want;
        if (ok && any_order) {
            std::reverse(ops.begin(), ops.end());
            std::string reversed = root_after(ops, secure);
            ok = reversed == want;
            if (!ok) why = "reversed insertion order gives " + reversed;
        }
        report(file, name, ok, why);
        EXPECT_TRUE(ok) << file << "/" << name << ": " << why;
    }
}

}  // namespace

TEST(TrieConformance, TrieTest) {
    run_file("trietest.json", false, false);
}
TEST(TrieConformance, TrieAnyOrder) {
    run_file("trieanyorder.json", false, true);
}
TEST(TrieConformance, TrieTestSecure) {
    run_file("trietest_secureTrie.json", true, false);
}
TEST(TrieConformance, TrieAnyOrderSecure) {
    run_file("trieanyorder_secureTrie.json", true, true);
}
TEST(TrieConformance, HexEncodedSecure) {
    run_file("hex_encoded_securetrie_test.json", true, true);
}

// {"in": [keys], "tests": [[key, prev, next], ...]}, "" meaning no such key.
TEST(TrieConformance, NextPrev) {
    const std::string file = "trietestnextprev.json";
    json cases = testdata::load_json(kDir / file);
    ASSERT_TRUE(cases.is_object());
    for (const auto& [name, c] : cases.items()) {
        trie::Trie t(crypto::ecdsa_suite());
        for (const auto& k : c.at("in"))
            ASSERT_TRUE(t.put(parse(k), parse(k)));
        for (const auto& q : c.at("tests")) {
            Bytes key = parse(q.at(0));
            auto show = [](const Result<std::optional<Bytes>, trie::TrieError>& r) {
                if (!r) return std::string("error");
                return r->has_value() ? std::string((*r)->begin(), (*r)->end()) : std::string();
            };
            std::string prev = show(t.prev_key(key)), next = show(t.next_key(key));
            bool ok = prev == q.at(1).get<std::string>() && next == q.at(2).get<std::string>();
            std::string label = name + "[" + q.at(0).get<std::string>() + "]";
            report(file, label, ok, ok ? "" : "prev '" + prev + "', next '" + next + "'");
            EXPECT_TRUE(ok) << label << " got prev '" << prev << "' next '" << next << "'";
        }
    }
}

// Every file in the directory is either run above or excluded with a reason.
TEST(TrieConformance, EveryFileAccountedFor) {
    const std::set<std::string> run = {"trietest.json",
                                       "trieanyorder.json",
                                       "trietest_secureTrie.json",
                                       "trieanyorder_secureTrie.json",
                                       "hex_encoded_securetrie_test.json",
                                       "trietestnextprev.json"};
    for (const auto& [file, why] : kExcluded)
        std::printf("[ excluded ] %s/%s: %s\n", kDir.string().c_str(), file, why);
    for (const auto& path : testdata::json_files(kDir)) {
        auto name = path.filename().string();
        bool excluded = false;
        for (const auto& [file, why] : kExcluded)
            excluded |= name == file;
        EXPECT_TRUE(run.count(name) || excluded) << "unaccounted test file " << name;
    }
    std::printf("[ summary  ] %d trie cases run\n", g_cases);
}

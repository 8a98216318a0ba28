// SPDX-License-Identifier: Apache-2.0
// `xinlian statetest FILE_OR_DIR... [--fork Cancun] [--json]`: runs Ethereum GeneralStateTests
// (../shared/testdata/README.md §1.2-1.3). For every test with post.Cancun and every entry
// (indexes d/g/v): the pre-state, the block context of `env`, the transaction built from the
// indexes and checked against `txbytes` (fields and sender), then execution under Cancun rules
// with the ecdsa suite; the state root must equal `hash` and keccak256(RLP(logs)) `logs`. An
// entry with expectException must be rejected and leave the pre-state. Entries needing the KZG
// point-evaluation precompile 0x0a are skipped by name with the reason, never passed.
// --exclusions FILE names further entries to skip (tests/conformance/statetest_exclusions.txt).
// Prints one line per failing (and skipped) entry and `N passed, N failed, N skipped`; the exit
// code is 1 if anything failed. With --json, one JSON object per entry instead.
#include <pthread.h>

#include <chrono>
#include <exception>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "crypto/hash.hpp"
#include "crypto/suite.hpp"
#include "evm/analysis.hpp"
#include "execution/execution.hpp"
#include "protocol/transaction.hpp"
#include "protocol/validation.hpp"
#include "state/state.hpp"

namespace xl::cli {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

// No test file here is larger than 1.6 MiB (README §1.1); refuse anything absurd.
constexpr uintmax_t kMaxFileBytes = 64u << 20;
constexpr uint64_t kChainId = 1;  // the tests are filled for mainnet
// 1024 nested EVM frames (Yellow Paper §9.4.2) recurse through the interpreter and the host;
// under AddressSanitizer a frame takes tens of KiB, more than the default 8 MiB main stack. The
// runner therefore works on a thread with this much stack (reserved, touched only as needed).
constexpr size_t kRunnerStackBytes = size_t{512} << 20;
constexpr std::string_view kKzgReason = "needs-kzg-point-evaluation-precompile-0x0a";

[[noreturn]] void fail(const std::string& message) {
    std::cerr << "error: " << message << "\n";
    throw CLI::RuntimeError(message, 1);
}

// A field of the test that does not parse: the test file is bad, not our EVM.
struct BadTest {
    std::string what;
};

U256 to_u256(const json& j) {
    if (!j.is_string()) throw BadTest{"expected a hex string, got " + j.dump()};
    auto v = U256::from_string(j.get<std::string>());
    if (!v) throw BadTest{"bad number " + j.dump()};
    return *v;
}

uint64_t to_u64(const json& j) {
    const U256 v = to_u256(j);
    if (!v.fits_u64()) throw BadTest{"more than 64 bits: " + j.dump()};
    return v.low64();
}

Bytes to_bytes(const json& j) {
    if (!j.is_string()) throw BadTest{"expected hex bytes, got " + j.dump()};
    auto b = from_hex(j.get<std::string>());
    if (!b) throw BadTest{"bad hex " + j.dump().substr(0, 80)};
    return *b;
}

template <size_t N>
FixedBytes<N> to_fixed(const json& j) {
    if (!j.is_string()) throw BadTest{"expected hex, got " + j.dump()};
    // Hashes and slots may be written without leading zeros; pad on the left.
    const Bytes b = to_bytes(j);
    if (b.size() > N) throw BadTest{"too long: " + j.dump()};
    FixedBytes<N> f;
    std::copy(b.begin(), b.end(), f.data() + (N - b.size()));
    return f;
}

using PreState = std::vector<std::pair<Address, state::GenesisAccount>>;

PreState parse_pre(const json& pre) {
    PreState w;
    for (const auto& [addr, a] : pre.items()) {
        state::GenesisAccount e;
        e.nonce = to_u64(a.at("nonce"));
        e.balance = to_u256(a.at("balance"));
        e.code = to_bytes(a.at("code"));
        for (const auto& [k, v] : a.at("storage").items())
            e.storage[to_u256(json(k))] = to_u256(v);
        w.emplace_back(to_fixed<20>(json(addr)), std::move(e));
    }
    return w;
}

state::State make_state(const PreState& pre) {
    state::State s;
    for (const auto& [addr, acc] : pre)
        s.put_account(addr, acc);
    return s;
}

Hash256 root_of(state::State& s) {
    auto r = s.state_root(crypto::ecdsa_suite());
    if (!r) fail("state root: " + std::string(to_string(r.error())));
    return *r;
}

execution::BlockEnv parse_env(const json& env) {
    execution::BlockEnv b;
    b.coinbase = to_fixed<20>(env.at("currentCoinbase"));
    const uint64_t number = to_u64(env.at("currentNumber"));
    const uint64_t timestamp = to_u64(env.at("currentTimestamp"));
    const uint64_t gas_limit = to_u64(env.at("currentGasLimit"));
    if (number > INT64_MAX || timestamp > INT64_MAX || gas_limit > INT64_MAX) {
        throw BadTest{"env number, timestamp or gas limit above 2^63"};
    }
    b.number = static_cast<int64_t>(number);
    b.timestamp = static_cast<int64_t>(timestamp);
    b.gas_limit = static_cast<int64_t>(gas_limit);
    b.prev_randao = to_fixed<32>(env.at("currentRandom"));
    b.base_fee = to_u256(env.at("currentBaseFee"));
    b.blob_base_fee = execution::blob_base_fee(
        env.contains("currentExcessBlobGas") ? to_u64(env.at("currentExcessBlobGas")) : 0);
    b.chain_id = kChainId;
    // geth's vmTestBlockHash: keccak256 of the decimal text of n, for the 256 previous blocks.
    for (uint64_t i = 1; i <= 256 && i <= number; ++i) {
        const std::string text = std::to_string(number - i);
        b.recent_hashes.push_back(crypto::keccak256(
            BytesView(reinterpret_cast<const uint8_t*>(text.data()), text.size())));
    }
    return b;
}

// The transaction the indexes select, from the JSON fields; nullopt if a field cannot be
// represented (the 257-bit value of ValueOverflowParis: then txbytes must not decode).
std::optional<protocol::Transaction> build_tx(const json& t, size_t d, size_t g, size_t v) {
    protocol::Transaction tx;
    const json& al = t.contains("accessLists") ? t.at("accessLists") : json();
    const bool has_al = al.is_array() && d < al.size() && !al.at(d).is_null();
    if (t.contains("maxFeePerGas")) {
        tx.type = protocol::TxType::kDynamicFee;
        tx.max_fee = to_u256(t.at("maxFeePerGas"));
        tx.max_priority_fee = to_u256(t.at("maxPriorityFeePerGas"));
    } else {
        tx.type = has_al ? protocol::TxType::kAccessList : protocol::TxType::kLegacy;
        tx.gas_price = to_u256(t.at("gasPrice"));
    }
    auto nonce = U256::from_string(t.at("nonce").get<std::string>());
    auto gas = U256::from_string(t.at("gasLimit").at(g).get<std::string>());
    auto value = U256::from_string(t.at("value").at(v).get<std::string>());
    if (!nonce || !gas || !value || !nonce->fits_u64() || !gas->fits_u64()) return std::nullopt;
    tx.nonce = nonce->low64();
    tx.gas_limit = gas->low64();
    tx.value = *value;
    tx.data = to_bytes(t.at("data").at(d));
    const std::string to = t.at("to").get<std::string>();
    if (!to.empty()) tx.to = to_fixed<20>(t.at("to"));
    if (has_al) {
        for (const auto& e : al.at(d)) {
            protocol::AccessListEntry entry;
            entry.address = to_fixed<20>(e.at("address"));
            for (const auto& k : e.at("storageKeys"))
                entry.storage_keys.push_back(to_fixed<32>(k));
            tx.access_list.push_back(std::move(entry));
        }
    }
    return tx;
}

// The fields a state test lists must be what txbytes carries (signature aside).
std::string fields_mismatch(const protocol::Transaction& want, const protocol::Transaction& got) {
    if (want.type != got.type) return "type";
    if (want.nonce != got.nonce) return "nonce";
    if (want.gas_limit != got.gas_limit) return "gasLimit";
    if (want.value != got.value) return "value";
    if (want.data != got.data) return "data";
    if (want.to != got.to) return "to";
    if (want.fee_cap() != got.fee_cap() || want.tip_cap() != got.tip_cap()) return "fees";
    if (want.access_list != got.access_list) return "accessList";
    return "";
}

// Entries to report as skipped: (file path suffix, data index) -> reason.
using Exclusions = std::map<std::pair<std::string, size_t>, std::string>;

struct Options {
    std::vector<std::string> paths;
    std::string exclusions_file;
    Exclusions exclusions;
    std::string fork = "Cancun";
    bool json_out = false;
    bool bench = false;
    evm::AnalysisCache* analysis_cache = nullptr;  // one for the run, as a node keeps one
};

struct Counts {
    size_t passed = 0, failed = 0, skipped = 0;
};

enum class Verdict { kPass, kFail, kSkip };

struct CaseResult {
    Verdict verdict = Verdict::kPass;
    std::string detail;  // why it failed or was skipped
};

std::string hex(const Hash256& h) {
    return to_hex(h);
}

CaseResult run_case(const json& test, const json& entry, const PreState& pre,
                    const Hash256& pre_root, const execution::BlockEnv& env) {
    const json& t = test.at("transaction");
    const json& idx = entry.at("indexes");
    const size_t d = idx.at("data").get<size_t>();
    const size_t g = idx.at("gas").get<size_t>();
    const size_t v = idx.at("value").get<size_t>();
    const Hash256 want_root = to_fixed<32>(entry.at("hash"));
    const Hash256 want_logs = to_fixed<32>(entry.at("logs"));
    const bool expect_reject = entry.contains("expectException");
    const std::string expected_exc =
        expect_reject ? entry.at("expectException").get<std::string>() : "";

    auto rejected = [&](const std::string& why) -> CaseResult {
        if (!expect_reject) return {Verdict::kFail, "rejected (" + why + "), expected success"};
        if (pre_root != want_root) {
            return {Verdict::kFail, "rejected, but the pre-state root " + hex(pre_root) +
                                        " differs from hash " + hex(want_root)};
        }
        return {};
    };

    const auto fields = build_tx(t, d, g, v);
    const Bytes raw = to_bytes(entry.at("txbytes"));
    auto decoded = protocol::decode_transaction(raw);
    if (!decoded) {
        if (fields)
            return {Verdict::kFail,
                    "txbytes do not decode: " + std::string(to_string(decoded.error()))};
        return rejected("txbytes: " + std::string(to_string(decoded.error())));
    }
    if (!fields) return {Verdict::kFail, "txbytes decode, but the test's fields do not fit"};
    if (auto m = fields_mismatch(*fields, *decoded); !m.empty()) {
        return {Verdict::kFail, "txbytes differ from the test's fields in " + m};
    }
    auto sender = protocol::check_transaction(*decoded, crypto::ecdsa_suite(), kChainId);
    if (!sender) return rejected(std::string(to_string(sender.error())));
    const Address want_sender = to_fixed<20>(t.at("sender"));
    if (*sender != want_sender) {
        return {Verdict::kFail, "sender " + to_hex(*sender) + ", test says " + to_hex(want_sender)};
    }
    state::State st = make_state(pre);
    auto receipt = execution::apply_transaction(st, env, *decoded, *sender);
    if (!receipt) {
        // A rejected transaction must leave the state as it was.
        if (root_of(st) != pre_root) return {Verdict::kFail, "rejection changed the state"};
        return rejected(std::string(to_string(receipt.error())));
    }
    if (expect_reject) return {Verdict::kFail, "accepted, expected " + expected_exc};
    const Hash256 root = root_of(st);
    const Hash256 logs = execution::logs_hash(receipt->logs);
    std::string why;
    if (root != want_root) why = "root " + hex(root) + ", expected " + hex(want_root);
    if (logs != want_logs) {
        if (!why.empty()) why += "; ";
        why += "logs " + hex(logs) + ", expected " + hex(want_logs);
    }
    if (!why.empty()) {
        why += " (status " + std::string(receipt->success ? "success" : "failure") + ", gas used " +
               std::to_string(receipt->gas_used) + ")";
        return {Verdict::kFail, why};
    }
    return {};
}

void report(const Options& o, const std::string& file, const std::string& name, size_t d, size_t g,
            size_t v, const CaseResult& r) {
    static constexpr const char* kNames[] = {"pass", "fail", "skip"};
    if (o.json_out) {
        json j = {{"file", file}, {"test", name}, {"d", d},
                  {"g", g},       {"v", v},       {"result", kNames[static_cast<int>(r.verdict)]}};
        if (!r.detail.empty()) j["detail"] = r.detail;
        std::cout << j.dump() << "\n";
        return;
    }
    if (r.verdict == Verdict::kPass) return;
    std::cout << (r.verdict == Verdict::kFail ? "FAIL " : "SKIP ") << file << " " << name << " "
              << d << "/" << g << "/" << v << ": " << r.detail << "\n";
}

void run_file(const Options& o, const fs::path& path, Counts& counts) {
    const std::string file = path.string();
    if (fs::file_size(path) > kMaxFileBytes) fail(file + ": larger than 64 MiB");
    json doc;
    {
        std::ifstream in(path);
        doc = json::parse(in, nullptr, false);
    }
    if (!doc.is_object()) fail(file + ": not a JSON object");
    const bool needs_kzg = file.find("eip4844_blobs") != std::string::npos;
    auto excluded = [&](size_t d) -> const std::string* {
        for (const auto& [key, reason] : o.exclusions) {
            const std::string& suffix = key.first;
            if (key.second == d && file.size() >= suffix.size() &&
                file.compare(file.size() - suffix.size(), suffix.size(), suffix) == 0) {
                return &reason;
            }
        }
        return nullptr;
    };
    for (const auto& [name, test] : doc.items()) {
        if (!test.contains("post") || !test.at("post").contains(o.fork)) continue;
        const json& entries = test.at("post").at(o.fork);
        std::optional<PreState> pre;
        std::optional<execution::BlockEnv> env;
        Hash256 pre_root;
        std::string bad;
        try {
            pre = parse_pre(test.at("pre"));
            env = parse_env(test.at("env"));
            env->analysis_cache = o.analysis_cache;
            state::State st = make_state(*pre);
            pre_root = root_of(st);
        } catch (const BadTest& e) {
            bad = e.what;
        } catch (const json::exception& e) {
            bad = e.what();
        }
        for (const auto& entry : entries) {
            const auto& idx = entry.at("indexes");
            const size_t d = idx.at("data").get<size_t>();
            const size_t g = idx.at("gas").get<size_t>();
            const size_t v = idx.at("value").get<size_t>();
            CaseResult r;
            if (needs_kzg) {
                r = {Verdict::kSkip, std::string(kKzgReason)};
            } else if (const std::string* why = excluded(d)) {
                r = {Verdict::kSkip, *why};
            } else if (!bad.empty()) {
                r = {Verdict::kFail, "bad test: " + bad};
            } else {
                try {
                    r = run_case(test, entry, *pre, pre_root, *env);
                } catch (const BadTest& e) {
                    r = {Verdict::kFail, "bad test: " + e.what};
                } catch (const json::exception& e) {
                    r = {Verdict::kFail, std::string("bad test: ") + e.what()};
                }
            }
            switch (r.verdict) {
                case Verdict::kPass:
                    ++counts.passed;
                    break;
                case Verdict::kFail:
                    ++counts.failed;
                    break;
                case Verdict::kSkip:
                    ++counts.skipped;
                    break;
            }
            report(o, file, name, d, g, v, r);
        }
    }
}

// Lines `FILE d=N REASON`; '#' starts a comment.
Exclusions load_exclusions(const std::string& path) {
    Exclusions out;
    std::ifstream in(path);
    if (!in) fail(path + ": cannot read");
    std::string line;
    for (size_t n = 1; std::getline(in, line); ++n) {
        if (line.empty() || line[0] == '#') continue;
        std::istringstream ls(line);
        std::string file, d, reason;
        ls >> file >> d;
        std::getline(ls, reason);
        const auto start = reason.find_first_not_of(' ');
        if (file.empty() || d.rfind("d=", 0) != 0 || start == std::string::npos) {
            fail(path + ":" + std::to_string(n) + ": expected FILE d=N REASON");
        }
        auto idx = U256::from_string(d.substr(2));
        if (!idx || !idx->fits_u64()) fail(path + ":" + std::to_string(n) + ": bad index");
        out[{"/" + file, static_cast<size_t>(idx->low64())}] = reason.substr(start);
    }
    return out;
}

void run(Options& o) {
    if (o.fork != "Cancun") fail("only --fork Cancun is supported");
    if (!o.exclusions_file.empty()) o.exclusions = load_exclusions(o.exclusions_file);
    std::vector<fs::path> files;
    for (const auto& p : o.paths) {
        std::error_code ec;
        if (fs::is_directory(p, ec)) {
            for (const auto& e : fs::recursive_directory_iterator(p)) {
                if (e.is_regular_file() && e.path().extension() == ".json") {
                    files.push_back(e.path());
                }
            }
        } else if (fs::is_regular_file(p, ec)) {
            files.emplace_back(p);
        } else {
            fail(p + ": no such file or directory");
        }
    }
    std::sort(files.begin(), files.end());  // reproducible order
    evm::AnalysisCache analysis_cache;
    o.analysis_cache = &analysis_cache;
    Counts counts;
    const auto start = std::chrono::steady_clock::now();
    for (const auto& f : files)
        run_file(o, f, counts);
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::ostream& out = o.json_out ? std::cerr : std::cout;
    out << counts.passed << " passed, " << counts.failed << " failed, " << counts.skipped
        << " skipped\n";
    if (o.bench) {
        out << files.size() << " files in " << secs << " s\n";
    }
    if (counts.failed > 0) throw CLI::RuntimeError(1);
}

// Runs fn on a thread with kRunnerStackBytes of stack; rethrows what it threw.
void run_with_big_stack(const std::function<void()>& fn) {
    struct Job {
        const std::function<void()>* fn;
        std::exception_ptr error;
    } job{&fn, nullptr};
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, kRunnerStackBytes);
    pthread_t thread;
    const int rc = pthread_create(
        &thread, &attr,
        [](void* p) -> void* {
            auto* j = static_cast<Job*>(p);
            try {
                (*j->fn)();
            } catch (...) {
                j->error = std::current_exception();
            }
            return nullptr;
        },
        &job);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        fn();  // no thread: run here, with the default stack
        return;
    }
    pthread_join(thread, nullptr);
    if (job.error) std::rethrow_exception(job.error);
}

}  // namespace

void add_statetest_command(CLI::App& app) {
    auto opts = std::make_shared<Options>();
    auto* cmd = app.add_subcommand("statetest", "Run Ethereum GeneralStateTests (Cancun)");
    cmd->add_option("paths", opts->paths, "Test files or directories")->required();
    cmd->add_option("--fork", opts->fork, "Fork of the post entries (Cancun only)");
    cmd->add_option("--exclusions", opts->exclusions_file,
                    "File of entries to skip: FILE d=N REASON per line");
    cmd->add_flag("--json", opts->json_out, "One JSON object per entry on stdout");
    cmd->add_flag("--bench", opts->bench, "Print the time taken");
    cmd->callback([opts] { run_with_big_stack([opts] { run(*opts); }); });
}

}  // namespace xl::cli

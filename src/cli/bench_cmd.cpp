// SPDX-License-Identifier: Apache-2.0
// `xinlian bench`: end-to-end throughput of a node over standard JSON-RPC (issue 4).
//
//   xinlian bench --rpc URL (--key K.json [--password-file F] | --private-key-file F)
//       --workload transfer|erc20|storage --txs N --senders K [--concurrency C] [--batch B]
//       [--erc20-bytecode FILE] [--rate TPS] [--crypto ecdsa|sm] [--request-timeout-ms T]
//
// Funds K fresh senders from the key (erc20: deploys a token and gives each sender tokens;
// storage: deploys a contract that writes one slot per call), pre-signs all N transactions
// (timed apart), submits them in JSON-RPC batches of B over C keep-alive HTTP connections,
// follows new blocks (eth_getBlockReceipts, else per-transaction receipts in batches), checks
// every receipt succeeded and that the receivers' balances add up, and prints TPS and p50/p95
// latency (submission -> receipt seen) as its last line. --rate paces the submission (batch b
// leaves no earlier than b * B / TPS seconds after the first), so latency can be measured at
// an offered load below saturation; without it batches go as fast as the node takes them.
//
// The token: --erc20-bytecode FILE holds the init code (hex) of a real ERC-20 whose
// constructor mints to the deployer and takes no arguments (bench/hardhat/compare.sh compiles
// an OpenZeppelin ERC20 for it); then every measured receipt must carry a log (the Transfer
// event) and balances are read with balanceOf. Without it a built-in minimal token is used
// (no selector dispatch, no event; cheaper than a real ERC-20, so its figure is not "ERC-20
// transfers"): kept so the command runs without npm.
//
// The suite comes from the node's xl_nodeStatus; a node without that method (Hardhat) is taken
// to be ecdsa unless --crypto says otherwise. Only standard eth_ methods besides, so the same
// command runs against Hardhat (chain id 31337). Every request has a deadline
// (--request-timeout-ms for each of connect, write and read).
// Single-threaded apart from the C submitting threads, which share nothing but an atomic
// batch index and their own slots of the result vectors.
#include <algorithm>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "cli/bench_json.hpp"
#include "cli/cli_util.hpp"
#include "cli/commands.hpp"
#include "cli/rpc_client.hpp"
#include "crypto/suite.hpp"
#include "protocol/transaction.hpp"

namespace xl::cli {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using protocol::Transaction;
using protocol::TxType;

// Limits (STYLE.md 8).
inline constexpr uint64_t kMaxTxs = 10'000'000;
inline constexpr uint64_t kMaxSenders = 100'000;
inline constexpr uint32_t kMaxConcurrency = 64;
inline constexpr uint32_t kMaxBatch = 1000;  // the node's JsonRpc max_batch
inline constexpr uint32_t kReceiptBatch = 500;
inline constexpr uint64_t kMaxRate = 10'000'000;                 // tx/s
inline constexpr size_t kSetupChunk = 500;                       // below the pool max_nonce_gap
inline constexpr size_t kMaxBytecodeFileSize = size_t{1} << 20;  // hex text; initcode <= 48 KiB
inline constexpr uint32_t kDefaultRequestTimeoutMs = 60'000;     // a 1000-tx batch on a busy node
inline constexpr uint32_t kPollMs = 10;
inline constexpr uint32_t kDefaultWaitSeconds = 600;
inline constexpr uint64_t kTransferGas = 21'000;

// Built-in minimal token (the fallback without --erc20-bytecode), hand-written
// (contracts/bench/README would hold the listing): balance of an address at storage slot = the
// address; the constructor gives the deployer 2^128; any call is transfer(address to, uint256
// amount) with ABI calldata (selector not checked), reverting when the balance is short,
// returning 1. No Transfer event.
//   runtime: amt=cd[0x24]; bal=sload(caller); if bal<amt revert; sstore(caller,bal-amt);
//            sstore(to, sload(to)+amt); return 1
inline constexpr const char* kTokenInit =
    "0x600160801b3355602880601260003960"
    "00f3"
    "6024353354818110602357819003335560043580548201905560016000526020"
    "6000f35b600080fd";
// Storage: sstore(calldata[0], caller); each call writes a fresh slot.
inline constexpr const char* kStoreInit = "0x600680600b6000396000f3336000355500";

// A keep-alive HTTP/1.1 connection sending JSON-RPC requests or batches. Each step
// (connect, write, read) has a deadline: a node that stops answering fails the bench with a
// message instead of hanging it.
class Conn {
public:
    Conn(const HttpUrl& url, uint32_t timeout_ms)
        : url_(url), timeout_(std::chrono::milliseconds(timeout_ms)), stream_(ioc_) {
        tcp::resolver resolver(ioc_);
        beast::error_code ec;
        auto eps = resolver.resolve(url.host, url.port, ec);
        if (!ec) {
            stream_.expires_after(timeout_);
            stream_.async_connect(
                eps, [&](const beast::error_code& e, const tcp::endpoint&) { ec = e; });
            run();
        }
        if (ec) fail("connecting to " + url.host + ":" + url.port + ": " + describe(ec));
        stream_.socket().set_option(tcp::no_delay(true));
    }

    Json post(const Json& body) {
        std::string text = post_text(body.dump());
        Json r = Json::parse(text, nullptr, false);
        if (r.is_discarded()) fail("the node sent invalid JSON: " + text.substr(0, 200));
        return r;
    }

    // Sends a request body already written as JSON text; returns the response body as it is.
    std::string post_text(std::string body) {
        http::request<http::string_body> req{http::verb::post, url_.target, 11};
        req.set(http::field::host, url_.host);
        req.set(http::field::content_type, "application/json");
        req.keep_alive(true);
        req.body() = std::move(body);
        req.prepare_payload();
        beast::error_code ec;
        stream_.expires_after(timeout_);
        http::async_write(stream_, req, [&](const beast::error_code& e, size_t) { ec = e; });
        run();
        if (ec) fail("writing to the node: " + describe(ec));
        http::response_parser<http::string_body> parser;
        parser.body_limit(kMaxRpcResponseBytes);
        stream_.expires_after(timeout_);
        http::async_read(stream_, buffer_, parser,
                         [&](const beast::error_code& e, size_t) { ec = e; });
        run();
        if (ec) fail("reading from the node: " + describe(ec));
        return std::move(parser.get().body());
    }

    // One call: the result, or fail with the error.
    Json call(const std::string& method, Json params) {
        Json r = post({{"jsonrpc", "2.0"}, {"id", 1}, {"method", method}, {"params", params}});
        if (r.contains("error")) fail(method + ": " + r["error"].dump().substr(0, 300));
        return r.value("result", Json());
    }
    // One batch: the results in request order; a request's error fails unless allow_errors
    // (then its slot holds {"error": ...}).
    std::vector<Json> batch(const std::string& method, const std::vector<Json>& params,
                            bool allow_errors = false) {
        Json req = Json::array();
        for (size_t i = 0; i < params.size(); ++i) {
            req.push_back(
                {{"jsonrpc", "2.0"}, {"id", i}, {"method", method}, {"params", params[i]}});
        }
        Json r = post(req);
        if (!r.is_array() || r.size() != params.size()) {
            fail(method + " batch: unexpected response " + r.dump().substr(0, 300));
        }
        std::vector<Json> out(params.size());
        for (auto& e : r) {
            const uint64_t id = e.value("id", uint64_t{0});
            if (id >= out.size()) fail(method + " batch: bad id in " + e.dump().substr(0, 200));
            if (e.contains("error")) {
                if (!allow_errors) fail(method + ": " + e["error"].dump().substr(0, 300));
                out[id] = Json{{"error", e["error"]}};
            } else {
                out[id] = e.value("result", Json());
            }
        }
        return out;
    }

private:
    void run() {
        ioc_.restart();
        ioc_.run();
    }
    std::string describe(const beast::error_code& ec) const {
        if (ec == beast::error::timeout) {
            return "no answer within " +
                   std::to_string(
                       std::chrono::duration_cast<std::chrono::milliseconds>(timeout_).count()) +
                   " ms (--request-timeout-ms)";
        }
        return ec.message();
    }

    HttpUrl url_;
    std::chrono::steady_clock::duration timeout_;
    asio::io_context ioc_;
    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
};

struct Options {
    std::string rpc = "http://127.0.0.1:8545";
    KeyFiles keys;
    std::string crypto, erc20_bytecode;
    std::string workload = "transfer";
    uint64_t txs = 0, senders = 0;
    uint32_t concurrency = 4, batch = 100, wait_seconds = kDefaultWaitSeconds;
    uint32_t request_timeout_ms = kDefaultRequestTimeoutMs;
    uint64_t rate = 0;  // offered transactions per second; 0: as fast as possible
};

void validate(const Options& o) {
    if (o.txs == 0 || o.txs > kMaxTxs) fail("--txs must be 1.." + std::to_string(kMaxTxs));
    if (o.senders == 0 || o.senders > kMaxSenders || o.senders > o.txs) {
        fail("--senders must be 1.." + std::to_string(kMaxSenders) + " and at most --txs");
    }
    if (o.concurrency == 0 || o.concurrency > kMaxConcurrency) {
        fail("--concurrency must be 1.." + std::to_string(kMaxConcurrency));
    }
    if (o.batch == 0 || o.batch > kMaxBatch)
        fail("--batch must be 1.." + std::to_string(kMaxBatch));
    if (o.keys.key.empty() == o.keys.private_key_file.empty()) {
        fail("give exactly one of --key and --private-key-file");
    }
    if (!o.crypto.empty()) suite_named(o.crypto);
    if (!o.erc20_bytecode.empty() && o.workload != "erc20") {
        fail("--erc20-bytecode is for --workload erc20");
    }
    if (o.request_timeout_ms == 0) fail("--request-timeout-ms must be positive");
    if (o.rate > kMaxRate) fail("--rate must be 0 (unpaced) .." + std::to_string(kMaxRate));
}

// The node's suite from xl_nodeStatus; a node without the method (Hardhat, geth) runs the
// suite --crypto names, ecdsa by default. A --crypto the node contradicts is an error.
const crypto::CryptoSuite& node_suite(Conn& conn, const std::string& flag) {
    const crypto::CryptoSuite* given = flag.empty() ? nullptr : &suite_named(flag);
    const Json r = conn.post(
        {{"jsonrpc", "2.0"}, {"id", 1}, {"method", "xl_nodeStatus"}, {"params", Json::array()}});
    const Json status = r.value("result", Json());
    if (status.is_object() && status.contains("crypto") && status["crypto"].is_string()) {
        const std::string name = status["crypto"].get<std::string>();
        const crypto::CryptoSuite* suite = crypto::suite_by_name(name);
        if (!suite) fail("the node reports an unknown crypto suite '" + name + "'");
        if (given && given != suite)
            fail("the node runs the " + name + " suite, not --crypto " + flag);
        return *suite;
    }
    return given ? *given : crypto::ecdsa_suite();
}

// The init code in FILE (0x-hex, surrounding whitespace ignored).
Bytes read_bytecode(const std::string& path) {
    auto code = from_hex(trim(read_small_file(path, kMaxBytecodeFileSize)));
    if (!code || code->empty()) {
        fail("--erc20-bytecode " + path + ": expected the contract's init code as hex");
    }
    return std::move(*code);
}

Bytes balance_of_call(const Address& who) {
    Bytes d = {0x70, 0xa0, 0x82, 0x31};  // balanceOf(address)
    d.resize(d.size() + 12, 0);
    d.insert(d.end(), who.view().begin(), who.view().end());
    return d;
}

struct Signer {
    const crypto::CryptoSuite* suite = nullptr;
    uint64_t chain_id = 0;
    U256 max_fee, tip;

    // Signs; returns {raw hex, hash hex}.
    std::pair<std::string, std::string> sign(const crypto::SecretKey& sk, uint64_t nonce,
                                             std::optional<Address> to, U256 value, Bytes data,
                                             uint64_t gas) const {
        Transaction tx;
        tx.type = suite->id() == crypto::SuiteId::kSm ? TxType::kSm : TxType::kDynamicFee;
        tx.chain_id = U256(chain_id);
        tx.nonce = nonce;
        tx.to = to;
        tx.value = value;
        tx.data = std::move(data);
        tx.gas_limit = gas;
        tx.max_fee = max_fee;
        tx.max_priority_fee = tip;
        if (auto s = tx.sign(*suite, sk); !s) fail("signing: " + std::string(to_string(s.error())));
        return {to_hex(tx.encode()), to_hex(tx.hash(*suite).view())};
    }
};

Address address_of(const crypto::CryptoSuite& suite, const crypto::SecretKey& sk) {
    auto pk = suite.public_key(sk);
    if (!pk) fail("invalid generated key");
    return suite.address(*pk);
}

Bytes word(const U256& v) {
    Bytes b(32);
    v.to_be_bytes(b.data());
    return b;
}

Bytes transfer_call(const Address& to, const U256& amount) {
    Bytes d = {0xa9, 0x05, 0x9c, 0xbb};
    Bytes a(12, 0);
    a.insert(a.end(), to.view().begin(), to.view().end());
    d.insert(d.end(), a.begin(), a.end());
    Bytes w = word(amount);
    d.insert(d.end(), w.begin(), w.end());
    return d;
}

std::string slot_of(const Address& a) {
    Bytes s(12, 0);
    s.insert(s.end(), a.view().begin(), a.view().end());
    return to_hex(s);
}

// Follows the chain from block `from` until every hash in `want` has a receipt (or the
// deadline); records when each was seen and whether it succeeded. Returns the next block.
struct Tracker {
    Conn& conn;
    bool block_receipts = true;  // eth_getBlockReceipts until the node says it has none
    uint64_t next_block = 0;
    bool require_logs = false;  // count successful receipts without a log in without_logs
    uint64_t without_logs = 0;

    void run(const std::unordered_map<std::string, size_t>& want,
             std::vector<Clock::time_point>& seen, std::vector<uint8_t>& ok,
             uint32_t wait_seconds) {
        size_t remaining = want.size();
        const auto deadline = Clock::now() + std::chrono::seconds(wait_seconds);
        while (remaining > 0) {
            const uint64_t head =
                quantity(conn.call("eth_blockNumber", Json::array()), "block number").low64();
            if (next_block > head) {
                if (Clock::now() > deadline) {
                    fail(std::to_string(remaining) + " transactions without a receipt after " +
                         std::to_string(wait_seconds) + " s");
                }
                std::this_thread::sleep_for(std::chrono::milliseconds(kPollMs));
                continue;
            }
            for (; next_block <= head; ++next_block) {
                const auto now = Clock::now();
                for (const ReceiptSummary& r : receipts(next_block)) {
                    auto it = want.find(r.tx_hash);
                    if (it == want.end() || seen[it->second] != Clock::time_point{}) continue;
                    seen[it->second] = now;
                    ok[it->second] = r.status == "0x1";
                    if (require_logs && ok[it->second] && r.logs == 0) ++without_logs;
                    --remaining;
                }
            }
        }
    }

    // The receipts of block n: one eth_getBlockReceipts call, scanned without a DOM (a busy
    // block's answer is megabytes), else per-transaction receipts.
    std::vector<ReceiptSummary> receipts(uint64_t n) {
        const std::string num = U256(n).to_hex();
        if (block_receipts) {
            const std::string body = conn.post_text(
                R"({"jsonrpc":"2.0","id":1,"method":"eth_getBlockReceipts","params":[")" + num +
                R"("]})");
            auto r = scan_block_receipts(body);
            if (!r) fail("eth_getBlockReceipts of block " + num + ": " + r.error());
            if (r->available) return std::move(r->receipts);
            block_receipts = false;  // method not found (Hardhat): per-transaction receipts
        }
        const Json block = conn.call("eth_getBlockByNumber", Json::array({num, false}));
        std::vector<ReceiptSummary> out;
        if (!block.is_object()) return out;
        std::vector<Json> params;
        for (const Json& h : block.value("transactions", Json::array()))
            params.push_back(Json::array({h}));
        for (size_t i = 0; i < params.size(); i += kReceiptBatch) {
            std::vector<Json> part(
                params.begin() + long(i),
                params.begin() + long(std::min(params.size(), i + kReceiptBatch)));
            for (const Json& r : conn.batch("eth_getTransactionReceipt", part))
                out.push_back(summary_of(r, num));
        }
        return out;
    }

    static ReceiptSummary summary_of(const Json& r, const std::string& block) {
        auto text = [&](const char* field) {
            auto it = r.is_object() ? r.find(field) : r.end();
            if (it == r.end() || !it->is_string()) {
                fail("a receipt of block " + block + " has no string " + field + ": " +
                     r.dump().substr(0, 200));
            }
            return it->get<std::string>();
        };
        ReceiptSummary s{text("transactionHash"), text("status"), 0};
        if (auto logs = r.find("logs"); logs != r.end() && logs->is_array()) s.logs = logs->size();
        return s;
    }
};

// Checks the answer to the eth_sendRawTransaction batch of transactions lo..hi-1: every call
// accepted, each returning its transaction's hash.
void check_submitted(const std::string& body, const std::vector<std::string>& hashes, size_t lo,
                     size_t hi) {
    const size_t n = hi - lo;
    auto r = scan_batch_strings(body, n);
    if (!r) fail("eth_sendRawTransaction batch: " + r.error());
    if (r->first_error < n) {
        // Rare: parse it whole for the error's text.
        const Json all = Json::parse(body, nullptr, false);
        for (const Json& e : all) {
            if (e.value("id", uint64_t{n}) == r->first_error && e.contains("error")) {
                fail("eth_sendRawTransaction: " + e["error"].dump().substr(0, 300));
            }
        }
    }
    for (size_t i = 0; i < n; ++i) {
        if (r->results[i] != hashes[lo + i]) {
            fail("eth_sendRawTransaction: the node answered " + r->results[i].substr(0, 80) +
                 " for transaction " + std::to_string(lo + i) + ", whose hash is " +
                 hashes[lo + i]);
        }
    }
}

double seconds(Clock::duration d) {
    return std::chrono::duration<double>(d).count();
}

// Sends signed setup transactions in chunks (the pool bounds how far one sender's nonces may
// run ahead: max_nonce_gap) and waits for each chunk, failing on any failure.
void setup_round(Conn& conn, Tracker& tracker,
                 const std::vector<std::pair<std::string, std::string>>& txs,
                 const std::string& what, uint32_t wait_seconds) {
    for (size_t lo = 0; lo < txs.size(); lo += kSetupChunk) {
        const size_t hi = std::min(txs.size(), lo + kSetupChunk);
        std::unordered_map<std::string, size_t> want;
        std::vector<Json> params;
        for (size_t i = lo; i < hi; ++i) {
            want.emplace(txs[i].second, i - lo);
            params.push_back(Json::array({txs[i].first}));
        }
        conn.batch("eth_sendRawTransaction", params);
        std::vector<Clock::time_point> seen(hi - lo);
        std::vector<uint8_t> ok(hi - lo);
        tracker.run(want, seen, ok, wait_seconds);
        if (std::count(ok.begin(), ok.end(), 0) > 0) fail(what + ": a setup transaction failed");
    }
}

void run(const Options& o) {
    validate(o);
    const bool real_token = !o.erc20_bytecode.empty();
    const Bytes token_code = real_token ? read_bytecode(o.erc20_bytecode) : Bytes{};
    auto url = parse_http_url(o.rpc);
    if (!url) fail(to_string(url.error()));
    Conn conn(*url, o.request_timeout_ms);

    Signer signer;
    signer.suite = &node_suite(conn, o.crypto);
    signer.chain_id = quantity(conn.call("eth_chainId", Json::array()), "chain id").low64();
    const U256 base_fee = quantity(conn.call("eth_getBlockByNumber", Json::array({"latest", false}))
                                       .value("baseFeePerGas", Json("0x0")),
                                   "base fee");
    signer.tip = U256(1'000'000'000);  // 1 gwei
    signer.max_fee = base_fee + base_fee + base_fee + signer.tip;
    const crypto::CryptoSuite& suite = *signer.suite;
    const crypto::SecretKey master = load_key(o.keys, suite);
    const Address master_addr = address_of(suite, master);
    uint64_t master_nonce =
        quantity(conn.call("eth_getTransactionCount",
                           Json::array({to_hex(master_addr.view()), "pending"})),
                 "nonce")
            .low64();
    Tracker tracker{conn};
    tracker.next_block =
        quantity(conn.call("eth_blockNumber", Json::array()), "block number").low64() + 1;

    const uint64_t k = o.senders;
    std::vector<crypto::SecretKey> keys(k);
    std::vector<Address> senders(k), receivers(k);
    for (uint64_t i = 0; i < k; ++i) {
        keys[i] = suite.generate_key();
        senders[i] = address_of(suite, keys[i]);
        receivers[i] = address_of(suite, suite.generate_key());
    }

    // Contract, if any.
    std::optional<Address> contract;
    const bool erc20 = o.workload == "erc20", storage = o.workload == "storage";
    if (erc20 || storage) {
        Bytes code = real_token ? token_code : *from_hex(erc20 ? kTokenInit : kStoreInit);
        Json create = {{"from", to_hex(master_addr.view())}, {"data", to_hex(code)}};
        const uint64_t create_gas =
            real_token
                ? quantity(conn.call("eth_estimateGas", Json::array({create})), "gas").low64() * 3 /
                      2
                : 200'000;
        auto tx =
            signer.sign(master, master_nonce++, std::nullopt, U256(0), std::move(code), create_gas);
        setup_round(conn, tracker, {tx}, "deploying the contract", o.wait_seconds);
        const Json r = conn.call("eth_getTransactionReceipt", Json::array({tx.second}));
        auto a = fixed_from_hex<20>(r.value("contractAddress", std::string()));
        if (!a) fail("no contract address in the deployment receipt");
        contract = Address(*a);
    }
    const uint64_t per_sender = (o.txs + k - 1) / k;
    uint64_t gas = kTransferGas;
    const U256 value = U256(1);
    if (contract) {
        // Upper bound: the first write to a fresh receiver (or slot) from a funded account.
        Json call = {{"from", to_hex(master_addr.view())}, {"to", to_hex(contract->view())}};
        call["data"] = to_hex(erc20 ? transfer_call(receivers[0], value) : word(U256(1)));
        gas = quantity(conn.call("eth_estimateGas", Json::array({call})), "gas").low64() * 3 / 2;
    }
    // Fund the senders (gas, and the value for transfers; tokens for erc20).
    {
        const U256 fund = U256(per_sender) * (U256(gas) * signer.max_fee + value);
        std::vector<std::pair<std::string, std::string>> txs;
        for (uint64_t i = 0; i < k; ++i) {
            txs.push_back(signer.sign(master, master_nonce++, senders[i], fund, {}, kTransferGas));
            if (erc20) {
                txs.push_back(signer.sign(master, master_nonce++, contract, U256(0),
                                          transfer_call(senders[i], U256(per_sender)), gas));
            }
        }
        setup_round(conn, tracker, txs, "funding the senders", o.wait_seconds);
    }

    // Pre-sign, in rounds: nonce r of every sender before nonce r+1 of any.
    const auto sign_start = Clock::now();
    std::vector<std::string> raw(o.txs), hashes(o.txs);
    for (uint64_t i = 0; i < o.txs; ++i) {
        const uint64_t s = i % k, nonce = i / k;
        std::pair<std::string, std::string> t;
        if (erc20) {
            t = signer.sign(keys[s], nonce, contract, U256(0), transfer_call(receivers[s], value),
                            gas);
        } else if (storage) {
            t = signer.sign(keys[s], nonce, contract, U256(0), word(U256(i + 1)), gas);
        } else {
            t = signer.sign(keys[s], nonce, receivers[s], value, {}, gas);
        }
        raw[i] = std::move(t.first);
        hashes[i] = std::move(t.second);
    }
    const double sign_s = seconds(Clock::now() - sign_start);
    // The batch bodies are written before the clock starts, as the signing is: the client's
    // CPU is the node's CPU.
    const size_t batches = (o.txs + o.batch - 1) / o.batch;
    std::vector<std::string> bodies(batches);
    for (size_t b = 0; b < batches; ++b) {
        const size_t lo = b * o.batch, hi = std::min<size_t>(o.txs, lo + o.batch);
        std::vector<std::string> params;
        params.reserve(hi - lo);
        for (size_t i = lo; i < hi; ++i)
            params.push_back("[\"" + raw[i] + "\"]");
        bodies[b] = batch_request("eth_sendRawTransaction", params);
    }
    raw = {};
    std::unordered_map<std::string, size_t> want;
    want.reserve(o.txs);
    for (size_t i = 0; i < hashes.size(); ++i)
        want.emplace(hashes[i], i);

    // Submit.
    std::vector<Clock::time_point> submitted(o.txs), seen(o.txs);
    std::vector<uint8_t> ok(o.txs);
    std::atomic<size_t> next{0};
    std::vector<std::string> errors(o.concurrency);
    const auto start = Clock::now();
    std::vector<std::thread> workers;
    for (uint32_t w = 0; w < o.concurrency; ++w) {
        workers.emplace_back([&, w] {
            try {
                Conn c(*url, o.request_timeout_ms);
                for (size_t b; (b = next.fetch_add(1)) < batches;) {
                    const size_t lo = b * o.batch, hi = std::min<size_t>(o.txs, lo + o.batch);
                    if (o.rate > 0) {
                        std::this_thread::sleep_until(
                            start +
                            std::chrono::duration_cast<Clock::duration>(
                                std::chrono::duration<double>(double(lo) / double(o.rate))));
                    }
                    const auto t = Clock::now();
                    for (size_t i = lo; i < hi; ++i)
                        submitted[i] = t;
                    check_submitted(c.post_text(std::move(bodies[b])), hashes, lo, hi);
                }
            } catch (const std::exception& e) {
                errors[w] = e.what();
                next.store(batches);
            }
        });
    }
    std::string track_error;
    tracker.require_logs = real_token;
    try {
        tracker.run(want, seen, ok, o.wait_seconds);
    } catch (const std::exception& e) {
        track_error = e.what();
    }
    for (auto& t : workers)
        t.join();
    for (const auto& e : errors) {
        if (!e.empty()) fail("submitting: " + e);
    }
    if (!track_error.empty()) fail(track_error);
    const auto end = *std::max_element(seen.begin(), seen.end());
    const double total_s = seconds(end - start);
    const auto failed = std::count(ok.begin(), ok.end(), 0);
    if (failed > 0) fail(std::to_string(failed) + " transactions failed (status 0)");
    if (tracker.without_logs > 0) {
        fail(std::to_string(tracker.without_logs) +
             " token transfers succeeded without emitting a log (no Transfer event)");
    }

    // Balances add up over the receivers.
    U256 sum(0);
    for (uint64_t i = 0; i < k; i += kReceiptBatch) {
        std::vector<Json> params;
        for (uint64_t j = i; j < std::min(k, i + kReceiptBatch); ++j) {
            if (erc20 && real_token) {
                Json call = {{"to", to_hex(contract->view())},
                             {"data", to_hex(balance_of_call(receivers[j]))}};
                params.push_back(Json::array({call, "latest"}));
            } else if (erc20) {
                params.push_back(
                    Json::array({to_hex(contract->view()), slot_of(receivers[j]), "latest"}));
            } else {
                params.push_back(Json::array({to_hex(receivers[j].view()), "latest"}));
            }
        }
        if (storage) continue;
        const char* method = !erc20       ? "eth_getBalance"
                             : real_token ? "eth_call"
                                          : "eth_getStorageAt";
        for (const Json& b : conn.batch(method, params)) {
            sum = sum + quantity(b, "balance");
        }
    }
    if (!storage && sum != U256(o.txs) * value) {
        fail("receivers hold " + sum.to_hex() + ", expected " + (U256(o.txs) * value).to_hex());
    }
    if (storage) {  // every slot holds its writer
        for (uint64_t i = 0; i < o.txs; i += kReceiptBatch) {
            std::vector<Json> params;
            for (uint64_t j = i; j < std::min<uint64_t>(o.txs, i + kReceiptBatch); ++j) {
                params.push_back(
                    Json::array({to_hex(contract->view()), to_hex(word(U256(j + 1))), "latest"}));
            }
            const auto got = conn.batch("eth_getStorageAt", params);
            for (size_t j = 0; j < got.size(); ++j) {
                Bytes w(12, 0);
                const Address& writer = senders[(i + j) % k];
                w.insert(w.end(), writer.view().begin(), writer.view().end());
                if (quantity(got[j], "slot") != U256::from_be_bytes(w)) {
                    fail("storage slot " + std::to_string(i + j + 1) + " does not hold its writer");
                }
            }
        }
    }

    std::vector<double> lat(o.txs);
    for (size_t i = 0; i < o.txs; ++i)
        lat[i] = seconds(seen[i] - submitted[i]);
    std::sort(lat.begin(), lat.end());
    auto pct = [&](double p) {
        return lat[std::min(lat.size() - 1, size_t(p * double(lat.size())))];
    };
    std::cout << "setup: " << k << " senders funded; signing " << o.txs << " txs took "
              << std::fixed << std::setprecision(2) << sign_s << " s ("
              << uint64_t(double(o.txs) / sign_s) << " tx/s, excluded)\n";
    std::cout << o.workload << ": " << o.txs << " txs in " << std::setprecision(2) << total_s
              << " s = " << uint64_t(double(o.txs) / total_s) << " tx/s, latency p50 " << pct(0.50)
              << " s p95 " << pct(0.95) << " s (" << suite.name()
              << (o.rate > 0 ? ", offered " + std::to_string(o.rate) + " tx/s" : std::string())
              << ")" << std::endl;
}

}  // namespace

void add_bench_command(CLI::App& app) {
    auto o = std::make_shared<Options>();
    auto* cmd = app.add_subcommand("bench", "End-to-end throughput of a node over JSON-RPC");
    cmd->add_option("--rpc", o->rpc, "The node's JSON-RPC URL")->capture_default_str();
    cmd->add_option("--key", o->keys.key, "Keystore file of the funding account");
    cmd->add_option("--password-file", o->keys.password_file, "File holding the keystore password");
    cmd->add_option("--private-key-file", o->keys.private_key_file, "Funding secret key as hex");
    cmd->add_option("--workload", o->workload, "transfer, erc20 or storage")
        ->check(CLI::IsMember({"transfer", "erc20", "storage"}))
        ->capture_default_str();
    cmd->add_option("--txs", o->txs, "Transactions to measure")->required();
    cmd->add_option("--senders", o->senders, "Fresh sender accounts")->required();
    cmd->add_option("--concurrency", o->concurrency, "HTTP connections submitting")
        ->capture_default_str();
    cmd->add_option("--batch", o->batch, "Transactions per JSON-RPC batch")->capture_default_str();
    cmd->add_option("--rate", o->rate,
                    "Offered load in tx/s (batches paced); 0: as fast as the node takes them")
        ->capture_default_str();
    cmd->add_option("--erc20-bytecode", o->erc20_bytecode,
                    "File with the init code (hex) of the ERC-20 to use (constructor mints to "
                    "the deployer); default: a built-in minimal token without events");
    cmd->add_option("--crypto", o->crypto,
                    "ecdsa or sm, for a node without xl_nodeStatus (default ecdsa); must match "
                    "the node");
    cmd->add_option("--request-timeout-ms", o->request_timeout_ms,
                    "Deadline of each connect, write and read")
        ->capture_default_str();
    cmd->add_option("--wait-seconds", o->wait_seconds, "How long to wait for receipts")
        ->capture_default_str();
    cmd->callback(reported([o] { run(*o); }));
}

}  // namespace xl::cli

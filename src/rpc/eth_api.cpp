// SPDX-License-Identifier: Apache-2.0
// Xinlian rpc: the eth_/net_/web3_/xl_ methods (eth_api.hpp). Parameter handling follows
// go-ethereum's rpc package (positional arguments; "missing value for required argument N",
// "too many arguments, want at most N", "invalid argument N: <reason>"); method semantics
// follow internal/ethapi and eth/filters.
#include "rpc/eth_api.hpp"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <variant>

#include "crypto/hash.hpp"
#include "crypto/random.hpp"
#include "rpc/convert.hpp"

namespace xl::rpc {

namespace {

using Clock = std::chrono::steady_clock;

// Positional arguments of one call (geth's parsePositionalArguments). An absent argument and
// a JSON null are the same: optional arguments take their default.
class Args {
public:
    static Result<Args, Error> of(const Json& params, size_t max) {
        if (params.is_null()) return Args(nullptr);
        if (!params.is_array()) return unexpected(invalid_params("non-array args"));
        if (params.size() > max) {
            return unexpected(
                invalid_params("too many arguments, want at most " + std::to_string(max)));
        }
        return Args(&params);
    }
    // nullptr when absent or null.
    const Json* opt(size_t i) const noexcept {
        if (p_ == nullptr || i >= p_->size() || (*p_)[i].is_null()) return nullptr;
        return &(*p_)[i];
    }
    Result<const Json*, Error> req(size_t i) const {
        if (const Json* j = opt(i)) return j;
        return unexpected(
            invalid_params("missing value for required argument " + std::to_string(i)));
    }

private:
    explicit Args(const Json* p) : p_(p) {}
    const Json* p_;
};

Error bad_argument(size_t i, const std::string& why) {
    return invalid_params("invalid argument " + std::to_string(i) + ": " + why);
}

// Parses required argument i with parse: const Json& -> Result<T, ParamError>.
template <typename F>
auto required(const Args& a, size_t i, F parse)
    -> Result<typename std::invoke_result_t<F, const Json&>::value_type, Error> {
    auto j = a.req(i);
    if (!j) return unexpected(std::move(j).error());
    auto v = parse(**j);
    if (!v) return unexpected(bad_argument(i, v.error()));
    return std::move(v).value();
}

// The same for an optional argument: nullopt when absent or null.
template <typename F>
auto optional(const Args& a, size_t i, F parse)
    -> Result<std::optional<typename std::invoke_result_t<F, const Json&>::value_type>, Error> {
    using T = typename std::invoke_result_t<F, const Json&>::value_type;
    const Json* j = a.opt(i);
    if (!j) return std::optional<T>();
    auto v = parse(*j);
    if (!v) return unexpected(bad_argument(i, v.error()));
    return std::optional<T>(std::move(v).value());
}

// A block argument that defaults to latest when omitted (geth requires it; ethers always sends
// it, other clients do not).
Result<BlockRef, Error> block_arg(const Args& a, size_t i) {
    auto r = optional(a, i, parse_block_ref);
    if (!r) return unexpected(std::move(r).error());
    return r->value_or(BlockRef::latest());
}

Result<bool, ParamError> parse_bool(const Json& j) {
    if (!j.is_boolean()) return unexpected("expected a bool, got " + std::string(j.type_name()));
    return j.get<bool>();
}

Result<std::string, ParamError> parse_id(const Json& j) {
    if (!j.is_string())
        return unexpected("expected an id string, got " + std::string(j.type_name()));
    return j.get<std::string>();
}

// Echoing client text in an error: at most kMaxEcho bytes (cut at a UTF-8 boundary), so that
// a huge argument does not make a huge error message.
constexpr size_t kMaxEcho = 64;
std::string excerpt(std::string_view s) {
    if (s.size() <= kMaxEcho) return std::string(s);
    size_t n = kMaxEcho;
    while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xc0) == 0x80)
        --n;
    return std::string(s.substr(0, n)) + "...";
}

// math.HexOrDecimal64: a JSON number, a decimal string or a 0x-hex string.
Result<uint64_t, ParamError> parse_hex_or_decimal(const Json& j) {
    if (j.is_number_unsigned()) return j.get<uint64_t>();
    std::string s = j.is_string() ? j.get<std::string>() : j.dump();
    auto bad = [&] { return unexpected("invalid hex or decimal integer \"" + excerpt(s) + "\""); };
    if (!j.is_string()) return bad();
    std::string_view d = s;
    unsigned base = 10;
    if (d.size() >= 2 && d[0] == '0' && (d[1] == 'x' || d[1] == 'X')) {
        d.remove_prefix(2);
        base = 16;
    }
    if (d.empty()) return bad();
    uint64_t v = 0;
    for (char c : d) {
        unsigned digit;
        if (c >= '0' && c <= '9') {
            digit = unsigned(c - '0');
        } else if (base == 16 && c >= 'a' && c <= 'f') {
            digit = unsigned(c - 'a' + 10);
        } else if (base == 16 && c >= 'A' && c <= 'F') {
            digit = unsigned(c - 'A' + 10);
        } else {
            return bad();
        }
        if (v > (UINT64_MAX - digit) / base) return bad();
        v = v * base + digit;
    }
    return v;
}

Result<std::vector<double>, ParamError> parse_percentiles(const Json& j) {
    if (!j.is_array()) return unexpected("expected an array, got " + std::string(j.type_name()));
    std::vector<double> v;
    for (const Json& e : j) {
        if (!e.is_number())
            return unexpected("expected a number, got " + std::string(e.type_name()));
        v.push_back(e.get<double>());
    }
    return v;
}

std::string go_float(double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%f", v);
    return buf;
}

Json notification(const std::string& id, Json result) {
    return Json{{"jsonrpc", "2.0"},
                {"method", "eth_subscription"},
                {"params", {{"subscription", id}, {"result", std::move(result)}}}};
}

// A fresh filter or subscription id: 16 random bytes, as geth's rpc.NewID.
std::string new_id() {
    return data_hex(crypto::random_fixed<16>());
}

Error server_error(std::string message) {
    return Error{kServerError, std::move(message), std::nullopt};
}

Error filter_not_found() {
    return server_error("filter not found");
}

// Stops the handler with the error of a Result expression, else binds its value.
#define XL_RPC_TRY(var, expr)                                                \
    auto var##_result_ = (expr);                                             \
    if (!var##_result_) return unexpected(std::move(var##_result_).error()); \
    auto& var = *var##_result_

class EthApi : public std::enable_shared_from_this<EthApi> {
public:
    EthApi(Backend& backend, ApiConfig config) : backend_(backend), config_(std::move(config)) {
        if (!config_.clock) config_.clock = [] { return Clock::now(); };
    }

    using Method = Result<Json, Error> (EthApi::*)(const Args&, Session&);
    // The hot methods write their result as JSON text (RawJson, jsonrpc.hpp).
    using RawMethod = Result<RawJson, Error> (EthApi::*)(const Args&, Session&);

    // ---- web3_, net_, simple eth_ ----

    Result<Json, Error> client_version(const Args&, Session&) { return backend_.client_version(); }

    Result<Json, Error> sha3(const Args& a, Session&) {
        XL_RPC_TRY(data, required(a, 0, parse_data));
        // web3_sha3 is keccak-256 under both suites: it is the EVM's KECCAK256, not the
        // ledger hash.
        return data_hex(crypto::keccak256(data));
    }

    Result<Json, Error> net_version(const Args&, Session&) {
        return std::to_string(backend_.chain_id());
    }
    Result<Json, Error> net_listening(const Args&, Session&) { return true; }
    Result<Json, Error> net_peer_count(const Args&, Session&) {
        return quantity(backend_.peer_count());
    }
    Result<Json, Error> chain_id(const Args&, Session&) { return quantity(backend_.chain_id()); }
    Result<Json, Error> block_number(const Args&, Session&) {
        return quantity(backend_.head_number());
    }
    // BFT nodes serve RPC only when caught up enough to follow commits: never "syncing".
    Result<Json, Error> syncing(const Args&, Session&) { return false; }
    // The node holds no keys.
    Result<Json, Error> accounts(const Args&, Session&) { return Json::array(); }
    Result<Json, Error> gas_price(const Args&, Session&) { return quantity(backend_.gas_price()); }
    Result<Json, Error> max_priority_fee(const Args&, Session&) {
        return quantity(backend_.max_priority_fee());
    }

    // ---- eth_feeHistory (geth's eth/gasprice/feehistory.go) ----

    Result<Json, Error> fee_history(const Args& a, Session&) {
        XL_RPC_TRY(count_arg, required(a, 0, parse_hex_or_decimal));
        XL_RPC_TRY(newest_ref, required(a, 1, parse_block_number));
        XL_RPC_TRY(pcts_arg, optional(a, 2, parse_percentiles));
        std::vector<double> pcts = pcts_arg.value_or(std::vector<double>{});
        if (pcts.size() > config_.max_reward_percentiles) {
            return unexpected(invalid_params("invalid reward percentile: over the query limit " +
                                             std::to_string(config_.max_reward_percentiles)));
        }
        for (size_t i = 0; i < pcts.size(); ++i) {
            if (!(pcts[i] >= 0 && pcts[i] <= 100)) {
                return unexpected(
                    invalid_params("invalid reward percentile: " + go_float(pcts[i])));
            }
            if (i > 0 && pcts[i] <= pcts[i - 1]) {
                return unexpected(invalid_params(
                    "invalid reward percentile: #" + std::to_string(i - 1) + ":" +
                    go_float(pcts[i - 1]) + " >= #" + std::to_string(i) + ":" + go_float(pcts[i])));
            }
        }
        uint64_t head = backend_.head_number();
        uint64_t newest = resolve_number(newest_ref, head);
        if (newest > head) {
            return unexpected(server_error("request beyond head block: requested " +
                                           std::to_string(newest) + ", head " +
                                           std::to_string(head)));
        }
        uint64_t count = std::min({count_arg, config_.max_fee_history_blocks, newest + 1});
        if (count == 0) return Json{{"oldestBlock", "0x0"}, {"gasUsedRatio", nullptr}};
        uint64_t oldest = newest + 1 - count;

        Json base_fees = Json::array(), ratios = Json::array(), rewards = Json::array();
        for (uint64_t n = oldest; n <= newest; ++n) {
            XL_RPC_TRY(block, existing_block(BlockRef::at(n), !pcts.empty()));
            const protocol::BlockHeader& h = block.header;
            base_fees.push_back(quantity(h.base_fee));
            ratios.push_back(h.gas_limit == 0 ? 0.0 : double(h.gas_used) / double(h.gas_limit));
            if (pcts.empty()) continue;
            XL_RPC_TRY(row, block_rewards(block, pcts));
            rewards.push_back(std::move(row));
        }
        // One more base fee than blocks: the next block's (what a sender pays now).
        if (newest == head) {
            base_fees.push_back(quantity(backend_.next_base_fee()));
        } else {
            XL_RPC_TRY(next, existing_block(BlockRef::at(newest + 1), false));
            base_fees.push_back(quantity(next.header.base_fee));
        }
        Json out{{"oldestBlock", quantity(oldest)},
                 {"baseFeePerGas", std::move(base_fees)},
                 {"gasUsedRatio", std::move(ratios)}};
        if (!pcts.empty()) out["reward"] = std::move(rewards);
        return out;
    }

    // ---- state ----

    Result<Json, Error> get_balance(const Args& a, Session&) {
        XL_RPC_TRY(addr, required(a, 0, parse_address));
        XL_RPC_TRY(at, block_arg(a, 1));
        XL_RPC_TRY(v, backend_.balance(addr, at));
        return quantity(v);
    }

    Result<Json, Error> get_transaction_count(const Args& a, Session&) {
        XL_RPC_TRY(addr, required(a, 0, parse_address));
        XL_RPC_TRY(at, block_arg(a, 1));
        XL_RPC_TRY(v, backend_.nonce(addr, at));
        return quantity(v);
    }

    Result<Json, Error> get_code(const Args& a, Session&) {
        XL_RPC_TRY(addr, required(a, 0, parse_address));
        XL_RPC_TRY(at, block_arg(a, 1));
        XL_RPC_TRY(v, backend_.code(addr, at));
        return data_hex(v);
    }

    Result<Json, Error> get_storage_at(const Args& a, Session&) {
        XL_RPC_TRY(addr, required(a, 0, parse_address));
        XL_RPC_TRY(key, required(a, 1, parse_storage_key));
        XL_RPC_TRY(at, block_arg(a, 2));
        XL_RPC_TRY(v, backend_.storage(addr, key, at));
        return data_hex(v.to_hash());  // always 32 bytes, as geth
    }

    Result<Json, Error> get_proof(const Args& a, Session&) {
        XL_RPC_TRY(addr, required(a, 0, parse_address));
        XL_RPC_TRY(keys_json, a.req(1));
        if (!keys_json->is_array()) {
            return unexpected(bad_argument(1, "expected an array of storage keys, got " +
                                                  std::string(keys_json->type_name())));
        }
        if (keys_json->size() > config_.max_proof_keys) {
            return unexpected(Error{kLimitExceeded,
                                    "too many storage keys: " + std::to_string(keys_json->size()) +
                                        " > " + std::to_string(config_.max_proof_keys),
                                    std::nullopt});
        }
        std::vector<U256> keys;
        std::vector<std::string> given;
        for (const Json& k : *keys_json) {
            auto key = parse_storage_key(k);
            if (!key) return unexpected(bad_argument(1, key.error()));
            keys.push_back(*key);
            given.push_back(k.get<std::string>());
        }
        XL_RPC_TRY(at, block_arg(a, 2));
        XL_RPC_TRY(p, backend_.proof(addr, keys, at));
        return proof_to_json(p, given);
    }

    // ---- execution ----

    Result<Json, Error> call(const Args& a, Session&) {
        XL_RPC_TRY(req, required(a, 0, parse_call_request));
        XL_RPC_TRY(at, block_arg(a, 1));
        XL_TRY_VOID(no_overrides(a, 2));
        XL_RPC_TRY(r, backend_.call(req, at));
        if (r.success) return data_hex(r.output);
        if (r.error == "execution reverted") return unexpected(revert_error(r.output));
        return unexpected(server_error(r.error.empty() ? "execution failed" : r.error));
    }

    Result<Json, Error> estimate_gas(const Args& a, Session&) {
        XL_RPC_TRY(req, required(a, 0, parse_call_request));
        XL_RPC_TRY(at, block_arg(a, 1));
        XL_TRY_VOID(no_overrides(a, 2));
        XL_RPC_TRY(gas, backend_.estimate_gas(req, at));
        return quantity(gas);
    }

    Result<RawJson, Error> send_raw_transaction(const Args& a, Session&) {
        XL_RPC_TRY(raw, required(a, 0, parse_data));
        XL_RPC_TRY(hash, backend_.send_raw_transaction(raw));
        RawJson out;
        append_data_json(out.text, hash.view());
        return out;
    }

    // ---- transactions, receipts, blocks ----

    Result<Json, Error> get_transaction_by_hash(const Args& a, Session&) {
        XL_RPC_TRY(hash, required(a, 0, parse_hash));
        XL_RPC_TRY(tx, backend_.transaction(hash));
        return tx ? tx_to_json(*tx) : Json(nullptr);
    }

    Result<RawJson, Error> get_transaction_receipt(const Args& a, Session&) {
        XL_RPC_TRY(hash, required(a, 0, parse_hash));
        XL_RPC_TRY(r, backend_.receipt(hash));
        RawJson out;
        if (r) {
            append_receipt_json(out.text, *r);
        } else {
            out.text = "null";
        }
        return out;
    }

    Result<Json, Error> get_block_by_number(const Args& a, Session&) {
        XL_RPC_TRY(ref, required(a, 0, parse_block_number));
        XL_RPC_TRY(full, required(a, 1, parse_bool));
        return block_json(ref, full);
    }

    Result<Json, Error> get_block_by_hash(const Args& a, Session&) {
        XL_RPC_TRY(hash, required(a, 0, parse_hash));
        XL_RPC_TRY(full, required(a, 1, parse_bool));
        return block_json(BlockRef::by_hash(hash), full);
    }

    Result<Json, Error> tx_count_by_number(const Args& a, Session&) {
        XL_RPC_TRY(ref, required(a, 0, parse_block_number));
        return tx_count(ref);
    }

    Result<Json, Error> tx_count_by_hash(const Args& a, Session&) {
        XL_RPC_TRY(hash, required(a, 0, parse_hash));
        return tx_count(BlockRef::by_hash(hash));
    }

    Result<Json, Error> tx_by_number_and_index(const Args& a, Session&) {
        XL_RPC_TRY(ref, required(a, 0, parse_block_number));
        XL_RPC_TRY(index, required(a, 1, parse_u64));
        return tx_at(ref, index);
    }

    Result<Json, Error> tx_by_hash_and_index(const Args& a, Session&) {
        XL_RPC_TRY(hash, required(a, 0, parse_hash));
        XL_RPC_TRY(index, required(a, 1, parse_u64));
        return tx_at(BlockRef::by_hash(hash), index);
    }

    Result<RawJson, Error> get_block_receipts(const Args& a, Session&) {
        XL_RPC_TRY(ref, required(a, 0, parse_block_ref));
        XL_RPC_TRY(rs, backend_.block_receipts(ref));
        RawJson out;
        if (!rs) {
            out.text = "null";
            return out;
        }
        // A receipt without logs is about 1 KB of text (its logsBloom alone 518 bytes).
        out.text.reserve(2 + rs->size() * 1024);
        out.text += '[';
        for (size_t i = 0; i < rs->size(); ++i) {
            if (i > 0) out.text += ',';
            append_receipt_json(out.text, (*rs)[i]);
        }
        out.text += ']';
        return out;
    }

    // ---- logs and filters ----

    Result<Json, Error> get_logs(const Args& a, Session&) {
        XL_RPC_TRY(crit, required(a, 0, parse_filter));
        return query_logs(crit);
    }

    Result<Json, Error> new_filter(const Args& a, Session&) {
        XL_RPC_TRY(crit, required(a, 0, parse_filter));
        Filter f;
        f.kind = Filter::Kind::kLogs;
        f.criteria = std::move(crit);
        return install(std::move(f));
    }

    Result<Json, Error> new_block_filter(const Args&, Session&) {
        Filter f;
        f.kind = Filter::Kind::kBlocks;
        return install(std::move(f));
    }

    Result<Json, Error> get_filter_changes(const Args& a, Session&) {
        XL_RPC_TRY(id, required(a, 0, parse_id));
        std::lock_guard lock(filters_mu_);
        expire_locked();
        auto it = filters_.find(id);
        if (it == filters_.end()) return unexpected(filter_not_found());
        Filter& f = it->second;
        f.last_used = config_.clock();
        Json out = Json::array();
        for (const auto& h : f.hashes)
            out.push_back(data_hex(h));
        for (const auto& l : f.logs)
            out.push_back(log_to_json(l));
        f.hashes.clear();
        f.logs.clear();
        return out;
    }

    Result<Json, Error> get_filter_logs(const Args& a, Session&) {
        XL_RPC_TRY(id, required(a, 0, parse_id));
        FilterCriteria crit;
        {
            std::lock_guard lock(filters_mu_);
            expire_locked();
            auto it = filters_.find(id);
            if (it == filters_.end() || it->second.kind != Filter::Kind::kLogs) {
                return unexpected(filter_not_found());
            }
            it->second.last_used = config_.clock();
            crit = it->second.criteria;
        }
        return query_logs(crit);
    }

    Result<Json, Error> uninstall_filter(const Args& a, Session&) {
        XL_RPC_TRY(id, required(a, 0, parse_id));
        std::lock_guard lock(filters_mu_);
        expire_locked();
        return filters_.erase(id) > 0;
    }

    // ---- subscriptions ----

    Result<Json, Error> subscribe(const Args& a, Session& session) {
        if (!session.can_push()) {
            return unexpected(Error{kMethodNotFound, "notifications not supported", std::nullopt});
        }
        XL_RPC_TRY(kind, required(a, 0, [](const Json& j) -> Result<std::string, ParamError> {
                       if (!j.is_string()) {
                           return unexpected("expected a subscription name, got " +
                                             std::string(j.type_name()));
                       }
                       return j.get<std::string>();
                   }));
        Subscription sub;
        sub.session = &session;
        if (kind == "newHeads") {
            if (a.opt(1)) return unexpected(invalid_params("too many arguments, want at most 1"));
            sub.logs = false;
        } else if (kind == "logs") {
            XL_RPC_TRY(crit, optional(a, 1, parse_filter));
            sub.logs = true;
            if (crit) sub.criteria = std::move(*crit);
        } else {
            return unexpected(Error{kMethodNotFound,
                                    "no \"" + excerpt(kind) + "\" subscription in eth namespace",
                                    std::nullopt});
        }
        std::string id = new_id();
        bool hook = false;
        {
            std::lock_guard lock(subs_mu_);
            SessionSubs& ss = sessions_[session.id()];
            if (ss.ids.size() >= config_.max_subscriptions_per_session) {
                return unexpected(Error{kLimitExceeded,
                                        "too many subscriptions on this connection: limit " +
                                            std::to_string(config_.max_subscriptions_per_session),
                                        std::nullopt});
            }
            ss.ids.push_back(id);
            hook = !ss.hooked;
            ss.hooked = true;
            subs_.emplace(id, std::move(sub));
        }
        // Outside the lock: on a session that has already ended the hook runs at once.
        if (hook) {
            uint64_t sid = session.id();
            session.on_close([weak = weak_from_this(), sid] {
                if (auto self = weak.lock()) self->drop_session(sid);
            });
        }
        return id;
    }

    Result<Json, Error> unsubscribe(const Args& a, Session& session) {
        XL_RPC_TRY(id, required(a, 0, parse_id));
        std::lock_guard lock(subs_mu_);
        auto it = subs_.find(id);
        // Only the session that subscribed may cancel (ids of others are not found).
        if (it == subs_.end() || it->second.session != &session) {
            return unexpected(server_error("subscription not found"));
        }
        subs_.erase(it);
        auto& ids = sessions_[session.id()].ids;
        ids.erase(std::remove(ids.begin(), ids.end(), id), ids.end());
        return true;
    }

    // ---- xl_ ----

    Result<Json, Error> node_status(const Args&, Session&) { return backend_.node_status(); }

    Result<Json, Error> consensus_status(const Args&, Session&) {
        return backend_.consensus_status();
    }

    Result<Json, Error> peers(const Args&, Session&) { return backend_.peers(); }

    // xl_getCertificate(block): a number or tag as eth_getBlockByNumber; null when unknown.
    Result<Json, Error> get_certificate(const Args& a, Session&) {
        XL_RPC_TRY(ref, required(a, 0, parse_block_number));
        XL_RPC_TRY(cert, backend_.certificate(ref));
        if (!cert) return Json(nullptr);
        return certificate_to_json(*cert);
    }

    Result<Json, Error> chain_info(const Args&, Session&) {
        XL_RPC_TRY(genesis,
                   existing_block(BlockRef{BlockRef::Kind::kEarliest, 0, {}, false}, false));
        return Json{{"chainId", quantity(backend_.chain_id())},
                    {"crypto", std::string(backend_.suite().name())},
                    {"genesisHash", data_hex(genesis.hash)},
                    {"headNumber", quantity(backend_.head_number())},
                    {"clientVersion", backend_.client_version()}};
    }

    // ---- the block feed ----

    void on_block(const BlockView& block, const std::vector<LogView>& logs) {
        {
            std::lock_guard lock(filters_mu_);
            expire_locked();
            for (auto it = filters_.begin(); it != filters_.end();) {
                it = feed_filter_locked(it, block, logs) ? std::next(it) : filters_.erase(it);
            }
        }
        std::lock_guard lock(subs_mu_);
        if (subs_.empty()) return;
        // Every newHeads notification of a block before any of its logs, so that a client
        // sees a block announced before its logs whatever the subscription ids are.
        Json head;
        for (auto& [id, sub] : subs_) {
            if (sub.logs) continue;
            if (head.is_null()) head = header_to_json(block.header, block.hash, backend_.suite());
            sub.session->push(notification(id, head));
        }
        for (auto& [id, sub] : subs_) {
            if (!sub.logs) continue;
            for (const auto& l : logs) {
                if (log_matches(l.log, sub.criteria.addresses, sub.criteria.topics)) {
                    sub.session->push(notification(id, log_to_json(l)));
                }
            }
        }
    }

private:
    struct Filter {
        enum class Kind { kBlocks, kLogs } kind = Kind::kBlocks;
        FilterCriteria criteria;      // kLogs
        std::vector<Hash256> hashes;  // kBlocks: new block hashes since the last poll
        std::vector<LogView> logs;    // kLogs: new matching logs since the last poll
        Clock::time_point last_used;
    };
    struct Subscription {
        Session* session = nullptr;  // valid until the session's on_close hook has run
        bool logs = false;           // false: newHeads
        FilterCriteria criteria;     // logs: addresses and topics
    };
    struct SessionSubs {
        std::vector<std::string> ids;
        bool hooked = false;  // on_close registered
    };

    static uint64_t resolve_number(const BlockRef& r, uint64_t head) noexcept {
        switch (r.kind) {
            case BlockRef::Kind::kNumber:
                return r.number;
            case BlockRef::Kind::kEarliest:
                return 0;
            default:
                return head;
        }
    }

    Result<void, Error> no_overrides(const Args& a, size_t i) {
        if (a.opt(i)) return unexpected(bad_argument(i, "state overrides are not supported"));
        return {};
    }

    // A block that must exist (fee history, chain info): missing is the backend's fault.
    Result<BlockView, Error> existing_block(const BlockRef& ref, bool full) {
        XL_RPC_TRY(b, backend_.block(ref, full));
        if (!b) return unexpected(server_error("header not found"));
        return std::move(*b);
    }

    // geth's processBlock: each percentile's reward is the effective tip of the transaction
    // at which the cumulative gas used (transactions sorted by tip) reaches that share of the
    // block's gas used.
    Result<Json, Error> block_rewards(const BlockView& block, const std::vector<double>& pcts) {
        Json row = Json::array();
        if (block.transactions.empty()) {
            for (size_t i = 0; i < pcts.size(); ++i)
                row.push_back("0x0");
            return row;
        }
        XL_RPC_TRY(receipts, backend_.block_receipts(BlockRef::by_hash(block.hash)));
        if (!receipts || receipts->size() != block.transactions.size()) {
            return unexpected(server_error("receipts of block " +
                                           std::to_string(block.header.number) + " not found"));
        }
        const U256& base_fee = block.header.base_fee;
        struct GasAndReward {
            uint64_t gas_used;
            U256 reward;
        };
        std::vector<GasAndReward> sorter;
        sorter.reserve(block.transactions.size());
        for (size_t i = 0; i < block.transactions.size(); ++i) {
            const protocol::Transaction& tx = block.transactions[i].tx;
            U256 cap_left = tx.fee_cap() > base_fee ? tx.fee_cap() - base_fee : U256{};
            sorter.push_back({(*receipts)[i].gas_used, std::min(tx.tip_cap(), cap_left)});
        }
        std::stable_sort(sorter.begin(), sorter.end(),
                         [](const auto& x, const auto& y) { return x.reward < y.reward; });
        size_t index = 0;
        uint64_t sum = sorter[0].gas_used;
        for (double p : pcts) {
            auto threshold = uint64_t(double(block.header.gas_used) * p / 100);
            while (sum < threshold && index < sorter.size() - 1) {
                ++index;
                sum += sorter[index].gas_used;
            }
            row.push_back(quantity(sorter[index].reward));
        }
        return row;
    }

    Result<Json, Error> block_json(const BlockRef& ref, bool full) {
        XL_RPC_TRY(b, backend_.block(ref, full));
        return b ? block_to_json(*b, full, backend_.suite()) : Json(nullptr);
    }

    Result<Json, Error> tx_count(const BlockRef& ref) {
        XL_RPC_TRY(b, backend_.block(ref, false));
        return b ? Json(quantity(uint64_t(b->transactions.size()))) : Json(nullptr);
    }

    Result<Json, Error> tx_at(const BlockRef& ref, uint64_t index) {
        XL_RPC_TRY(b, backend_.block(ref, true));
        if (!b || index >= b->transactions.size()) return Json(nullptr);
        return tx_to_json(b->transactions[size_t(index)]);
    }

    // eth_getLogs and eth_getFilterLogs: resolves the range, checks it, asks the backend.
    Result<Json, Error> query_logs(const FilterCriteria& crit) {
        LogQuery q;
        q.addresses = crit.addresses;
        q.topics = crit.topics;
        if (crit.block_hash) {
            XL_RPC_TRY(b, backend_.block(BlockRef::by_hash(*crit.block_hash), false));
            if (!b) return unexpected(server_error("unknown block"));
            q.from = q.to = b->header.number;
        } else {
            uint64_t head = backend_.head_number();
            q.from = crit.from ? resolve_number(*crit.from, head) : head;
            q.to = crit.to ? resolve_number(*crit.to, head) : head;
            if (q.from > q.to) return unexpected(server_error("invalid block range params"));
            if (q.from > head) return Json::array();  // nothing there yet
            q.to = std::min(q.to, head);
            if (q.to - q.from >= config_.max_log_range) {
                return unexpected(
                    Error{kLimitExceeded,
                          "block range too large: " + std::to_string(q.to - q.from + 1) +
                              " blocks > " + std::to_string(config_.max_log_range),
                          std::nullopt});
            }
        }
        XL_RPC_TRY(logs, backend_.logs(q));
        Json out = Json::array();
        for (const auto& l : logs)
            out.push_back(log_to_json(l));
        return out;
    }

    Result<Json, Error> install(Filter f) {
        std::lock_guard lock(filters_mu_);
        expire_locked();
        if (filters_.size() >= config_.max_filters) {
            return unexpected(Error{
                kLimitExceeded, "too many filters: limit " + std::to_string(config_.max_filters),
                std::nullopt});
        }
        f.last_used = config_.clock();
        std::string id = new_id();
        filters_.emplace(id, std::move(f));
        return id;
    }

    void expire_locked() {
        Clock::time_point now = config_.clock();
        std::erase_if(filters_, [&](const auto& kv) {
            return now - kv.second.last_used >= config_.filter_timeout;
        });
    }

    // Adds what the block brings to one filter; false if the filter overflowed (remove it).
    bool feed_filter_locked(std::map<std::string, Filter>::iterator it, const BlockView& block,
                            const std::vector<LogView>& logs) {
        Filter& f = it->second;
        if (f.kind == Filter::Kind::kBlocks) {
            f.hashes.push_back(block.hash);
            return f.hashes.size() <= config_.max_filter_buffer;
        }
        // Numeric bounds limit a polling log filter, as in geth; tags do not.
        const FilterCriteria& c = f.criteria;
        uint64_t n = block.header.number;
        if (c.from && c.from->kind == BlockRef::Kind::kNumber && n < c.from->number) return true;
        if (c.to && c.to->kind == BlockRef::Kind::kNumber && n > c.to->number) return true;
        for (const auto& l : logs) {
            if (!log_matches(l.log, c.addresses, c.topics)) continue;
            if (f.logs.size() >= config_.max_filter_buffer) return false;
            f.logs.push_back(l);
        }
        return true;
    }

    void drop_session(uint64_t session_id) {
        std::lock_guard lock(subs_mu_);
        auto it = sessions_.find(session_id);
        if (it == sessions_.end()) return;
        for (const auto& id : it->second.ids)
            subs_.erase(id);
        sessions_.erase(it);
    }

    Backend& backend_;
    ApiConfig config_;

    std::mutex filters_mu_;  // guards filters_
    std::map<std::string, Filter> filters_;

    std::mutex subs_mu_;  // guards subs_ and sessions_
    std::map<std::string, Subscription> subs_;
    std::map<uint64_t, SessionSubs> sessions_;  // by Session::id()
};

struct MethodEntry {
    const char* name;
    size_t max_args;
    std::variant<EthApi::Method, EthApi::RawMethod> fn;
};

// clang-format off
const MethodEntry kMethods[] = {
    {"web3_clientVersion", 0, &EthApi::client_version},
    {"web3_sha3", 1, &EthApi::sha3},
    {"net_version", 0, &EthApi::net_version},
    {"net_listening", 0, &EthApi::net_listening},
    {"net_peerCount", 0, &EthApi::net_peer_count},
    {"eth_chainId", 0, &EthApi::chain_id},
    {"eth_blockNumber", 0, &EthApi::block_number},
    {"eth_syncing", 0, &EthApi::syncing},
    {"eth_accounts", 0, &EthApi::accounts},
    {"eth_gasPrice", 0, &EthApi::gas_price},
    {"eth_maxPriorityFeePerGas", 0, &EthApi::max_priority_fee},
    {"eth_feeHistory", 3, &EthApi::fee_history},
    {"eth_getBalance", 2, &EthApi::get_balance},
    {"eth_getTransactionCount", 2, &EthApi::get_transaction_count},
    {"eth_getCode", 2, &EthApi::get_code},
    {"eth_getStorageAt", 3, &EthApi::get_storage_at},
    {"eth_getProof", 3, &EthApi::get_proof},
    {"eth_call", 3, &EthApi::call},
    {"eth_estimateGas", 3, &EthApi::estimate_gas},
    {"eth_sendRawTransaction", 1, &EthApi::send_raw_transaction},
    {"eth_getTransactionByHash", 1, &EthApi::get_transaction_by_hash},
    {"eth_getTransactionReceipt", 1, &EthApi::get_transaction_receipt},
    {"eth_getBlockByNumber", 2, &EthApi::get_block_by_number},
    {"eth_getBlockByHash", 2, &EthApi::get_block_by_hash},
    {"eth_getBlockTransactionCountByNumber", 1, &EthApi::tx_count_by_number},
    {"eth_getBlockTransactionCountByHash", 1, &EthApi::tx_count_by_hash},
    {"eth_getTransactionByBlockNumberAndIndex", 2, &EthApi::tx_by_number_and_index},
    {"eth_getTransactionByBlockHashAndIndex", 2, &EthApi::tx_by_hash_and_index},
    {"eth_getBlockReceipts", 1, &EthApi::get_block_receipts},
    {"eth_getLogs", 1, &EthApi::get_logs},
    {"eth_newFilter", 1, &EthApi::new_filter},
    {"eth_newBlockFilter", 0, &EthApi::new_block_filter},
    {"eth_getFilterChanges", 1, &EthApi::get_filter_changes},
    {"eth_getFilterLogs", 1, &EthApi::get_filter_logs},
    {"eth_uninstallFilter", 1, &EthApi::uninstall_filter},
    {"eth_subscribe", 2, &EthApi::subscribe},
    {"eth_unsubscribe", 1, &EthApi::unsubscribe},
    {"xl_nodeStatus", 0, &EthApi::node_status},
    {"xl_clientVersion", 0, &EthApi::client_version},
    {"xl_chainInfo", 0, &EthApi::chain_info},
    {"xl_consensusStatus", 0, &EthApi::consensus_status},
    {"xl_peers", 0, &EthApi::peers},
    {"xl_getCertificate", 1, &EthApi::get_certificate},
};
// clang-format on

#undef XL_RPC_TRY

// A handler calling fn on api with the params checked against max arguments.
template <typename H, typename Fn>
H bind_method(const std::shared_ptr<EthApi>& api, size_t max, Fn fn) {
    return [api, max, fn](const Json& params, Session& s) -> typename H::result_type {
        auto args = Args::of(params, max);
        if (!args) return unexpected(std::move(args).error());
        return ((*api).*fn)(*args, s);
    };
}

}  // namespace

std::vector<std::pair<std::string, AnyHandler>> make_eth_api(Backend& backend,
                                                             const ApiConfig& config) {
    auto api = std::make_shared<EthApi>(backend, config);
    backend.subscribe_blocks(
        [api](const BlockView& b, const std::vector<LogView>& logs) { api->on_block(b, logs); });
    std::vector<std::pair<std::string, AnyHandler>> out;
    out.reserve(std::size(kMethods));
    for (const MethodEntry& m : kMethods) {
        if (const auto* fn = std::get_if<EthApi::Method>(&m.fn)) {
            out.emplace_back(m.name, bind_method<Handler>(api, m.max_args, *fn));
        } else {
            out.emplace_back(m.name, bind_method<RawHandler>(api, m.max_args,
                                                             std::get<EthApi::RawMethod>(m.fn)));
        }
    }
    return out;
}

void register_eth_api(Dispatcher& dispatcher, Backend& backend, const ApiConfig& config) {
    for (auto& [name, handler] : make_eth_api(backend, config)) {
        if (auto* raw = std::get_if<RawHandler>(&handler)) {
            dispatcher.add_raw(std::move(name), std::move(*raw));
        } else {
            dispatcher.add(std::move(name), std::get<Handler>(std::move(handler)));
        }
    }
}

}  // namespace xl::rpc

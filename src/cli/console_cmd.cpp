// SPDX-License-Identifier: Apache-2.0
// The console commands: talk to a running node over JSON-RPC (rpc_client.hpp), in both crypto
// suites. The suite and chain id come from the node's xl_nodeStatus; a node without it is
// asked eth_chainId and the suite is taken from --crypto (default ecdsa).
//   xinlian tx send (--key K.json [--password-file F] | --private-key-file F) --to 0x..
//        [--value V] [--data 0x..] [--gas G] [--nonce N] [--max-fee V] [--priority-fee V]
//        [--wait] [--rpc URL]                        prints the hash; --wait: the receipt
//   xinlian deploy (--key .. | --private-key-file ..) --bytecode FILE_OR_HEX
//        [--args-sig "constructor(uint256)" ARGS...] [--wait]
//                                       prints {"transactionHash", "contractAddress"[, "receipt"]}
//   xinlian call --to 0x.. (--data 0x.. | --sig "balanceOf(address)" ARGS...) [--from 0x..]
//        [--block TAG] [--returns "(uint256)"]    prints the return data (decoded: JSON)
//   xinlian block [NUMBER|HASH|TAG] [--full]     prints the block as JSON
//   xinlian receipt TXHASH                       prints the receipt as JSON
// Errors from the node are printed as "error: <message> (code N)", exit status 1.
// Signing is Transaction::sign, as in `xinlian tx sign` (type 2 in ecdsa, 0x53 in sm).
#include <algorithm>
#include <chrono>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "cli/cli_util.hpp"
#include "cli/commands.hpp"
#include "cli/rpc_client.hpp"
#include "codec/abi.hpp"
#include "crypto/suite.hpp"
#include "execution/executor.hpp"
#include "protocol/limits.hpp"
#include "protocol/transaction.hpp"
#include "protocol/validation.hpp"

namespace xl::cli {
namespace {

using protocol::Transaction;
using protocol::TxType;

inline constexpr const char* kDefaultRpcUrl = "http://127.0.0.1:8545";
inline constexpr uint32_t kReceiptPollMs = 250;
inline constexpr uint32_t kDefaultWaitSeconds = 120;
inline constexpr size_t kMaxBytecodeFileSize = 4 * protocol::kMaxTxSize;  // hex text
inline constexpr int kMethodNotFound = -32601;
inline constexpr int kExecutionReverted = 3;

Address parse_address(const std::string& flag, const std::string& text) {
    auto a = fixed_from_hex<20>(text);
    if (!a) fail("invalid " + flag + " '" + text + "': expected a 20-byte 0x-hex address");
    return *a;
}

Bytes parse_hex(const std::string& flag, const std::string& text) {
    auto b = from_hex(trim(text));
    if (!b) fail("invalid " + flag + ": " + std::string(to_string(b.error())));
    return std::move(*b);
}

// ---- talking to the node ----

struct Conn {
    std::string rpc = kDefaultRpcUrl;
    std::string crypto;  // empty: ask the node
    uint32_t timeout_ms = kDefaultRpcTimeoutMs;
};

// --crypto only where it matters: commands that sign.
void add_conn_options(CLI::App* cmd, Conn& c, bool signs = false) {
    cmd->add_option("--rpc", c.rpc, "The node's JSON-RPC URL")->capture_default_str();
    if (signs) {
        cmd->add_option("--crypto", c.crypto,
                        "ecdsa or sm, if the node does not say (xl_nodeStatus); must match it");
    }
    cmd->add_option("--rpc-timeout-ms", c.timeout_ms, "Timeout of each RPC step")
        ->capture_default_str();
}

// An execution-reverted error's message with the reason decoded from its data, when the
// node's message does not already carry it.
std::string describe(const RpcClientError& e) {
    if (e.kind != RpcClientErrorKind::kRpc || e.code != kExecutionReverted || !e.data ||
        !e.data->is_string()) {
        return to_string(e);
    }
    auto data = from_hex(e.data->get<std::string>());
    if (!data) return to_string(e);
    auto r = abi::decode_revert(*data);
    std::string reason;
    if (r && r->kind == abi::Revert::Kind::kError) reason = r->message;
    if (r && r->kind == abi::Revert::Kind::kPanic) {
        reason = "panic " + r->code.to_hex() + " (" + std::string(abi::panic_reason(r->code)) + ")";
    }
    if (r && r->kind == abi::Revert::Kind::kCustom) reason = "custom error " + to_hex(r->data);
    if (reason.empty() || e.message.find(reason) != std::string::npos) return to_string(e);
    return e.message + ": " + reason + " (code " + std::to_string(e.code) + ")";
}

class Node {
public:
    explicit Node(const Conn& c)
        : client_(c.rpc, RpcClientOptions{c.timeout_ms, kMaxRpcResponseBytes}) {}

    Result<Json, RpcClientError> try_call(std::string_view method, const Json& params) {
        return client_.call(method, params);
    }
    Json call(std::string_view method, const Json& params) {
        auto r = client_.call(method, params);
        if (!r) fail(describe(r.error()));
        return std::move(*r);
    }

private:
    RpcClient client_;
};

struct ChainInfo {
    const crypto::CryptoSuite* suite = nullptr;
    uint64_t chain_id = 0;
};

ChainInfo chain_info(Node& node, const Conn& c) {
    const crypto::CryptoSuite* flag = nullptr;
    if (!c.crypto.empty()) {
        flag = crypto::suite_by_name(c.crypto);
        if (!flag) fail("unknown crypto suite '" + c.crypto + "' (expected ecdsa or sm)");
    }
    ChainInfo info;
    auto status = node.try_call("xl_nodeStatus", Json::array());
    if (status && status->is_object() && status->contains("crypto") &&
        (*status)["crypto"].is_string()) {
        const std::string name = (*status)["crypto"].get<std::string>();
        info.suite = crypto::suite_by_name(name);
        if (!info.suite) fail("the node reports an unknown crypto suite '" + name + "'");
        if (flag && flag != info.suite) {
            fail("the node runs the " + name + " suite, not --crypto " + c.crypto);
        }
        if (status->contains("chainId")) {
            const U256 id = quantity((*status)["chainId"], "chainId");
            if (!id.fits_u64()) fail("the node reports a chain id over 64 bits");
            info.chain_id = id.low64();
            return info;
        }
    } else if (!status && status.error().kind != RpcClientErrorKind::kRpc) {
        fail(describe(status.error()));  // no node there: say so, do not guess
    }
    if (!info.suite) info.suite = flag ? flag : &crypto::ecdsa_suite();
    const U256 id = quantity(node.call("eth_chainId", Json::array()), "chainId");
    if (!id.fits_u64()) fail("the node reports a chain id over 64 bits");
    info.chain_id = id.low64();
    return info;
}

// ---- keys ----

using KeyOptions = KeyFiles;

void add_key_options(CLI::App* cmd, KeyOptions& k) {
    auto* key = cmd->add_option("--key", k.key,
                                "Keystore file (password: --password-file, else asked on the "
                                "terminal)");
    auto* pkf = cmd->add_option("--private-key-file", k.private_key_file,
                                "File holding the secret key as hex (development accounts)");
    key->excludes(pkf);
    cmd->add_option("--password-file", k.password_file, "File holding the keystore password")
        ->needs(key);
}

// ---- sending ----

struct SendOptions {
    Conn conn;
    KeyOptions key;
    std::string to, value, data, gas, nonce, max_fee, priority_fee;
    bool wait = false;
    uint32_t wait_seconds = kDefaultWaitSeconds;
};

void add_send_options(CLI::App* cmd, SendOptions& o) {
    add_conn_options(cmd, o.conn, /*signs=*/true);
    add_key_options(cmd, o.key);
    cmd->add_option("--value", o.value, "Value in wei (decimal or 0x-hex; default 0)");
    cmd->add_option("--gas", o.gas, "Gas limit (default: eth_estimateGas)");
    cmd->add_option("--nonce", o.nonce, "Nonce (default: eth_getTransactionCount pending)");
    cmd->add_option("--max-fee", o.max_fee,
                    "Max fee per gas (default: 2 * latest base fee + priority fee)");
    cmd->add_option("--priority-fee", o.priority_fee,
                    "Max priority fee per gas (default: eth_maxPriorityFeePerGas)");
    cmd->add_flag("--wait", o.wait, "Wait for the receipt and print it");
    cmd->add_option("--wait-seconds", o.wait_seconds, "How long --wait waits")
        ->capture_default_str();
}

struct Sent {
    std::string hash;
    Address from;
    uint64_t nonce = 0;
};

// Fills the unset fields from the node, signs and submits. to == nullopt: contract creation.
Sent send(Node& node, const SendOptions& o, std::optional<Address> to, Bytes data) {
    const ChainInfo info = chain_info(node, o.conn);
    const crypto::CryptoSuite& suite = *info.suite;
    const crypto::SecretKey sk = load_key(o.key, suite);
    auto pk = suite.public_key(sk);
    if (!pk) fail("invalid secret key: " + std::string(crypto::to_string(pk.error())));
    const Address from = suite.address(*pk);

    Transaction tx;
    tx.type = suite.id() == crypto::SuiteId::kSm ? TxType::kSm : TxType::kDynamicFee;
    tx.chain_id = U256(info.chain_id);
    tx.to = to;
    tx.value = o.value.empty() ? U256(0) : parse_u256("--value", o.value);
    tx.data = std::move(data);
    const std::string from_hex_text = to_hex(from.view());
    if (!o.nonce.empty()) {
        tx.nonce = parse_u64("--nonce", o.nonce);
    } else {
        const U256 n = quantity(
            node.call("eth_getTransactionCount", Json::array({from_hex_text, "pending"})), "nonce");
        if (!n.fits_u64()) fail("the node returned a nonce over 64 bits");
        tx.nonce = n.low64();
    }
    if (!o.priority_fee.empty()) {
        tx.max_priority_fee = parse_u256("--priority-fee", o.priority_fee);
    } else if (auto tip = node.try_call("eth_maxPriorityFeePerGas", Json::array())) {
        tx.max_priority_fee = quantity(*tip, "priority fee");
    } else if (tip.error().kind != RpcClientErrorKind::kRpc ||
               tip.error().code != kMethodNotFound) {
        fail(describe(tip.error()));
    }
    if (!o.max_fee.empty()) {
        tx.max_fee = parse_u256("--max-fee", o.max_fee);
    } else {
        // As ethers: room for the base fee to double before the transaction is priced out.
        const Json block = node.call("eth_getBlockByNumber", Json::array({"latest", false}));
        U256 base_fee = 0;
        if (block.is_object() && block.contains("baseFeePerGas")) {
            base_fee = quantity(block["baseFeePerGas"], "base fee");
        }
        tx.max_fee = base_fee + base_fee + tx.max_priority_fee;
    }
    if (!o.gas.empty()) {
        tx.gas_limit = parse_u64("--gas", o.gas);
    } else {
        Json call = {{"from", from_hex_text}, {"value", tx.value.to_hex()}};
        if (to) call["to"] = to_hex(to->view());
        if (!tx.data.empty()) call["data"] = to_hex(tx.data);
        const U256 g = quantity(node.call("eth_estimateGas", Json::array({call})), "gas estimate");
        if (!g.fits_u64()) fail("the node returned a gas estimate over 64 bits");
        tx.gas_limit = g.low64();
    }
    if (auto v = protocol::validate_transaction(tx, suite, info.chain_id); !v) {
        std::string msg(to_string(v.error()));
        if (v.error() == protocol::TxError::kIntrinsicGas) {
            msg += ": gas " + std::to_string(tx.gas_limit) + " < " +
                   std::to_string(protocol::intrinsic_gas(tx));
        }
        fail(msg);
    }
    if (auto s = tx.sign(suite, sk); !s) fail(std::string(to_string(s.error())));
    const Bytes raw = tx.encode();
    if (raw.size() > protocol::kMaxTxSize) {
        fail(std::string(to_string(protocol::TxError::kOversized)));
    }
    const Json hash = node.call("eth_sendRawTransaction", Json::array({to_hex(raw)}));
    if (!hash.is_string()) fail("the node returned an invalid transaction hash: " + hash.dump());
    return Sent{hash.get<std::string>(), from, tx.nonce};
}

// Polls for the receipt (a CLI may sleep: it waits for a chain with its own block interval).
Json wait_for_receipt(Node& node, const std::string& hash, uint32_t wait_seconds) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(wait_seconds);
    for (;;) {
        Json r = node.call("eth_getTransactionReceipt", Json::array({hash}));
        if (!r.is_null()) return r;
        if (std::chrono::steady_clock::now() >= deadline) {
            fail("no receipt for " + hash + " after " + std::to_string(wait_seconds) + " s");
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(kReceiptPollMs));
    }
}

// A receipt with status 0 fails the command after it is printed, so scripts notice.
void check_status(const Json& receipt) {
    if (receipt.is_object() && receipt.value("status", std::string()) == "0x0") {
        fail("the transaction reverted (status 0x0)");
    }
}

// ---- ABI arguments from the command line ----

// One command-line word per parameter: arrays and tuples as JSON, bools as true/false,
// everything else (numbers, addresses, bytes, strings) as the word itself.
std::vector<abi::Value> abi_args(const std::vector<abi::Type>& types,
                                 const std::vector<std::string>& words) {
    if (types.size() != words.size()) {
        fail("expected " + std::to_string(types.size()) + " argument(s), got " +
             std::to_string(words.size()));
    }
    Json arr = Json::array();
    for (size_t i = 0; i < types.size(); ++i) {
        const auto k = types[i].kind;
        if (k == abi::Kind::kArray || k == abi::Kind::kFixedArray || k == abi::Kind::kTuple) {
            Json j = Json::parse(words[i], nullptr, /*allow_exceptions=*/false);
            if (j.is_discarded()) fail("argument " + std::to_string(i + 1) + " is not JSON");
            arr.push_back(std::move(j));
        } else if (k == abi::Kind::kBool) {
            if (words[i] != "true" && words[i] != "false") {
                fail("argument " + std::to_string(i + 1) + " must be true or false");
            }
            arr.push_back(words[i] == "true");
        } else {
            arr.push_back(words[i]);
        }
    }
    std::string where;
    auto v = abi::values_from_json(types, arr.dump(), &where);
    if (!v) {
        fail("invalid argument" + (where.empty() ? std::string() : " " + where) + ": " +
             std::string(abi::to_string(v.error())));
    }
    return std::move(*v);
}

abi::Function parse_signature(const std::string& flag, const std::string& sig) {
    auto f = abi::parse_signature(sig);
    if (!f) fail("invalid " + flag + " '" + sig + "': " + std::string(abi::to_string(f.error())));
    return std::move(*f);
}

// "(uint256,address)" or "uint256": the types of the return data.
std::vector<abi::Type> parse_returns(const std::string& text) {
    auto t = abi::parse_type(text);
    if (!t) fail("invalid --returns '" + text + "': " + std::string(abi::to_string(t.error())));
    if (t->kind == abi::Kind::kTuple) return t->elems;
    return {std::move(*t)};
}

// ---- the commands ----

void run_send(const SendOptions& o) {
    Node node(o.conn);
    const Address to = parse_address("--to", o.to);
    Bytes data = o.data.empty() ? Bytes{} : parse_hex("--data", o.data);
    const Sent sent = send(node, o, to, std::move(data));
    std::cout << sent.hash << "\n";
    if (!o.wait) return;
    const Json receipt = wait_for_receipt(node, sent.hash, o.wait_seconds);
    std::cout << receipt.dump(2) << "\n";
    check_status(receipt);
}

struct DeployOptions {
    SendOptions send;
    std::string bytecode, args_sig;
    std::vector<std::string> args;
};

void run_deploy(const DeployOptions& o) {
    // FILE_OR_HEX: 0x-hex on the command line, else a file holding the hex (solc --bin).
    const bool inline_hex = o.bytecode.starts_with("0x") && from_hex(o.bytecode).has_value();
    Bytes code = parse_hex(
        "--bytecode", inline_hex ? o.bytecode : read_small_file(o.bytecode, kMaxBytecodeFileSize));
    if (code.empty()) fail("--bytecode is empty");
    if (!o.args_sig.empty()) {
        const abi::Function ctor = parse_signature("--args-sig", o.args_sig);
        const auto values = abi_args(ctor.inputs, o.args);
        auto enc = abi::encode(ctor.inputs, values);
        if (!enc) fail("encoding the arguments: " + std::string(abi::to_string(enc.error())));
        code.insert(code.end(), enc->begin(), enc->end());
    } else if (!o.args.empty()) {
        fail("constructor arguments need --args-sig \"constructor(...)\"");
    }
    Node node(o.send.conn);
    const Sent sent = send(node, o.send, std::nullopt, std::move(code));
    Json out = {{"transactionHash", sent.hash},
                {"contractAddress",
                 abi::checksum_address(execution::create_address(sent.from, sent.nonce))}};
    if (!o.send.wait) {
        std::cout << out.dump(2) << "\n";
        return;
    }
    const Json receipt = wait_for_receipt(node, sent.hash, o.send.wait_seconds);
    if (receipt.is_object() && receipt.contains("contractAddress") &&
        receipt["contractAddress"].is_string()) {
        out["contractAddress"] = receipt["contractAddress"];
    }
    out["receipt"] = receipt;
    std::cout << out.dump(2) << "\n";
    check_status(receipt);
}

struct CallOptions {
    Conn conn;
    std::string to, from, data, sig, block = "latest", returns;
    std::vector<std::string> args;
};

bool is_tag(const std::string& s);  // latest, earliest, pending, safe, finalized

void run_call(const CallOptions& o) {
    const Address to = parse_address("--to", o.to);
    Bytes data;
    if (!o.sig.empty()) {
        if (!o.data.empty()) fail("give --data or --sig, not both");
        const abi::Function f = parse_signature("--sig", o.sig);
        auto enc = abi::encode_call(f, abi_args(f.inputs, o.args));
        if (!enc) fail("encoding the arguments: " + std::string(abi::to_string(enc.error())));
        data = std::move(*enc);
    } else {
        if (!o.args.empty()) fail("arguments need --sig \"name(types)\"");
        if (!o.data.empty()) data = parse_hex("--data", o.data);
    }
    std::vector<abi::Type> returns;
    if (!o.returns.empty()) returns = parse_returns(o.returns);
    Json call = {{"to", to_hex(to.view())}};
    if (!o.from.empty()) call["from"] = to_hex(parse_address("--from", o.from).view());
    if (!data.empty()) call["data"] = to_hex(data);
    Node node(o.conn);
    // --block: a tag, a block hash, or a number (decimal or 0x-hex) sent as a quantity.
    Json block = o.block;
    if (!is_tag(o.block) && !(o.block.size() == 66 && o.block.starts_with("0x")))
        block = parse_u256("--block", o.block).to_hex();
    const Json result = node.call("eth_call", Json::array({call, block}));
    if (!result.is_string()) fail("the node returned invalid call output: " + result.dump());
    if (o.returns.empty()) {
        std::cout << result.get<std::string>() << "\n";
        return;
    }
    auto bytes = from_hex(result.get<std::string>());
    if (!bytes) fail("the node returned invalid call output: " + result.dump());
    auto values = abi::decode(returns, *bytes, abi::DecodeMode::kLenient);
    if (!values) {
        fail("cannot decode the return data " + result.get<std::string>() + " as " + o.returns +
             ": " + std::string(abi::to_string(values.error())));
    }
    std::cout << abi::values_to_json(returns, *values) << "\n";
}

bool is_tag(const std::string& s) {
    return s == "latest" || s == "earliest" || s == "pending" || s == "safe" || s == "finalized";
}

void run_block(const Conn& c, const std::string& id, bool full) {
    Node node(c);
    Json block;
    if (id.size() == 66 && id.starts_with("0x")) {
        (void)parse_hex("block hash", id);
        block = node.call("eth_getBlockByHash", Json::array({id, full}));
    } else if (is_tag(id)) {
        block = node.call("eth_getBlockByNumber", Json::array({id, full}));
    } else {
        const U256 n = parse_u256("block number", id);
        block = node.call("eth_getBlockByNumber", Json::array({n.to_hex(), full}));
    }
    if (block.is_null()) fail("block " + id + " not found");
    std::cout << block.dump(2) << "\n";
}

void run_receipt(const Conn& c, const std::string& hash) {
    auto h = fixed_from_hex<32>(hash);
    if (!h) fail("invalid transaction hash '" + hash + "': expected 32 bytes of 0x-hex");
    Node node(c);
    const Json r = node.call("eth_getTransactionReceipt", Json::array({to_hex(h->view())}));
    if (r.is_null()) fail("no receipt for " + hash + " (unknown, or not yet in a block)");
    std::cout << r.dump(2) << "\n";
}

}  // namespace

void add_console_commands(CLI::App& app) {
    // tx send joins the offline `tx` group of tx_cmd.cpp (registered before this).
    CLI::App* tx = app.get_subcommand("tx");
    auto so = std::make_shared<SendOptions>();
    auto* send_cmd = tx->add_subcommand("send",
                                        "Sign a transaction with the node's chain id, "
                                        "nonce, fees and gas, and submit it");
    add_send_options(send_cmd, *so);
    send_cmd->add_option("--to", so->to, "Recipient address")->required();
    send_cmd->add_option("--data", so->data, "Call data, 0x-hex");
    send_cmd->callback(reported([so] { run_send(*so); }));

    auto d = std::make_shared<DeployOptions>();
    auto* deploy = app.add_subcommand("deploy",
                                      "Deploy a contract; prints the transaction "
                                      "hash and the contract address");
    add_send_options(deploy, d->send);
    deploy->add_option("--bytecode", d->bytecode, "Init code: 0x-hex, or a file holding it")
        ->required();
    deploy->add_option("--args-sig", d->args_sig,
                       "Constructor signature: \"constructor(uint256)\"");
    deploy->add_option("args", d->args, "Constructor arguments (arrays and tuples as JSON)");
    deploy->callback(reported([d] { run_deploy(*d); }));

    auto co = std::make_shared<CallOptions>();
    auto* call = app.add_subcommand("call", "eth_call: run a contract call without a transaction");
    add_conn_options(call, co->conn);
    call->add_option("--to", co->to, "Contract address")->required();
    call->add_option("--from", co->from, "Sender address");
    auto* data = call->add_option("--data", co->data, "Call data, 0x-hex");
    auto* sig = call->add_option("--sig", co->sig, "Function signature: \"balanceOf(address)\"");
    data->excludes(sig);
    call->add_option("args", co->args, "Arguments for --sig (arrays and tuples as JSON)");
    call->add_option("--block", co->block, "Block number or tag")->capture_default_str();
    call->add_option("--returns", co->returns, "Decode the output: \"(uint256,address)\"");
    call->callback(reported([co] { run_call(*co); }));

    struct BlockArgs {
        Conn conn;
        std::string id = "latest";
        bool full = false;
    };
    auto b = std::make_shared<BlockArgs>();
    auto* block = app.add_subcommand("block", "Print a block as JSON");
    add_conn_options(block, b->conn);
    block->add_option("id", b->id, "Block number, hash or tag")->capture_default_str();
    block->add_flag("--full", b->full, "Include the transactions, not only their hashes");
    block->callback(reported([b] { run_block(b->conn, b->id, b->full); }));

    struct ReceiptArgs {
        Conn conn;
        std::string hash;
    };
    auto r = std::make_shared<ReceiptArgs>();
    auto* receipt = app.add_subcommand("receipt", "Print a transaction receipt as JSON");
    add_conn_options(receipt, r->conn);
    receipt->add_option("hash", r->hash, "Transaction hash")->required();
    receipt->callback(reported([r] { run_receipt(r->conn, r->hash); }));
}

}  // namespace xl::cli

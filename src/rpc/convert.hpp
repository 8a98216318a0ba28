// SPDX-License-Identifier: Apache-2.0
// Xinlian rpc: JSON conversions of the Ethereum JSON-RPC API, exactly as go-ethereum prints and
// parses them (internal/ethapi, common/hexutil, rpc/types.go), so that ethers v6, web3.js and
// Hardhat read our answers as geth's.
//
// Output: quantities "0x" + minimal lower-case hex ("0x0"), data "0x" + hex ("0x" if empty),
// addresses lower-case 20-byte hex, hashes 32-byte hex. Input: the strict hexutil rules, with
// geth's error texts ("hex string without 0x prefix", "hex number with leading zero digits",
// "hex number > 64 bits", "hex string has length 38, want 40 for address", ...). Parse
// functions return that text alone; the handler prefixes "invalid argument N: ".
//
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "core/uint256.hpp"
#include "crypto/suite.hpp"
#include "protocol/block.hpp"
#include "protocol/receipt.hpp"
#include "rpc/backend.hpp"
#include "rpc/jsonrpc.hpp"

namespace xl::rpc {

// Limits on what one filter may name (STYLE.md 8), as geth 1.14's filter limits.
inline constexpr size_t kMaxFilterAddresses = 1000;
inline constexpr size_t kMaxFilterTopicsPerPosition = 1000;

// ---- output ----

std::string quantity(uint64_t v);
std::string quantity(const U256& v);
std::string data_hex(BytesView b);

// A transaction (geth's RPCTransaction): common fields, then per type gasPrice (legacy, 2930;
// for 1559/sm the effective price once mined, the fee cap before), maxFeePerGas and
// maxPriorityFeePerGas (1559, sm), chainId (all but unprotected legacy), accessList (all but
// legacy), v/r/s (legacy v = 27/28 or chainId*2+35+parity, EIP-155), yParity (all but legacy);
// the sm type 0x53 adds publicKey (64 bytes x||y) and signature (64 bytes r||s).
Json tx_to_json(const TxView& t);
Json log_to_json(const LogView& l);
Json receipt_to_json(const ReceiptView& r);
// Direct writers for the hot path (eth_getBlockReceipts follows every block of a busy chain):
// they append exactly receipt_to_json(r).dump() / log_to_json(l).dump() to out, byte for byte
// (members in the same, alphabetical order), without building a Json DOM, whose allocations
// and 512-digit logsBloom string cost more than the rest of the call.
void append_receipt_json(std::string& out, const ReceiptView& r);
void append_log_json(std::string& out, const LogView& l);
// "0x" + the hex of b, quoted: the JSON text of data_hex(b).
void append_data_json(std::string& out, BytesView b);
// The header fields of a block (eth_subscribe newHeads prints exactly these).
Json header_to_json(const protocol::BlockHeader& h, const Hash256& hash,
                    const crypto::CryptoSuite& suite);
// A block: the header fields plus size, uncles [] and transactions (hashes, or full objects).
Json block_to_json(const BlockView& b, bool full, const crypto::CryptoSuite& suite);
Json proof_to_json(const ProofView& p, const std::vector<std::string>& keys_as_given);
// xl_getCertificate: {height, round (JSON numbers), blockHash, hash, signatures: [{validator
// (index, a number), address, signature (hex)}]}.
Json certificate_to_json(const CertificateView& c);

// The error of a reverted eth_call / eth_estimateGas, as geth's revertError: code 3, message
// "execution reverted" plus ": <reason>" for Error(string) and Panic(uint256) data, data the
// revert bytes as hex ("0x" when empty). ethers v6 decodes custom errors from data.
Error revert_error(BytesView revert_data);

// ---- input ----

using ParamError = std::string;  // the error text of a failed parse

// hexutil.Uint64 / hexutil.Big: a JSON string "0x..." without leading zeros. An empty string
// is 0, as in geth.
Result<uint64_t, ParamError> parse_u64(const Json& j);
Result<U256, ParamError> parse_u256(const Json& j);
// hexutil.Bytes: "0x" + an even number of hex digits ("" is empty data).
Result<Bytes, ParamError> parse_data(const Json& j);
Result<Address, ParamError> parse_address(const Json& j);
Result<Hash256, ParamError> parse_hash(const Json& j);
// A storage slot as geth's decodeHash: optional 0x, odd length allowed, at most 32 bytes,
// left-padded (eth_getStorageAt, eth_getProof).
Result<U256, ParamError> parse_storage_key(const Json& j);
// A number or tag: "latest", "earliest", "pending", "safe", "finalized" (the last two as
// latest: BFT blocks are final at commit), or a hex number up to 2^63-1.
Result<BlockRef, ParamError> parse_block_number(const Json& j);
// EIP-1898: a number or tag, a 32-byte block hash string, or an object {"blockNumber": ..} or
// {"blockHash": .., "requireCanonical": bool}.
Result<BlockRef, ParamError> parse_block_ref(const Json& j);
// geth's TransactionArgs for eth_call/eth_estimateGas. Unknown fields are ignored, as geth
// does; "data" and "input" may both be given only if equal; gasPrice excludes the 1559 fees.
Result<CallRequest, ParamError> parse_call_request(const Json& j);

// A log filter (eth_getLogs, eth_newFilter, eth_subscribe "logs").
struct FilterCriteria {
    std::optional<BlockRef> from;              // absent: latest
    std::optional<BlockRef> to;                // absent: latest
    std::optional<Hash256> block_hash;         // excludes from/to
    std::vector<Address> addresses;            // any of them; empty = any address
    std::vector<std::vector<Hash256>> topics;  // position i: any of topics[i]; empty = any
};
// {"fromBlock", "toBlock", "blockHash", "address": a or [a..], "topics": [null | t | [t|null..]]}.
// At most kMaxLogTopics positions ("exceed max topics"), kMaxFilterAddresses addresses
// ("exceed max addresses") and kMaxFilterTopicsPerPosition topics at one position. A null
// inside an OR-array makes that position a wildcard, as in geth.
Result<FilterCriteria, ParamError> parse_filter(const Json& j);

// Whether a log matches the address set and topic positions (the LogQuery rule).
bool log_matches(const protocol::Log& log, const std::vector<Address>& addresses,
                 const std::vector<std::vector<Hash256>>& topics) noexcept;

}  // namespace xl::rpc

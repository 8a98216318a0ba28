// SPDX-License-Identifier: Apache-2.0
// Xinlian CLI: the JSON the `xinlian bench` hot loop sends and reads, without a Json DOM.
// The client shares the machine's cores with the node it measures, so every microsecond it
// spends building request objects or parsing 1 KB receipts into a DOM is throughput the node
// loses. Requests are written as text before the clock starts; responses are scanned with
// nlohmann's SAX interface, keeping only what the bench checks (ids, hashes, receipt status
// and log count). Malformed responses are errors that say where and what, never skipped.
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace xl::cli {

// The text of a JSON-RPC batch calling `method` once per element of params_json (each the
// JSON text of one params array, e.g. ["0x02f8.."]), ids 0..n-1 in order.
std::string batch_request(std::string_view method, const std::vector<std::string>& params_json);

// What the bench reads of a receipt.
struct ReceiptSummary {
    std::string tx_hash;  // "transactionHash"
    std::string status;   // "status": "0x1" success, "0x0" failure
    size_t logs = 0;      // elements of "logs"
};

// A response to one eth_getBlockReceipts call.
struct BlockReceipts {
    // False when the node answered with an error or a null result (no such block, or a node
    // without the method): the caller falls back to per-transaction receipts.
    bool available = false;
    bool rpc_error = false;  // the response has an "error" member
    std::vector<ReceiptSummary> receipts;
};

// Scans {"jsonrpc":"2.0","id":..,"result":[receipt,..] | null} or {..,"error":{..}}. Errors: not
// JSON, not an object, a result that is neither an array nor null, a receipt that is not an
// object, or one without a string transactionHash or status, or whose logs is not an array.
Result<BlockReceipts, std::string> scan_block_receipts(std::string_view body);

// The response to a batch of n calls whose results are strings (eth_sendRawTransaction: the
// hashes), by request id.
struct BatchStrings {
    std::vector<std::string> results;  // by id; empty where that call failed
    // The id of the first call answered with an error, or n when none was (then every result
    // is set).
    size_t first_error = 0;
};

// Scans [{"jsonrpc":"2.0","id":i,"result":"0x.." | "error":{..}}, ..]. Errors: not JSON, not
// an array of n objects, an id that is not an integer below n or that repeats, a result that
// is not a string, an element with neither result nor error.
Result<BatchStrings, std::string> scan_batch_strings(std::string_view body, size_t n);

}  // namespace xl::cli

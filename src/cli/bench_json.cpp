// SPDX-License-Identifier: Apache-2.0
// Xinlian CLI: request text and SAX scanners for the bench's hot loop (bench_json.hpp). Each
// scanner follows the response's nesting with a depth counter and the last member name at the
// depths it cares about; every other value is passed over without being stored.
#include "cli/bench_json.hpp"

#include <algorithm>
#include <limits>
#include <utility>

#include <nlohmann/json.hpp>

namespace xl::cli {
namespace {

using Json = nlohmann::json;

// nlohmann's parse error ends with the token it stopped at, which can be a megabyte string.
constexpr size_t kMaxParseMessage = 160;
constexpr size_t kNone = std::numeric_limits<size_t>::max();

enum class Kind { kNull, kBool, kNumber, kString, kObject, kArray };

const char* kind_name(Kind k) {
    switch (k) {
        case Kind::kNull:
            return "null";
        case Kind::kBool:
            return "a boolean";
        case Kind::kNumber:
            return "a number";
        case Kind::kString:
            return "a string";
        case Kind::kObject:
            return "an object";
        case Kind::kArray:
            return "an array";
    }
    return "a value";
}

std::string parse_error_text(size_t position, const std::exception& e) {
    std::string_view w(e.what());
    if (auto pos = w.find("] "); pos != std::string_view::npos) w.remove_prefix(pos + 2);
    if (w.size() > kMaxParseMessage) w = w.substr(0, kMaxParseMessage);
    return "invalid JSON at byte " + std::to_string(position) + ": " + std::string(w);
}

// The events every scanner handles alike; Derived::value(kind) sees each value (scalar or
// container start) at the depth it appears, before the depth is raised for a container.
template <typename Derived>
class Scanner {
public:
    bool null() { return self().value(Kind::kNull); }
    bool boolean(bool) { return self().value(Kind::kBool); }
    bool number_integer(Json::number_integer_t) { return self().value(Kind::kNumber); }
    bool number_unsigned(Json::number_unsigned_t v) {
        if (!self().value(Kind::kNumber)) return false;
        self().on_unsigned(v);
        return true;
    }
    bool number_float(Json::number_float_t, const std::string&) {
        return self().value(Kind::kNumber);
    }
    bool string(std::string& s) {
        if (!self().value(Kind::kString)) return false;
        self().on_string(s);
        return true;
    }
    bool binary(Json::binary_t&) { return self().value(Kind::kString); }  // not in JSON text
    bool start_object(size_t) {
        if (!self().value(Kind::kObject)) return false;
        ++depth_;
        return true;
    }
    bool start_array(size_t) {
        if (!self().value(Kind::kArray)) return false;
        ++depth_;
        return true;
    }
    bool end_object() {
        if (!self().on_end(Kind::kObject)) return false;
        --depth_;
        return true;
    }
    bool end_array() {
        if (!self().on_end(Kind::kArray)) return false;
        --depth_;
        return true;
    }
    bool parse_error(size_t position, const std::string&, const nlohmann::detail::exception& e) {
        if (error_.empty()) error_ = parse_error_text(position, e);
        return false;
    }

    // Stops the scan with this error (the first one wins).
    bool fail(std::string message) {
        if (error_.empty()) error_ = std::move(message);
        return false;
    }
    const std::string& error() const noexcept { return error_; }

protected:
    size_t depth_ = 0;  // containers open

private:
    Derived& self() { return static_cast<Derived&>(*this); }
    std::string error_;
};

// {"jsonrpc", "id", "result": [ {receipt}, .. ] | "error"}: depth 1 is the response object,
// 2 the result array, 3 a receipt, 4 its logs array.
class ReceiptsScanner : public Scanner<ReceiptsScanner> {
public:
    bool value(Kind k) {
        if (depth_ == 0) {
            if (k != Kind::kObject)
                return fail("expected a JSON-RPC response object, got " +
                            std::string(kind_name(k)));
            return true;
        }
        if (depth_ == 1) {
            if (top_key_ != "result") return true;
            if (k == Kind::kArray) {
                in_result_ = true;
                out.available = true;
                return true;
            }
            if (k == Kind::kNull) return true;
            return fail("the result is " + std::string(kind_name(k)) +
                        ", expected an array of receipts or null");
        }
        if (!in_result_) return true;
        if (depth_ == 2) {
            if (k != Kind::kObject) {
                return fail("receipt " + std::to_string(out.receipts.size()) + " is " +
                            kind_name(k) + ", not an object");
            }
            out.receipts.emplace_back();
            receipt_key_.clear();
            return true;
        }
        if (depth_ == 3) return receipt_field(k);
        if (depth_ == 4 && in_logs_) ++out.receipts.back().logs;
        return true;
    }
    void on_string(std::string& s) {
        if (!in_result_ || depth_ != 3) return;
        if (receipt_key_ == "transactionHash") out.receipts.back().tx_hash = std::move(s);
        if (receipt_key_ == "status") out.receipts.back().status = std::move(s);
    }
    void on_unsigned(uint64_t) {}
    bool key(std::string& k) {
        if (depth_ == 1) {
            top_key_ = std::move(k);
            if (top_key_ == "error") out.rpc_error = true;
        } else if (depth_ == 3 && in_result_) {
            receipt_key_ = std::move(k);
        }
        return true;
    }
    bool on_end(Kind) {
        if (!in_result_) return true;
        if (depth_ == 4) in_logs_ = false;
        if (depth_ == 2) in_result_ = false;
        if (depth_ != 3) return true;
        const ReceiptSummary& r = out.receipts.back();
        if (r.tx_hash.empty()) return fail(where() + " has no transactionHash");
        if (r.status.empty()) return fail(where() + " has no status");
        return true;
    }

    BlockReceipts out;

private:
    bool receipt_field(Kind k) {
        const bool want_string = receipt_key_ == "transactionHash" || receipt_key_ == "status";
        if (want_string && k != Kind::kString) {
            return fail(where() + ": " + receipt_key_ + " is " + kind_name(k) + ", not a string");
        }
        if (receipt_key_ == "logs") {
            if (k != Kind::kArray) return fail(where() + ": logs is " + kind_name(k));
            in_logs_ = true;
        }
        return true;
    }
    std::string where() const { return "receipt " + std::to_string(out.receipts.size() - 1); }

    std::string top_key_;      // the last member name of the response object
    std::string receipt_key_;  // the last member name of the current receipt
    bool in_result_ = false;   // inside the result array
    bool in_logs_ = false;     // inside the current receipt's logs array
};

// [ {"jsonrpc", "id", "result": "..." | "error": {..}}, .. ]: depth 1 is the batch array, 2
// one response object.
class BatchScanner : public Scanner<BatchScanner> {
public:
    explicit BatchScanner(size_t n) : n_(n) {
        out.results.resize(n);
        out.first_error = n;
        seen_.resize(n);
    }
    bool value(Kind k) {
        if (depth_ == 0) {
            if (k != Kind::kArray) {
                return fail("expected a batch response (an array), got " +
                            std::string(kind_name(k)));
            }
            return true;
        }
        if (depth_ == 1) {
            if (k != Kind::kObject)
                return fail(where(count_) + " is " + kind_name(k) + ", not an object");
            if (++count_ > n_) return fail("more than " + std::to_string(n_) + " responses");
            id_ = kNone;
            has_result_ = has_error_ = false;
            result_.clear();
            return true;
        }
        if (depth_ != 2) return true;
        if (key_ == "id" && k != Kind::kNumber) {
            return fail(where(count_ - 1) + ": id is " + kind_name(k) + ", not a request id");
        }
        if (key_ == "result") {
            if (k != Kind::kString) {
                return fail(where(count_ - 1) + ": result is " + kind_name(k) + ", not a string");
            }
            has_result_ = true;
        }
        if (key_ == "error") has_error_ = true;
        return true;
    }
    void on_string(std::string& s) {
        if (depth_ == 2 && key_ == "result") result_ = std::move(s);
    }
    void on_unsigned(uint64_t v) {
        if (depth_ == 2 && key_ == "id") id_ = v < n_ ? size_t(v) : kNone - 1;
    }
    bool key(std::string& k) {
        if (depth_ == 2) key_ = std::move(k);
        return true;
    }
    bool on_end(Kind) {
        if (depth_ != 2) return true;
        const std::string at = where(count_ - 1);
        if (id_ >= n_) {
            return fail(at + ": id is not one of 0.." + std::to_string(n_ - 1) +
                        " (absent, negative, fractional or too large)");
        }
        if (seen_[id_]) return fail(at + ": id " + std::to_string(id_) + " answered twice");
        seen_[id_] = true;
        if (has_error_) {
            out.first_error = std::min(out.first_error, id_);
            return true;
        }
        if (!has_result_) return fail(at + ": neither result nor error");
        out.results[id_] = std::move(result_);
        return true;
    }
    // After a complete scan: every call answered.
    bool complete() {
        if (count_ != n_) {
            return fail(std::to_string(count_) + " responses to " + std::to_string(n_) + " calls");
        }
        return true;
    }

    BatchStrings out;

private:
    static std::string where(size_t i) { return "response " + std::to_string(i); }

    size_t n_;
    size_t count_ = 0;   // response objects begun
    size_t id_ = kNone;  // of the current response; kNone when absent, kNone - 1 when bad
    bool has_result_ = false, has_error_ = false;
    std::string key_;  // the last member name of the current response
    std::string result_;
    std::vector<bool> seen_;
};

}  // namespace

std::string batch_request(std::string_view method, const std::vector<std::string>& params_json) {
    size_t bytes = 2;
    for (const auto& p : params_json)
        bytes += p.size() + method.size() + 64;
    std::string out;
    out.reserve(bytes);
    out += '[';
    for (size_t i = 0; i < params_json.size(); ++i) {
        if (i > 0) out += ',';
        out += R"({"jsonrpc":"2.0","id":)";
        out += std::to_string(i);
        out += R"(,"method":")";
        out += method;
        out += R"(","params":)";
        out += params_json[i];
        out += '}';
    }
    out += ']';
    return out;
}

Result<BlockReceipts, std::string> scan_block_receipts(std::string_view body) {
    ReceiptsScanner s;
    if (!Json::sax_parse(body, &s)) {
        return unexpected(s.error().empty() ? std::string("invalid JSON") : s.error());
    }
    return std::move(s.out);
}

Result<BatchStrings, std::string> scan_batch_strings(std::string_view body, size_t n) {
    BatchScanner s(n);
    if (!Json::sax_parse(body, &s) || !s.complete()) {
        return unexpected(s.error().empty() ? std::string("invalid JSON") : s.error());
    }
    return std::move(s.out);
}

}  // namespace xl::cli

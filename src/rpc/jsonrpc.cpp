// SPDX-License-Identifier: Apache-2.0
// Xinlian rpc: the JSON-RPC 2.0 Dispatcher (jsonrpc.hpp). Responses are written as text
// directly ({"jsonrpc":"2.0","id":..,"result":..}) so that a result is serialised once and the
// members come in the conventional order. Thread-safety: see jsonrpc.hpp.
#include "rpc/jsonrpc.hpp"

#include <exception>
#include <string>
#include <utility>

namespace xl::rpc {
namespace {

constexpr std::string_view kNullId = "null";
// A parse error quotes nlohmann's message, which ends with the token it stopped at; a token
// can be megabytes long, so the message is cut here.
constexpr size_t kMaxParseMessage = 160;

std::string dump(const Json& j) {
    // Invalid UTF-8 in a handler's strings becomes U+FFFD instead of an exception.
    return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string error_text(std::string_view id, const Error& e) {
    Json err = {{"code", e.code}, {"message", e.message}};
    if (e.data) err["data"] = *e.data;
    std::string out = R"({"jsonrpc":"2.0","id":)";
    out += id;
    out += R"(,"error":)";
    out += dump(err);
    out += '}';
    return out;
}

std::string result_text(std::string_view id, std::string_view body) {
    std::string out;
    out.reserve(body.size() + id.size() + 32);
    out += R"({"jsonrpc":"2.0","id":)";
    out += id;
    out += R"(,"result":)";
    out += body;
    out += '}';
    return out;
}

Error invalid_request(std::string_view why) {
    return Error{kInvalidRequest, "invalid request: " + std::string(why), std::nullopt};
}

// True if arrays and objects in `text` nest deeper than max_depth. Brackets inside strings
// do not count. Text that is not JSON may be misjudged; the parser rejects it anyway.
bool nests_deeper(std::string_view text, size_t max_depth) noexcept {
    size_t depth = 0;
    bool in_string = false;
    bool escaped = false;
    for (char c : text) {
        if (in_string) {
            if (escaped) {
                escaped = false;
            } else if (c == '\\') {
                escaped = true;
            } else if (c == '"') {
                in_string = false;
            }
            continue;
        }
        if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            if (++depth > max_depth) return true;
        } else if ((c == ']' || c == '}') && depth > 0) {
            --depth;
        }
    }
    return false;
}

// "[json.exception.parse_error.101] parse error at line 1, column 2: ..." -> "parse error at
// line 1, column 2: ...", cut to kMaxParseMessage characters.
std::string parse_error_message(const char* what) {
    std::string_view w(what);
    if (auto pos = w.find("] "); pos != std::string_view::npos) w.remove_prefix(pos + 2);
    if (w.size() > kMaxParseMessage) w = w.substr(0, kMaxParseMessage);
    std::string msg(w);
    if (msg.rfind("parse error", 0) != 0) msg = "parse error: " + msg;
    return msg;
}

// A request object that passed validation.
struct Call {
    std::string id;  // the id as JSON text; empty for a notification
    const std::string* method = nullptr;
    const Json* params = nullptr;  // nullptr when absent
};

// A request that failed validation: the error and the id to answer with.
struct Rejected {
    std::string id;
    Error error;
};

Result<Call, Rejected> validate(const Json& r) {
    if (!r.is_object()) {
        return unexpected(Rejected{std::string(kNullId), invalid_request("not an object")});
    }
    Call call;
    if (auto it = r.find("id"); it != r.end()) {
        // JSON-RPC 2.0 §4: a String, Number or Null. A null id is a call, not a notification.
        if (!it->is_string() && !it->is_number() && !it->is_null()) {
            return unexpected(Rejected{std::string(kNullId),
                                       invalid_request("id must be a string, a number or null")});
        }
        call.id = dump(*it);
    }
    const std::string& reply_id = call.id.empty() ? std::string(kNullId) : call.id;
    auto version = r.find("jsonrpc");
    if (version == r.end() || !version->is_string() ||
        version->get_ref<const std::string&>() != "2.0") {
        return unexpected(Rejected{reply_id, invalid_request(R"("jsonrpc" must be "2.0")")});
    }
    auto method = r.find("method");
    if (method == r.end()) {
        return unexpected(Rejected{reply_id, invalid_request("missing method")});
    }
    if (!method->is_string()) {
        return unexpected(Rejected{reply_id, invalid_request("method must be a string")});
    }
    call.method = &method->get_ref<const std::string&>();
    if (auto params = r.find("params"); params != r.end()) {
        if (!params->is_array() && !params->is_object() && !params->is_null()) {
            return unexpected(
                Rejected{reply_id, invalid_request("params must be an array or an object")});
        }
        call.params = &*params;
    }
    return call;
}

// Runs a handler of either kind: the result as JSON text, or the error.
Result<std::string, Error> run_handler(const std::variant<Handler, RawHandler>& handler,
                                       const Json& params, Session& session) {
    if (const auto* raw = std::get_if<RawHandler>(&handler)) {
        auto r = (*raw)(params, session);
        if (!r) return unexpected(std::move(r).error());
        return std::move(r->text);
    }
    auto r = std::get<Handler>(handler)(params, session);
    if (!r) return unexpected(std::move(r).error());
    return dump(*r);
}

}  // namespace

void Dispatcher::add(std::string method, Handler handler) {
    methods_.insert_or_assign(std::move(method), std::move(handler));
}

void Dispatcher::add_raw(std::string method, RawHandler handler) {
    methods_.insert_or_assign(std::move(method), std::move(handler));
}

bool Dispatcher::has(std::string_view method) const {
    return methods_.find(method) != methods_.end();
}

std::optional<std::string> Dispatcher::handle(std::string_view body, Session& session) const {
    if (body.size() > limits_.max_request_bytes) {
        return error_text(kNullId,
                          Error{kLimitExceeded,
                                "request too large: " + std::to_string(body.size()) + " > " +
                                    std::to_string(limits_.max_request_bytes) + " bytes",
                                std::nullopt});
    }
    if (nests_deeper(body, limits_.max_depth)) {
        return error_text(kNullId, Error{kLimitExceeded,
                                         "request nesting too deep: over " +
                                             std::to_string(limits_.max_depth) + " levels",
                                         std::nullopt});
    }
    Json request;
    try {
        request = Json::parse(body);
    } catch (const Json::parse_error& e) {
        return error_text(kNullId, Error{kParseError, parse_error_message(e.what()), std::nullopt});
    } catch (const Json::exception&) {
        // nlohmann throws out_of_range (not parse_error) for a number beyond a double, e.g.
        // 1e400: still malformed input, never a crash (found by the jsonrpc fuzzer).
        return error_text(kNullId,
                          Error{kParseError, "parse error: number out of range", std::nullopt});
    }
    return respond(request, session);
}

std::optional<Json> Dispatcher::handle_json(const Json& request, Session& session) const {
    auto text = respond(request, session);
    if (!text) return std::nullopt;
    return Json::parse(*text);
}

std::optional<std::string> Dispatcher::respond(const Json& request, Session& session) const {
    if (!request.is_array()) {
        auto out = handle_one(request, session, false);
        if (out && out->size() > limits_.max_response_bytes) {
            const auto& id = request.find("id");  // handle_one answered, so the id is valid
            std::string id_text = id != request.end() ? dump(*id) : std::string(kNullId);
            return error_text(id_text,
                              Error{kLimitExceeded,
                                    "response too large: " + std::to_string(out->size()) + " > " +
                                        std::to_string(limits_.max_response_bytes) + " bytes",
                                    std::nullopt});
        }
        return out;
    }
    if (request.empty()) return error_text(kNullId, invalid_request("empty batch"));
    if (request.size() > limits_.max_batch) {
        return error_text(kNullId, Error{kLimitExceeded,
                                         "batch too large: " + std::to_string(request.size()) +
                                             " > " + std::to_string(limits_.max_batch),
                                         std::nullopt});
    }
    // Responses in request order; notifications leave no entry (JSON-RPC 2.0 §6). Once the
    // batch's response passes max_response_bytes, the remaining calls are not run and are
    // answered with an error, as geth does.
    std::string out = "[";
    bool any = false;
    bool over = false;
    for (const Json& r : request) {
        auto one = handle_one(r, session, over);
        if (!one) continue;
        if (any) out += ',';
        out += *one;
        any = true;
        over = over || out.size() > limits_.max_response_bytes;
    }
    if (!any) return std::nullopt;
    out += ']';
    return out;
}

std::optional<std::string> Dispatcher::handle_one(const Json& request, Session& session,
                                                  bool response_full) const {
    auto call = validate(request);
    if (!call) return error_text(call.error().id, call.error().error);
    const bool notification = call->id.empty();
    if (response_full) {
        if (notification) return std::nullopt;
        return error_text(call->id, Error{kLimitExceeded,
                                          "response too large: batch over " +
                                              std::to_string(limits_.max_response_bytes) + " bytes",
                                          std::nullopt});
    }
    auto it = methods_.find(*call->method);
    if (it == methods_.end()) {
        if (notification) return std::nullopt;
        return error_text(call->id,
                          Error{kMethodNotFound,
                                "the method " + *call->method + " does not exist/is not available",
                                std::nullopt});
    }
    static const Json kNoParams;  // null
    const Json& params = call->params != nullptr ? *call->params : kNoParams;
    // The result's JSON text, or the error.
    std::optional<Result<std::string, Error>> result;
    try {
        result.emplace(run_handler(it->second, params, session));
    } catch (const std::exception& e) {
        result.emplace(unexpected(
            Error{kInternalError, std::string("internal error: ") + e.what(), std::nullopt}));
    } catch (...) {
        result.emplace(unexpected(Error{kInternalError, "internal error", std::nullopt}));
    }
    if (notification) return std::nullopt;
    if (!*result) return error_text(call->id, result->error());
    return result_text(call->id, **result);
}

const Json* param(const Json& params, size_t i) noexcept {
    if (!params.is_array() || i >= params.size()) return nullptr;
    return &params[i];
}

Error invalid_params(std::string message) {
    return Error{kInvalidParams, std::move(message), std::nullopt};
}

}  // namespace xl::rpc

// SPDX-License-Identifier: Apache-2.0
// Tests of the JSON-RPC 2.0 Dispatcher (rpc/jsonrpc.hpp): single requests, notifications and
// batches per https://www.jsonrpc.org/specification, the error texts geth gives, and limits.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "rpc/jsonrpc.hpp"

namespace xl::rpc {
namespace {

class FakeSession final : public Session {
public:
    bool can_push() const noexcept override { return false; }
    void push(Json n) override { pushed.push_back(std::move(n)); }
    void on_close(std::function<void()> f) override { hooks.push_back(std::move(f)); }
    uint64_t id() const noexcept override { return 7; }

    std::vector<Json> pushed;
    std::vector<std::function<void()>> hooks;
};

class DispatcherTest : public ::testing::Test {
protected:
    explicit DispatcherTest(Limits limits = {}) : d(limits) {
        d.add("echo", [](const Json& params, Session&) -> Result<Json, Error> { return params; });
        d.add("add", [this](const Json& params, Session&) -> Result<Json, Error> {
            ++calls;
            const Json* a = param(params, 0);
            const Json* b = param(params, 1);
            if (a == nullptr || b == nullptr || !a->is_number_integer() ||
                !b->is_number_integer()) {
                return unexpected(invalid_params("expected two integers"));
            }
            return Json(a->get<int64_t>() + b->get<int64_t>());
        });
        d.add("note", [this](const Json&, Session&) -> Result<Json, Error> {
            ++notes;
            return Json("ignored");
        });
        d.add("throws", [](const Json&, Session&) -> Result<Json, Error> {
            throw std::runtime_error("boom");
        });
        d.add("revert", [](const Json&, Session&) -> Result<Json, Error> {
            return unexpected(Error{kExecutionReverted, "execution reverted", Json("0x08c379a0")});
        });
        d.add("session",
              [](const Json&, Session& s) -> Result<Json, Error> { return Json(s.id()); });
    }

    // Parses the response, failing the test if there is none.
    Json call(const std::string& body) {
        auto out = d.handle(body, session);
        EXPECT_TRUE(out.has_value()) << body;
        if (!out) return Json();
        return Json::parse(*out);
    }

    Dispatcher d;
    FakeSession session;
    int calls = 0;
    int notes = 0;
};

TEST_F(DispatcherTest, SingleRequestEchoesNumericId) {
    Json r = call(R"({"jsonrpc":"2.0","id":1,"method":"add","params":[2,3]})");
    EXPECT_EQ(r, Json::parse(R"({"jsonrpc":"2.0","id":1,"result":5})"));
}

TEST_F(DispatcherTest, StringAndNullIdsAreEchoed) {
    EXPECT_EQ(call(R"({"jsonrpc":"2.0","id":"abc","method":"add","params":[1,1]})")["id"], "abc");
    Json r = call(R"({"jsonrpc":"2.0","id":null,"method":"add","params":[1,1]})");
    ASSERT_TRUE(r.contains("id"));
    EXPECT_TRUE(r["id"].is_null());
    EXPECT_EQ(r["result"], 2);
    EXPECT_EQ(call(R"({"jsonrpc":"2.0","id":1.5,"method":"add","params":[1,1]})")["id"], 1.5);
}

TEST_F(DispatcherTest, ResponseMembersInConventionalOrder) {
    auto out = d.handle(R"({"method":"echo","params":[1],"id":9,"jsonrpc":"2.0"})", session);
    ASSERT_TRUE(out);
    EXPECT_EQ(*out, R"({"jsonrpc":"2.0","id":9,"result":[1]})");
}

TEST_F(DispatcherTest, NotificationGetsNoResponseButRuns) {
    EXPECT_FALSE(d.handle(R"({"jsonrpc":"2.0","method":"note"})", session));
    EXPECT_EQ(notes, 1);
    // Errors of a notification are not reported either (JSON-RPC 2.0 §4.1).
    EXPECT_FALSE(d.handle(R"({"jsonrpc":"2.0","method":"eth_foo"})", session));
    EXPECT_FALSE(d.handle(R"({"jsonrpc":"2.0","method":"throws"})", session));
}

TEST_F(DispatcherTest, ParamsMayBeAbsentObjectOrNull) {
    EXPECT_TRUE(call(R"({"jsonrpc":"2.0","id":1,"method":"echo"})")["result"].is_null());
    EXPECT_EQ(call(R"({"jsonrpc":"2.0","id":1,"method":"echo","params":{"a":1}})")["result"],
              Json::parse(R"({"a":1})"));
    EXPECT_TRUE(
        call(R"({"jsonrpc":"2.0","id":1,"method":"echo","params":null})")["result"].is_null());
}

TEST_F(DispatcherTest, MalformedJsonIsParseError) {
    Json r = call(R"({"jsonrpc":"2.0","id":1,"method":)");
    EXPECT_EQ(r["error"]["code"], kParseError);
    EXPECT_TRUE(r["id"].is_null());
    EXPECT_EQ(r["error"]["message"].get<std::string>().rfind("parse error", 0), 0u) << r.dump();
    EXPECT_EQ(call("")["error"]["code"], kParseError);
    EXPECT_EQ(call("\xff\xfe garbage")["error"]["code"], kParseError);
    EXPECT_EQ(call(R"({"a":"\xff"})")["error"]["code"], kParseError);  // invalid UTF-8
    // A number beyond a double: nlohmann throws out_of_range, not parse_error (fuzzer find).
    Json big = call(R"({"jsonrpc":"2.0","id":1e400,"method":"add"})");
    EXPECT_EQ(big["error"]["code"], kParseError) << big.dump();
    EXPECT_EQ(big["error"]["message"], "parse error: number out of range");
}

TEST_F(DispatcherTest, WrongOrMissingVersionIsInvalidRequest) {
    for (const char* body : {R"({"jsonrpc":"1.0","id":3,"method":"add","params":[1,2]})",
                             R"({"id":3,"method":"add","params":[1,2]})",
                             R"({"jsonrpc":2.0,"id":3,"method":"add","params":[1,2]})"}) {
        Json r = call(body);
        EXPECT_EQ(r["error"]["code"], kInvalidRequest) << body;
        EXPECT_EQ(r["error"]["message"], R"(invalid request: "jsonrpc" must be "2.0")");
        EXPECT_EQ(r["id"], 3);
    }
    EXPECT_EQ(calls, 0);
}

TEST_F(DispatcherTest, InvalidRequestsArePrecise) {
    auto message = [&](const std::string& body) {
        Json r = call(body);
        EXPECT_EQ(r["error"]["code"], kInvalidRequest) << body;
        return r["error"]["message"].get<std::string>();
    };
    EXPECT_EQ(message(R"({"jsonrpc":"2.0","id":1})"), "invalid request: missing method");
    EXPECT_EQ(message(R"({"jsonrpc":"2.0","id":1,"method":5})"),
              "invalid request: method must be a string");
    EXPECT_EQ(message(R"({"jsonrpc":"2.0","id":{},"method":"add"})"),
              "invalid request: id must be a string, a number or null");
    EXPECT_EQ(message(R"({"jsonrpc":"2.0","id":1,"method":"echo","params":"x"})"),
              "invalid request: params must be an array or an object");
    EXPECT_EQ(message("5"), "invalid request: not an object");
    EXPECT_EQ(message("[]"), "invalid request: empty batch");
    // Without a (valid) id the error still gets an answer, with a null id (spec §7 examples).
    Json r = call(R"({"jsonrpc":"2.0","method":1,"params":"bar"})");
    EXPECT_TRUE(r["id"].is_null());
}

TEST_F(DispatcherTest, UnknownMethodHasGethText) {
    Json r = call(R"({"jsonrpc":"2.0","id":"x","method":"eth_foo"})");
    EXPECT_EQ(r["error"]["code"], kMethodNotFound);
    EXPECT_EQ(r["error"]["message"], "the method eth_foo does not exist/is not available");
    EXPECT_EQ(r["id"], "x");
    EXPECT_TRUE(d.has("add"));
    EXPECT_FALSE(d.has("eth_foo"));
}

TEST_F(DispatcherTest, HandlerErrorsReachTheClient) {
    Json r = call(R"({"jsonrpc":"2.0","id":1,"method":"add","params":["a"]})");
    EXPECT_EQ(r["error"], Json::parse(R"({"code":-32602,"message":"expected two integers"})"));
    r = call(R"({"jsonrpc":"2.0","id":2,"method":"revert"})");
    EXPECT_EQ(r["error"],
              Json::parse(R"({"code":3,"message":"execution reverted","data":"0x08c379a0"})"));
    r = call(R"({"jsonrpc":"2.0","id":3,"method":"throws"})");
    EXPECT_EQ(r["error"]["code"], kInternalError);
    EXPECT_EQ(r["error"]["message"], "internal error: boom");
    EXPECT_FALSE(r.contains("result"));
}

TEST_F(DispatcherTest, HandlerSeesTheSession) {
    EXPECT_EQ(call(R"({"jsonrpc":"2.0","id":1,"method":"session"})")["result"], 7);
}

TEST_F(DispatcherTest, BatchAnswersInOrderWithoutNotifications) {
    Json r = call(R"([
        {"jsonrpc":"2.0","id":1,"method":"add","params":[1,2]},
        {"jsonrpc":"2.0","method":"note"},
        {"jsonrpc":"2.0","id":"b","method":"eth_foo"},
        5,
        {"jsonrpc":"2.0","id":3,"method":"add","params":[10,20]}
    ])");
    ASSERT_TRUE(r.is_array());
    ASSERT_EQ(r.size(), 4u);
    EXPECT_EQ(r[0]["result"], 3);
    EXPECT_EQ(r[1]["id"], "b");
    EXPECT_EQ(r[1]["error"]["code"], kMethodNotFound);
    EXPECT_EQ(r[2]["error"]["code"], kInvalidRequest);
    EXPECT_TRUE(r[2]["id"].is_null());
    EXPECT_EQ(r[3]["result"], 30);
    EXPECT_EQ(notes, 1);
}

TEST_F(DispatcherTest, AllNotificationBatchGetsNoResponse) {
    EXPECT_FALSE(d.handle(
        R"([{"jsonrpc":"2.0","method":"note"},{"jsonrpc":"2.0","method":"note"}])", session));
    EXPECT_EQ(notes, 2);
}

TEST_F(DispatcherTest, BatchOverLimitIsRejectedWhole) {
    Json batch = Json::array();
    for (int i = 0; i < 10000; ++i) {
        batch.push_back({{"jsonrpc", "2.0"}, {"id", i}, {"method", "add"}, {"params", {i, 1}}});
    }
    Json r = call(batch.dump());
    ASSERT_TRUE(r.is_object());
    EXPECT_EQ(r["error"]["code"], kLimitExceeded);
    EXPECT_EQ(r["error"]["message"], "batch too large: 10000 > 1000");
    EXPECT_EQ(calls, 0);
    batch.erase(batch.begin() + 1001, batch.end());
    EXPECT_EQ(call(batch.dump())["error"]["message"], "batch too large: 1001 > 1000");
    batch.erase(batch.begin() + 1000, batch.end());
    Json ok = call(batch.dump());
    ASSERT_EQ(ok.size(), 1000u);
    EXPECT_EQ(ok[999]["result"], 1000);
}

TEST_F(DispatcherTest, HandleJsonMatchesHandle) {
    auto r = d.handle_json(Json::parse(R"({"jsonrpc":"2.0","id":1,"method":"add","params":[2,2]})"),
                           session);
    ASSERT_TRUE(r);
    EXPECT_EQ((*r)["result"], 4);
    EXPECT_FALSE(d.handle_json(Json::parse(R"({"jsonrpc":"2.0","method":"note"})"), session));
}

TEST_F(DispatcherTest, DeepNestingIsRefusedBeforeParsing) {
    std::string deep = R"({"jsonrpc":"2.0","id":1,"method":"echo","params":)" +
                       std::string(100000, '[') + std::string(100000, ']') + "}";
    Json r = call(deep);
    EXPECT_EQ(r["error"]["code"], kLimitExceeded);
    EXPECT_EQ(r["error"]["message"], "request nesting too deep: over 128 levels");
    // Brackets inside strings do not count.
    std::string in_string = R"({"jsonrpc":"2.0","id":1,"method":"echo","params":[")" +
                            std::string(1000, '[') + R"(\"]"]})";
    EXPECT_TRUE(call(in_string).contains("result"));
}

TEST(Dispatcher, BodyOverLimitIsRefused) {
    Dispatcher d(Limits{.max_request_bytes = 10});
    FakeSession s;
    auto out = d.handle(R"({"jsonrpc":"2.0","id":1,"method":"x"})", s);
    ASSERT_TRUE(out);
    Json r = Json::parse(*out);
    EXPECT_EQ(r["error"]["code"], kLimitExceeded);
    EXPECT_EQ(r["error"]["message"], "request too large: 37 > 10 bytes");
}

TEST(Dispatcher, ResponseOverLimitBecomesAnError) {
    Dispatcher d(Limits{.max_response_bytes = 100});
    int runs = 0;
    d.add("big", [&](const Json&, Session&) -> Result<Json, Error> {
        ++runs;
        return Json(std::string(80, 'x'));
    });
    FakeSession s;
    auto single = Json::parse(*d.handle(R"({"jsonrpc":"2.0","id":1,"method":"big"})", s));
    EXPECT_EQ(single["error"]["code"], kLimitExceeded);
    EXPECT_EQ(single["id"], 1);
    EXPECT_EQ(single["error"]["message"], "response too large: 116 > 100 bytes");
    // In a batch, calls after the limit is passed are not run.
    runs = 0;
    Json small = Json::parse(*d.handle(
        R"([{"jsonrpc":"2.0","id":1,"method":"big"},{"jsonrpc":"2.0","id":2,"method":"big"},
            {"jsonrpc":"2.0","id":3,"method":"big"}])",
        s));
    ASSERT_EQ(small.size(), 3u);
    EXPECT_EQ(runs, 1);
    EXPECT_TRUE(small[0].contains("result"));
    EXPECT_EQ(small[1]["error"]["code"], kLimitExceeded);
    EXPECT_EQ(small[2]["id"], 3);
}

TEST(Dispatcher, AddReplacesAndParamHelpers) {
    Dispatcher d;
    d.add("m", [](const Json&, Session&) -> Result<Json, Error> { return Json(1); });
    d.add("m", [](const Json&, Session&) -> Result<Json, Error> { return Json(2); });
    FakeSession s;
    EXPECT_EQ(Json::parse(*d.handle(R"({"jsonrpc":"2.0","id":1,"method":"m"})", s))["result"], 2);
    Json arr = Json::parse("[1,2]");
    EXPECT_EQ(*param(arr, 1), 2);
    EXPECT_EQ(param(arr, 2), nullptr);
    EXPECT_EQ(param(Json(), 0), nullptr);
    EXPECT_EQ(param(Json::parse(R"({"a":1})"), 0), nullptr);
    EXPECT_EQ(invalid_params("bad").code, kInvalidParams);
}

TEST(Dispatcher, RawHandlerTextIsSplicedAsItIs) {
    Dispatcher d;
    int runs = 0;
    d.add_raw("raw", [&](const Json& p, Session&) -> Result<RawJson, Error> {
        ++runs;
        if (p.is_array() && !p.empty() && p[0] == "fail") {
            return unexpected(Error{kServerError, "refused", std::nullopt});
        }
        if (p.is_array() && !p.empty() && p[0] == "throw") throw std::runtime_error("bang");
        // Member order and spacing as written: the dispatcher does not re-serialise.
        return RawJson{R"({"z":1, "a":[true,null]})"};
    });
    FakeSession s;
    EXPECT_EQ(*d.handle(R"({"jsonrpc":"2.0","id":"x","method":"raw","params":[]})", s),
              R"({"jsonrpc":"2.0","id":"x","result":{"z":1, "a":[true,null]}})");
    Json failed =
        Json::parse(*d.handle(R"({"jsonrpc":"2.0","id":2,"method":"raw","params":["fail"]})", s));
    EXPECT_EQ(failed["error"]["code"], kServerError);
    EXPECT_EQ(failed["error"]["message"], "refused");
    Json thrown =
        Json::parse(*d.handle(R"({"jsonrpc":"2.0","id":3,"method":"raw","params":["throw"]})", s));
    EXPECT_EQ(thrown["error"]["code"], kInternalError);
    EXPECT_EQ(thrown["error"]["message"], "internal error: bang");
    // A notification runs and answers nothing; in a batch raw and Json results mix in order.
    runs = 0;
    EXPECT_FALSE(d.handle(R"({"jsonrpc":"2.0","method":"raw"})", s));
    EXPECT_EQ(runs, 1);
    d.add("json", [](const Json&, Session&) -> Result<Json, Error> { return Json(7); });
    Json batch = Json::parse(*d.handle(
        R"([{"jsonrpc":"2.0","id":1,"method":"raw"},{"jsonrpc":"2.0","method":"raw"},
            {"jsonrpc":"2.0","id":2,"method":"json"}])",
        s));
    ASSERT_EQ(batch.size(), 2u);
    EXPECT_EQ(batch[0]["result"]["a"], Json::parse("[true,null]"));
    EXPECT_EQ(batch[1]["result"], 7);
    // add and add_raw replace each other.
    d.add("raw", [](const Json&, Session&) -> Result<Json, Error> { return Json(8); });
    EXPECT_EQ(Json::parse(*d.handle(R"({"jsonrpc":"2.0","id":1,"method":"raw"})", s))["result"], 8);
    d.add_raw("json", [](const Json&, Session&) -> Result<RawJson, Error> { return RawJson{"9"}; });
    EXPECT_EQ(*d.handle(R"({"jsonrpc":"2.0","id":1,"method":"json"})", s),
              R"({"jsonrpc":"2.0","id":1,"result":9})");
}

TEST(Dispatcher, RawResultOverLimitBecomesAnError) {
    Dispatcher d(Limits{.max_response_bytes = 100});
    d.add_raw("big", [](const Json&, Session&) -> Result<RawJson, Error> {
        return RawJson{"\"" + std::string(80, 'x') + "\""};
    });
    FakeSession s;
    auto single = Json::parse(*d.handle(R"({"jsonrpc":"2.0","id":1,"method":"big"})", s));
    EXPECT_EQ(single["error"]["message"], "response too large: 116 > 100 bytes");
}

}  // namespace
}  // namespace xl::rpc

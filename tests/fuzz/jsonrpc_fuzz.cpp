// SPDX-License-Identifier: Apache-2.0
// Fuzz target for what a JSON-RPC client sends: any bytes as an HTTP body or WebSocket message
// go through the Dispatcher and every eth_/net_/web3_/xl_ method (over a fake backend holding a
// few blocks). Nothing may crash or throw out of handle(), and every response must be JSON.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "rpc/eth_api.hpp"
#include "rpc/jsonrpc.hpp"

#include "rpc/fake_backend.hpp"

namespace {

struct World {
    xl::rpc::testing::FakeBackend backend;
    xl::rpc::Dispatcher dispatcher;
    xl::rpc::testing::FakeSession session{1};
    World() {
        xl::rpc::register_eth_api(dispatcher, backend);
        for (int i = 0; i < 3; ++i)
            backend.commit(xl::rpc::BlockView{});
    }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static World w;
    const std::string_view body(reinterpret_cast<const char*>(data), size);
    const auto out = w.dispatcher.handle(body, w.session);
    if (out && !xl::rpc::Json::accept(*out)) {
        std::fprintf(stderr, "jsonrpc: response is not JSON: %s\n", out->c_str());
        std::abort();
    }
    return 0;
}

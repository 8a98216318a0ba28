// SPDX-License-Identifier: Apache-2.0
// Fuzz target for the block formats a node reads from disk and (with the network) from peers:
// BlockHeader, Block and Receipt decoding must never crash, and what they accept must be the
// one canonical encoding (encode gives back the input byte for byte).
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "crypto/suite.hpp"
#include "protocol/block.hpp"
#include "protocol/receipt.hpp"

namespace {

void check_same(xl::BytesView in, const xl::Bytes& again, const char* what) {
    if (again.size() != in.size() || !std::equal(again.begin(), again.end(), in.begin())) {
        std::fprintf(stderr, "block: %s accepted a non-canonical encoding\n", what);
        std::abort();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace xl;
    const BytesView in(data, size);
    protocol::BlockDiagnostic diag;
    if (auto h = protocol::BlockHeader::decode(in, &diag)) {
        check_same(in, h->encode(), "header");
        (void)h->hash(crypto::ecdsa_suite());
        (void)h->hash(crypto::sm_suite());
    } else if (protocol::to_string(h.error()).empty()) {
        std::abort();
    }
    for (const crypto::CryptoSuite* suite : {static_cast<const crypto::CryptoSuite*>(nullptr),
                                             &crypto::ecdsa_suite(), &crypto::sm_suite()}) {
        if (auto b = protocol::Block::decode(in, suite, &diag)) {
            check_same(in, b->encode(), "block");
            if (suite)
                for (const auto& tx : b->transactions)
                    if (!protocol::type_allowed(tx.type, *suite)) std::abort();
        }
    }
    if (auto r = protocol::Receipt::decode(in, &diag)) {
        check_same(in, r->encode(), "receipt");
        (void)protocol::bloom_of(r->logs);
    }
    return 0;
}

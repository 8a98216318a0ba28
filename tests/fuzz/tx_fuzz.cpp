// SPDX-License-Identifier: Apache-2.0
// Fuzz target for transaction decoding, the first thing done to bytes from RPC and peers.
// decode_transaction must never crash; what it accepts must be the one canonical encoding
// (encode gives back the input byte for byte), and hashing, validation and sender recovery
// under both suites must not crash on anything it accepts.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "crypto/suite.hpp"
#include "protocol/transaction.hpp"
#include "protocol/validation.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace xl;
    BytesView in(data, size);
    protocol::DecodeDiagnostic diag;
    auto tx = protocol::decode_transaction(in, &diag);
    if (!tx) {
        if (protocol::to_string(tx.error()).empty()) std::abort();
        return 0;
    }
    const Bytes again = tx->encode();
    if (again.size() != size || !std::equal(again.begin(), again.end(), in.begin())) {
        std::fprintf(stderr, "tx: accepted a non-canonical encoding\n");
        std::abort();
    }
    // A decoded transaction decodes again to itself.
    auto twice = protocol::decode_transaction(again);
    if (!twice || !(*twice == *tx)) std::abort();
    for (const crypto::CryptoSuite* suite : {&crypto::ecdsa_suite(), &crypto::sm_suite()}) {
        (void)tx->hash(*suite);
        (void)tx->signing_hash(*suite);
        (void)protocol::validate_transaction(*tx, *suite, 1);
        (void)protocol::check_transaction(*tx, *suite, 1);
        auto sender = tx->recover_sender(*suite);
        // Exactly one suite can name a sender: the one the type belongs to.
        if (sender && !protocol::type_allowed(tx->type, *suite)) std::abort();
    }
    (void)protocol::intrinsic_gas(*tx);
    return 0;
}

// SPDX-License-Identifier: Apache-2.0
// Fuzz target for the consensus messages a node takes from any peer (consensus::decode_message:
// proposals, votes, finalized blocks, sync requests) and the safety record it reads from disk.
// Decoding must never crash, what it accepts must be the one canonical encoding, and checking
// an accepted certificate or vote signature against a validator set must not crash either.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "consensus/engine.hpp"
#include "crypto/suite.hpp"

namespace {

void check_same(xl::BytesView in, const xl::Bytes& again, const char* what) {
    if (again.size() != in.size() || !std::equal(again.begin(), again.end(), in.begin())) {
        std::fprintf(stderr, "consensus: %s accepted a non-canonical encoding\n", what);
        std::abort();
    }
}

// Four validators with keys derived from fixed strings.
const xl::consensus::ValidatorSet& validators(const xl::crypto::CryptoSuite& suite) {
    auto make = [](const xl::crypto::CryptoSuite& s) {
        std::vector<xl::consensus::Validator> vs;
        for (int i = 0; i < 4; ++i) {
            const std::string seed = "xl-fuzz-validator-" + std::to_string(i);
            const auto sk = xl::crypto::SecretKey::from(s.hash(xl::as_bytes(seed)));
            const auto pk = *s.public_key(sk);
            vs.push_back({s.address(pk), pk, 1});
        }
        return xl::consensus::ValidatorSet(std::move(vs));
    };
    static const xl::consensus::ValidatorSet ecdsa = make(xl::crypto::ecdsa_suite());
    static const xl::consensus::ValidatorSet sm = make(xl::crypto::sm_suite());
    return suite.id() == xl::crypto::SuiteId::kEcdsa ? ecdsa : sm;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace xl;
    const BytesView in(data, size);
    for (const crypto::CryptoSuite* suite : {&crypto::ecdsa_suite(), &crypto::sm_suite()}) {
        auto m = consensus::decode_message(in, *suite);
        if (!m) {
            if (protocol::to_string(m.error()).empty()) std::abort();
            continue;
        }
        check_same(in, consensus::encode_message(*m), "decode_message");
        const auto& vs = validators(*suite);
        if (const auto* v = std::get_if<protocol::Vote>(&*m)) {
            (void)v->sign_bytes(1);
        } else if (const auto* p = std::get_if<protocol::Proposal>(&*m)) {
            (void)p->sign_bytes(1, p->block.header.hash(*suite));
            if (p->prev_certificate)
                (void)consensus::verify_certificate(*suite, 1, vs, *p->prev_certificate);
        } else if (const auto* f = std::get_if<protocol::FinalizedBlock>(&*m)) {
            (void)f->certificate.hash(*suite);
            (void)consensus::verify_certificate(*suite, 1, vs, f->certificate);
        }
    }
    if (auto r = consensus::SafetyRecord::decode(in)) check_same(in, r->encode(), "safety record");
    return 0;
}

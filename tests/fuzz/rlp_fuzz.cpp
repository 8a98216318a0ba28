// SPDX-License-Identifier: Apache-2.0
// Fuzz target for strict RLP: decode_item must never crash, and whatever it accepts must be
// the one canonical encoding of the tree, so encode_item gives back the input byte for byte.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "codec/rlp.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    xl::BytesView in(data, size);
    auto item = xl::rlp::decode_item(in);
    if (!item) return 0;
    xl::Bytes again = xl::rlp::encode_item(*item);
    if (again.size() != size || !std::equal(again.begin(), again.end(), in.begin())) {
        std::fprintf(stderr, "rlp: accepted a non-canonical encoding\n");
        std::abort();
    }
    // The typed readers must agree with the generic decoder on the top-level kind.
    xl::rlp::Reader r(in);
    if (item->is_list != r.read_list().has_value()) std::abort();
    return 0;
}

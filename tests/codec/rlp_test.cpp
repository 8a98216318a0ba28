// SPDX-License-Identifier: Apache-2.0
// Unit tests of strict RLP: known encodings (Yellow Paper Appendix B), every DecodeError,
// seeded random round trips, truncation at every offset, and random bytes.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "codec/rlp.hpp"
#include "common/seed.hpp"

using namespace xl;
using rlp::DecodeError;

namespace {

Bytes enc_str(std::string_view s) {
    Bytes out;
    rlp::encode_string(out, as_bytes(s));
    return out;
}
Bytes enc_u64(uint64_t v) {
    Bytes out;
    rlp::encode_uint(out, v);
    return out;
}
DecodeError item_error(std::string_view hex) {
    auto r = rlp::decode_item(hex_literal(hex));
    EXPECT_FALSE(r) << hex;
    return r ? DecodeError::kTooDeep : r.error();  // any value: the EXPECT above failed
}
rlp::Item list_item(std::vector<rlp::Item> l) {
    return rlp::Item{true, {}, std::move(l)};
}

}  // namespace

TEST(Rlp, YellowPaperExamples) {
    EXPECT_EQ(to_hex(enc_str("dog")), "0x83646f67");
    EXPECT_EQ(to_hex(enc_str("")), "0x80");
    EXPECT_EQ(to_hex(enc_str(std::string(1, '\0'))), "0x00");
    EXPECT_EQ(to_hex(enc_str("\x7f")), "0x7f");
    EXPECT_EQ(to_hex(enc_str("\x80")), "0x8180");
    EXPECT_EQ(to_hex(enc_u64(0)), "0x80");
    EXPECT_EQ(to_hex(enc_u64(15)), "0x0f");
    EXPECT_EQ(to_hex(enc_u64(127)), "0x7f");
    EXPECT_EQ(to_hex(enc_u64(128)), "0x8180");
    EXPECT_EQ(to_hex(enc_u64(1024)), "0x820400");
    EXPECT_EQ(to_hex(enc_u64(UINT64_MAX)), "0x88ffffffffffffffff");
    auto cat_dog = rlp::ListBuilder().add_string(as_bytes("cat")).add_string(as_bytes("dog"));
    EXPECT_EQ(to_hex(cat_dog.finish()), "0xc88363617483646f67");
    EXPECT_EQ(to_hex(rlp::ListBuilder().finish()), "0xc0");
    // The set-theoretic representation of three: [ [], [[]], [ [], [[]] ] ].
    rlp::Item e = list_item({});
    rlp::Item three = list_item({e, list_item({e}), list_item({e, list_item({e})})});
    EXPECT_EQ(to_hex(rlp::encode_item(three)), "0xc7c0c1c0c3c0c1c0");
    rlp::ListBuilder inner;
    inner.add_list(rlp::ListBuilder());
    EXPECT_EQ(to_hex(rlp::ListBuilder().add_list(inner).add_raw(enc_u64(1)).finish()),
              "0xc3c1c001");
    const std::string lorem = "Lorem ipsum dolor sit amet, consectetur adipisicing elit";
    ASSERT_EQ(lorem.size(), 56u);
    Bytes l = enc_str(lorem);
    EXPECT_EQ(l.size(), 58u);
    EXPECT_EQ(l[0], 0xb8);
    EXPECT_EQ(l[1], 56);
    EXPECT_EQ(enc_str(lorem.substr(0, 55))[0], 0x80 + 55);
    std::vector<Bytes> items(2, enc_str(lorem));
    Bytes big_list = rlp::encode_list(items);
    EXPECT_EQ(to_hex(BytesView(big_list).first(3)), "0xf874b8");  // 116 bytes of payload
}

TEST(Rlp, LongLengths) {
    Bytes s(1024, 0xab);
    Bytes e;
    rlp::encode_string(e, s);
    EXPECT_EQ(to_hex(BytesView(e).first(3)), "0xb90400");
    auto d = rlp::decode_string(e);
    ASSERT_TRUE(d);
    EXPECT_TRUE(std::equal(d->begin(), d->end(), s.begin(), s.end()));
    Bytes h;
    rlp::encode_list_header(h, 0x10000);
    EXPECT_EQ(to_hex(h), "0xfa010000");
}

TEST(Rlp, U256) {
    Bytes out;
    rlp::encode_uint(out, U256(0));
    EXPECT_EQ(to_hex(out), "0x80");
    out.clear();
    rlp::encode_uint(out, U256(0x7f));
    EXPECT_EQ(to_hex(out), "0x7f");
    out.clear();
    Bytes max(32, 0xff);
    U256 m = U256::from_be_bytes(max);
    rlp::encode_uint(out, m);
    EXPECT_EQ(out.size(), 33u);
    EXPECT_EQ(out[0], 0xa0);
    rlp::Reader r(out);
    auto v = r.read_u256();
    ASSERT_TRUE(v);
    EXPECT_TRUE(*v == m);
    EXPECT_TRUE(r.finish());
    // 33 bytes: wider than 256 bits.
    Bytes wide =
        hex_literal("a1010000000000000000000000000000000000000000000000000000000000000000");
    EXPECT_EQ(rlp::Reader(wide).read_u256().error(), DecodeError::kOverflow);
    EXPECT_EQ(rlp::Reader(hex_literal("820001")).read_u256().error(), DecodeError::kLeadingZeros);
    EXPECT_EQ(rlp::Reader(hex_literal("00")).read_u256().error(), DecodeError::kLeadingZeros);
    auto one = rlp::Reader(hex_literal("01")).read_u256();
    ASSERT_TRUE(one);
    EXPECT_TRUE(*one == U256(1));
}

TEST(Rlp, ReadU64) {
    for (uint64_t v : {uint64_t{0}, uint64_t{1}, uint64_t{0x7f}, uint64_t{0x80}, uint64_t{0xff},
                       uint64_t{0x100}, uint64_t{1} << 56, UINT64_MAX}) {
        Bytes e = enc_u64(v);
        rlp::Reader r(e);
        auto d = r.read_u64();
        ASSERT_TRUE(d) << v;
        EXPECT_EQ(*d, v);
        EXPECT_TRUE(r.finish());
    }
    EXPECT_EQ(rlp::Reader(hex_literal("89010000000000000000")).read_u64().error(),
              DecodeError::kOverflow);
    EXPECT_EQ(rlp::Reader(hex_literal("00")).read_u64().error(), DecodeError::kLeadingZeros);
    EXPECT_EQ(rlp::Reader(hex_literal("820080")).read_u64().error(), DecodeError::kLeadingZeros);
    EXPECT_EQ(rlp::Reader(hex_literal("c0")).read_u64().error(), DecodeError::kExpectedString);
}

TEST(Rlp, EveryDecodeError) {
    // kTruncated: empty input, short payloads, long lengths beyond the input.
    EXPECT_EQ(item_error(""), DecodeError::kTruncated);
    EXPECT_EQ(item_error("83646f"), DecodeError::kTruncated);
    EXPECT_EQ(item_error("b8"), DecodeError::kTruncated);
    EXPECT_EQ(item_error("b838"), DecodeError::kTruncated);
    EXPECT_EQ(item_error("c3c0"), DecodeError::kTruncated);
    EXPECT_EQ(item_error("f9"), DecodeError::kTruncated);
    EXPECT_EQ(item_error("bf0f000000000000021111"), DecodeError::kTruncated);
    EXPECT_EQ(item_error("ffffffffffffffffff00"), DecodeError::kTruncated);
    // An element longer than the list that contains it.
    EXPECT_EQ(item_error("c283646f67"), DecodeError::kTruncated);
    // kTrailingBytes.
    EXPECT_EQ(item_error("8000"), DecodeError::kTrailingBytes);
    EXPECT_EQ(item_error("c0c0"), DecodeError::kTrailingBytes);
    EXPECT_EQ(rlp::decode_string(hex_literal("0101")).error(), DecodeError::kTrailingBytes);
    EXPECT_EQ(rlp::open_list(hex_literal("c080")).error(), DecodeError::kTrailingBytes);
    {
        Bytes two = hex_literal("0102");
        rlp::Reader r(two);
        ASSERT_TRUE(r.read_u64());
        EXPECT_EQ(r.finish().error(), DecodeError::kTrailingBytes);
    }
    // kNonCanonicalSize: long form for < 56 bytes, or a length with leading zeros.
    EXPECT_EQ(item_error("b800"), DecodeError::kNonCanonicalSize);
    EXPECT_EQ(item_error("b80100"), DecodeError::kNonCanonicalSize);
    EXPECT_EQ(item_error("b837" + std::string(110, '1')), DecodeError::kNonCanonicalSize);
    EXPECT_EQ(item_error("b90038" + std::string(112, '1')), DecodeError::kNonCanonicalSize);
    EXPECT_EQ(item_error("f800"), DecodeError::kNonCanonicalSize);
    EXPECT_EQ(item_error("f80180"), DecodeError::kNonCanonicalSize);
    EXPECT_EQ(item_error("fa000038" + std::string(112, '1')), DecodeError::kNonCanonicalSize);
    // kSingleByteAsString, also inside a list.
    EXPECT_EQ(item_error("8100"), DecodeError::kSingleByteAsString);
    EXPECT_EQ(item_error("817f"), DecodeError::kSingleByteAsString);
    EXPECT_EQ(item_error("c28101"), DecodeError::kSingleByteAsString);
    EXPECT_TRUE(rlp::decode_item(hex_literal("8180")));
    // kLeadingZeros and kOverflow come from the integer readers (see ReadU64, U256).
    // kExpectedString / kExpectedList.
    EXPECT_EQ(rlp::decode_string(hex_literal("c0")).error(), DecodeError::kExpectedString);
    EXPECT_EQ(rlp::open_list(hex_literal("80")).error(), DecodeError::kExpectedList);
    EXPECT_EQ(rlp::Reader(hex_literal("05")).read_list().error(), DecodeError::kExpectedList);
    EXPECT_EQ(rlp::Reader(hex_literal("c0")).read_string().error(), DecodeError::kExpectedString);
    // kWrongLength.
    Bytes addr19;
    rlp::encode_string(addr19, Bytes(19, 1));
    EXPECT_EQ(rlp::Reader(addr19).read_fixed<20>().error(), DecodeError::kWrongLength);
    Bytes addr20;
    rlp::encode_string(addr20, Bytes(20, 1));
    auto a = rlp::Reader(addr20).read_fixed<20>();
    ASSERT_TRUE(a);
    EXPECT_EQ((*a)[19], 1);
    EXPECT_EQ(rlp::Reader(hex_literal("c0")).read_fixed<32>().error(),
              DecodeError::kExpectedString);
    // Every error has a message.
    for (int e = 0; e <= static_cast<int>(DecodeError::kTooDeep); ++e)
        EXPECT_TRUE(rlp::to_string(static_cast<DecodeError>(e)).starts_with("rlp: "));
}

TEST(Rlp, DepthLimit) {
    auto nested = [](size_t depth) {
        rlp::Item it = list_item({});
        for (size_t i = 1; i < depth; ++i)
            it = list_item({std::move(it)});
        return rlp::encode_item(it);
    };
    Bytes ok = nested(rlp::kMaxDepth);
    auto d = rlp::decode_item(ok);
    ASSERT_TRUE(d);
    EXPECT_EQ(rlp::encode_item(*d), ok);
    EXPECT_EQ(rlp::decode_item(nested(rlp::kMaxDepth + 1)).error(), DecodeError::kTooDeep);
    // Much deeper than the limit: an error, not a stack overflow.
    Bytes deep(100000, 0xc0);
    EXPECT_FALSE(rlp::decode_item(deep));
}

TEST(Rlp, ReaderWalksAList) {
    Bytes addr(20, 0x11);
    Bytes enc = rlp::ListBuilder()
                    .add_uint(7)
                    .add_string(addr)
                    .add_list(rlp::ListBuilder().add_string(as_bytes("x")))
                    .add_uint(U256(300))
                    .finish();
    auto r = rlp::open_list(enc);
    ASSERT_TRUE(r);
    EXPECT_EQ(*r->read_u64(), 7u);
    EXPECT_EQ(r->read_fixed<20>()->to_vector(), addr);
    auto raw = r->read_raw();
    ASSERT_TRUE(raw);
    EXPECT_EQ(to_hex(*raw), "0xc178");
    auto big = r->read_u256();
    ASSERT_TRUE(big);
    EXPECT_TRUE(*big == U256(300));
    EXPECT_TRUE(r->empty());
    EXPECT_TRUE(r->finish());
    EXPECT_EQ(r->read_raw().error(), DecodeError::kTruncated);
}

namespace {

rlp::Item random_item(std::mt19937_64& rng, int depth) {
    std::uniform_int_distribution<int> pick(0, 9);
    if (depth > 0 && pick(rng) < 4) {
        size_t n = std::uniform_int_distribution<size_t>(0, 6)(rng);
        if (pick(rng) == 0) n += 30;  // payloads above 55 bytes: the long list form
        rlp::Item it = list_item({});
        for (size_t i = 0; i < n; ++i)
            it.list.push_back(random_item(rng, depth - 1));
        return it;
    }
    static constexpr size_t kLens[] = {0, 1, 1, 1, 2, 20, 32, 55, 56, 57, 255, 256, 1100};
    size_t len = kLens[std::uniform_int_distribution<size_t>(0, std::size(kLens) - 1)(rng)];
    rlp::Item it;
    it.str.resize(len);
    for (auto& b : it.str)
        b = static_cast<uint8_t>(rng());
    if (len == 1 && pick(rng) < 5) it.str[0] &= 0x7f;
    return it;
}

}  // namespace

TEST(Rlp, RandomTreesRoundTripAndTruncate) {
    std::mt19937_64 rng(xl::test::test_seed("Rlp.RandomTreesRoundTripAndTruncate"));
    for (int i = 0; i < 300; ++i) {
        rlp::Item tree = random_item(rng, 5);
        Bytes enc = rlp::encode_item(tree);
        auto dec = rlp::decode_item(enc);
        ASSERT_TRUE(dec) << to_hex(enc) << ": " << rlp::to_string(dec.error());
        ASSERT_TRUE(*dec == tree);
        ASSERT_EQ(rlp::encode_item(*dec), enc);
        if (enc.size() > 4000) continue;  // keep the quadratic truncation loop fast
        for (size_t cut = 0; cut < enc.size(); ++cut) {
            auto t = rlp::decode_item(BytesView(enc).first(cut));
            ASSERT_FALSE(t) << "prefix " << cut << " of " << to_hex(enc);
            ASSERT_EQ(t.error(), DecodeError::kTruncated);
        }
        Bytes extra = enc;
        extra.push_back(static_cast<uint8_t>(rng()));
        ASSERT_EQ(rlp::decode_item(extra).error(), DecodeError::kTrailingBytes);
    }
}

TEST(Rlp, RandomBytesNeverCrashAndAreCanonical) {
    std::mt19937_64 rng(xl::test::test_seed("Rlp.RandomBytesNeverCrashAndAreCanonical"));
    size_t decoded = 0;
    for (int i = 0; i < 20000; ++i) {
        Bytes b(std::uniform_int_distribution<size_t>(0, 24)(rng));
        for (auto& x : b) {
            // Bias towards headers so that some inputs decode.
            x = static_cast<uint8_t>(rng() % 3 == 0 ? 0xc0 + rng() % 8 : rng());
        }
        auto d = rlp::decode_item(b);
        if (!d) continue;
        ++decoded;
        ASSERT_EQ(rlp::encode_item(*d), b) << to_hex(b);
    }
    EXPECT_GT(decoded, 0u);
}

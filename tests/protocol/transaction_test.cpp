// SPDX-License-Identifier: Apache-2.0
// Transactions: the EIP-155 worked example, signing round trips of every type under both
// suites, strict decoding (each malformation with its error), tampering and suite mismatch.
#include <gtest/gtest.h>

#include <random>
#include <set>

#include "codec/rlp.hpp"
#include "crypto/hash.hpp"
#include "protocol/limits.hpp"
#include "protocol/transaction.hpp"
#include "protocol/tx_testing.hpp"

using namespace xl;
using namespace xl::protocol;

namespace {

const crypto::CryptoSuite& ecdsa = crypto::ecdsa_suite();
const crypto::CryptoSuite& sm = crypto::sm_suite();

const crypto::SecretKey kKey46 = crypto::SecretKey::from(
    hex_literal("4646464646464646464646464646464646464646464646464646464646464646"));

// A signed transaction of `type` with small fixed fields and one access-list entry.
Transaction signed_tx(TxType type, const crypto::SecretKey& sk = kKey46) {
    Transaction tx;
    tx.type = type;
    tx.chain_id = U256(1001);
    tx.nonce = 7;
    tx.gas_price = U256(1000);
    tx.max_priority_fee = U256(2);
    tx.max_fee = U256(1000);
    tx.gas_limit = 100000;
    tx.to = Address::from(hex_literal("00112233445566778899aabbccddeeff00112233"));
    tx.value = U256(12345);
    tx.data = hex_literal("a9059cbb");
    if (type != TxType::kLegacy) {
        tx.access_list.push_back({tx.to.value(), {Hash256{}}});
    }
    const auto& suite = type == TxType::kSm ? sm : ecdsa;
    EXPECT_TRUE(tx.sign(suite, sk).has_value());
    return tx;
}

// The envelope as a generic RLP tree (payload after the type byte), to build malformations.
rlp::Item tree_of(const Bytes& envelope) {
    const bool typed = envelope[0] < 0x80;
    auto item = rlp::decode_item(BytesView(envelope).subspan(typed ? 1 : 0));
    EXPECT_TRUE(item.has_value());
    return *item;
}

Bytes envelope_of(TxType type, const rlp::Item& tree) {
    Bytes out;
    if (type != TxType::kLegacy) out.push_back(static_cast<uint8_t>(type));
    const Bytes body = rlp::encode_item(tree);
    out.insert(out.end(), body.begin(), body.end());
    return out;
}

rlp::Item str_item(const Bytes& b) {
    rlp::Item it;
    it.str = b;
    return it;
}

TxError decode_error(BytesView in, std::string* field = nullptr) {
    DecodeDiagnostic diag;
    auto tx = decode_transaction(in, &diag);
    EXPECT_FALSE(tx.has_value()) << to_hex(in);
    if (field) *field = std::string(diag.field);
    return tx ? TxError::kEmpty : tx.error();
}

}  // namespace

// EIP-155's worked example: signing data, signing hash, signature and raw transaction.
TEST(Transaction, Eip155Example) {
    Transaction tx;
    tx.type = TxType::kLegacy;
    tx.chain_id = U256(1);
    tx.nonce = 9;
    tx.gas_price = U256(20'000'000'000);
    tx.gas_limit = 21000;
    tx.to = Address::from(hex_literal("3535353535353535353535353535353535353535"));
    tx.value = U256(1'000'000'000'000'000'000);
    EXPECT_EQ(to_hex(tx.signing_message()),
              "0xec098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a7"
              "64000080018080");
    EXPECT_EQ(to_hex(tx.signing_hash(ecdsa)),
              "0xdaf5a779ae972f972197303d7b574746c7ef83eadac0f2791ad23db92e4c8e53");
    ASSERT_TRUE(tx.sign(ecdsa, kKey46).has_value());
    const std::string raw =
        "0xf86c098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a76400008"
        "025a028ef61340bd939bc2195fe537567866003e1a15d3c71ff63e1590620aa636276a067cbe9d8997f761a"
        "ecb703304b3800ccf555c9f3dc64214b297fb1966a3b6d83";
    EXPECT_EQ(to_hex(tx.encode()), raw);

    auto decoded = decode_transaction(hex_literal(raw));
    ASSERT_TRUE(decoded.has_value()) << to_string(decoded.error());
    EXPECT_EQ(*decoded, tx);
    EXPECT_EQ(decoded->chain_id, U256(1));
    EXPECT_EQ(decoded->y_parity, 0);
    auto sender = decoded->recover_sender(ecdsa);
    ASSERT_TRUE(sender.has_value());
    EXPECT_EQ(to_hex(*sender), "0x9d8a62f656a8d1615c1294fd71e9cfb3e4855a4f");
    EXPECT_EQ(decoded->hash(ecdsa), crypto::keccak256(hex_literal(raw)));
}

// Random transactions of every type, signed, encoded, decoded: the same transaction, the
// same bytes, the signer's address, and the suite hash of the bytes as the hash.
TEST(Transaction, SignDecodeRoundTripEveryType) {
    std::mt19937_64 rng(test::test_seed("Transaction.SignDecodeRoundTripEveryType"));
    const TxType types[] = {TxType::kLegacy, TxType::kAccessList, TxType::kDynamicFee, TxType::kSm};
    for (TxType type : types) {
        const auto& suite = type == TxType::kSm ? sm : ecdsa;
        for (int i = 0; i < 40; ++i) {
            const auto sk = test::random_key(rng, suite);
            Transaction tx = test::random_tx(rng, type);
            ASSERT_TRUE(tx.sign(suite, sk).has_value());
            const Bytes raw = tx.encode();
            auto decoded = decode_transaction(raw);
            ASSERT_TRUE(decoded.has_value())
                << to_string(type) << " " << to_string(decoded.error()) << " " << to_hex(raw);
            EXPECT_EQ(*decoded, tx) << to_hex(raw);
            EXPECT_EQ(decoded->encode(), raw);
            auto sender = decoded->recover_sender(suite);
            ASSERT_TRUE(sender.has_value()) << to_string(sender.error());
            EXPECT_EQ(*sender, suite.address(*suite.public_key(sk)));
            EXPECT_EQ(decoded->hash(suite), suite.hash(raw));
            if (type == TxType::kLegacy) {
                EXPECT_GE(raw[0], 0xc0);
            } else {
                EXPECT_EQ(raw[0], static_cast<uint8_t>(type));
            }
        }
    }
}

// The sm type under the sm suite: hash is SM3 of the envelope; the carried key is the signer's.
TEST(Transaction, SmTypeUsesSm3AndCarriesTheKey) {
    const Transaction tx = signed_tx(TxType::kSm);
    const Bytes raw = tx.encode();
    EXPECT_EQ(raw[0], 0x53);
    EXPECT_EQ(tx.hash(sm), crypto::sm3(raw));
    EXPECT_NE(tx.hash(sm), crypto::keccak256(raw));
    EXPECT_EQ(tx.sm_public_key, *sm.public_key(kKey46));
    EXPECT_EQ(tx.y_parity, 0);
    // The signing message is 0x53 || RLP(fields without r, s): the key is among them.
    const Bytes msg = tx.signing_message();
    EXPECT_EQ(msg[0], 0x53);
    auto fields = rlp::decode_item(BytesView(msg).subspan(1));
    ASSERT_TRUE(fields.has_value());
    ASSERT_EQ(fields->list.size(), 10u);
    EXPECT_EQ(fields->list[9].str, tx.sm_public_key.to_vector());
    EXPECT_TRUE(sm.verify(tx.sm_public_key, msg, {tx.r.to_hash(), tx.s.to_hash(), 0}));
}

// Every single-bit change of a signed sm transaction is caught: it no longer decodes, or its
// signature no longer verifies (there is no malleable encoding and no unsigned field).
TEST(Transaction, SmTamperingIsDetected) {
    std::mt19937_64 rng(test::test_seed("Transaction.SmTamperingIsDetected"));
    const Transaction tx = signed_tx(TxType::kSm);
    const Bytes raw = tx.encode();
    const Address signer = *tx.recover_sender(sm);
    for (size_t i = 0; i < raw.size(); ++i) {
        Bytes bad = raw;
        bad[i] ^= static_cast<uint8_t>(1u << (rng() % 8));
        auto decoded = decode_transaction(bad);
        if (!decoded) continue;
        auto sender = decoded->recover_sender(sm);
        EXPECT_FALSE(sender.has_value()) << "byte " << i << " changed, still verifies";
    }
    // Another valid key substituted for the signer's: the signature does not verify for it.
    Transaction other = tx;
    other.sm_public_key = *sm.public_key(test::random_key(rng, sm));
    EXPECT_EQ(other.recover_sender(sm).error(), TxError::kInvalidSender);
    // A key that is not on the curve decodes (it is 64 bytes) but does not verify.
    other.sm_public_key = crypto::PublicKey{};
    auto reencoded = decode_transaction(other.encode());
    ASSERT_TRUE(reencoded.has_value());
    EXPECT_EQ(reencoded->recover_sender(sm).error(), TxError::kInvalidSender);
    EXPECT_EQ(*decode_transaction(raw)->recover_sender(sm), signer);
}

// For ECDSA a changed signed field recovers another address (or nothing): never the signer.
TEST(Transaction, EcdsaTamperingChangesTheSender) {
    std::mt19937_64 rng(test::test_seed("Transaction.EcdsaTamperingChangesTheSender"));
    for (TxType type : {TxType::kLegacy, TxType::kAccessList, TxType::kDynamicFee}) {
        const Transaction tx = signed_tx(type);
        const Bytes raw = tx.encode();
        const Address signer = *tx.recover_sender(ecdsa);
        for (size_t i = 0; i < raw.size(); ++i) {
            Bytes bad = raw;
            bad[i] ^= static_cast<uint8_t>(1u << (rng() % 8));
            auto decoded = decode_transaction(bad);
            if (!decoded) continue;
            auto sender = decoded->recover_sender(ecdsa);
            if (sender) {
                EXPECT_NE(*sender, signer) << to_string(type) << " byte " << i;
            }
        }
    }
}

TEST(Transaction, TypeMustBelongToTheSuite) {
    Transaction sm_tx = signed_tx(TxType::kSm);
    EXPECT_EQ(sm_tx.recover_sender(ecdsa).error(), TxError::kTypeNotSupported);
    EXPECT_EQ(sm_tx.sign(ecdsa, kKey46).error(), TxError::kTypeNotSupported);
    for (TxType type : {TxType::kLegacy, TxType::kAccessList, TxType::kDynamicFee}) {
        Transaction tx = signed_tx(type);
        EXPECT_EQ(tx.recover_sender(sm).error(), TxError::kTypeNotSupported);
        EXPECT_EQ(tx.sign(sm, kKey46).error(), TxError::kTypeNotSupported);
        EXPECT_TRUE(type_allowed(type, ecdsa));
        EXPECT_FALSE(type_allowed(type, sm));
    }
    EXPECT_TRUE(type_allowed(TxType::kSm, sm));
    EXPECT_FALSE(type_allowed(TxType::kSm, ecdsa));
}

TEST(Transaction, SigningWithAnInvalidKeyFails) {
    Transaction tx = signed_tx(TxType::kDynamicFee);
    EXPECT_EQ(tx.sign(ecdsa, crypto::SecretKey{}).error(), TxError::kInvalidSecretKey);
    Transaction t2 = signed_tx(TxType::kSm);
    EXPECT_EQ(t2.sign(sm, crypto::SecretKey{}).error(), TxError::kInvalidSecretKey);
}

TEST(Decode, EnvelopeErrors) {
    const Bytes raw = signed_tx(TxType::kDynamicFee).encode();
    EXPECT_EQ(decode_error({}), TxError::kEmpty);
    EXPECT_EQ(decode_error(hex_literal("02")), TxError::kEmpty);
    // Type 3 (EIP-4844 blobs), type 0 as a type byte, unknown types, an RLP string.
    for (uint8_t t : {0x00, 0x03, 0x04, 0x52, 0x7f, 0x80, 0xb8, 0xbf}) {
        Bytes b = raw;
        b[0] = t;
        EXPECT_EQ(decode_error(b), TxError::kTypeNotSupported) << int{t};
    }
    Bytes trailing = raw;
    trailing.push_back(0x00);
    EXPECT_EQ(decode_error(trailing), TxError::kRlpTrailingBytes);
    Bytes legacy_trailing = signed_tx(TxType::kLegacy).encode();
    legacy_trailing.push_back(0x80);
    EXPECT_EQ(decode_error(legacy_trailing), TxError::kRlpTrailingBytes);
    Bytes truncated(raw.begin(), raw.end() - 1);
    EXPECT_EQ(decode_error(truncated), TxError::kRlpTruncated);
    // A typed envelope whose payload is a string, not a list.
    EXPECT_EQ(decode_error(hex_literal("02820102")), TxError::kRlpExpectedList);
}

TEST(Decode, SizeLimit) {
    // Exactly kMaxTxSize decodes; one byte more does not, whatever it contains. The signature
    // may change length (r or s with a leading zero byte), so adjust the data until it fits.
    Transaction tx = signed_tx(TxType::kDynamicFee);
    Bytes raw = tx.encode();
    for (int i = 0; i < 20 && raw.size() != kMaxTxSize; ++i) {
        const auto delta =
            static_cast<std::ptrdiff_t>(kMaxTxSize) - static_cast<std::ptrdiff_t>(raw.size());
        tx.data.resize(static_cast<size_t>(static_cast<std::ptrdiff_t>(tx.data.size()) + delta));
        ASSERT_TRUE(tx.sign(ecdsa, kKey46).has_value());
        raw = tx.encode();
    }
    ASSERT_EQ(raw.size(), kMaxTxSize);
    EXPECT_TRUE(decode_transaction(raw).has_value());
    raw.push_back(0);
    EXPECT_EQ(decode_error(raw), TxError::kOversized);
}

// Each field malformed in turn, through the generic RLP tree of a valid transaction.
TEST(Decode, FieldErrorsNameTheField) {
    const Bytes raw = signed_tx(TxType::kDynamicFee).encode();
    const rlp::Item good = tree_of(raw);
    ASSERT_EQ(good.list.size(), 12u);
    auto check = [&](rlp::Item t, TxError want, std::string_view want_field) {
        std::string field;
        EXPECT_EQ(decode_error(envelope_of(TxType::kDynamicFee, t), &field), want)
            << want_field << ": " << to_string(want);
        EXPECT_EQ(field, want_field);
    };
    rlp::Item t = good;
    t.list[1].str = hex_literal("0007");  // nonce with a leading zero
    check(t, TxError::kRlpNonCanonicalInt, "nonce");
    t = good;
    t.list[1].str = hex_literal("010000000000000000");  // nonce of 65 bits
    check(t, TxError::kRlpUint64Overflow, "nonce");
    t = good;
    t.list[3].str = Bytes(33, 0x01);  // maxFeePerGas of 33 bytes
    check(t, TxError::kRlpUint256Overflow, "maxFeePerGas");
    t = good;
    t.list[5].str = Bytes(19, 0x11);  // a 19-byte address
    check(t, TxError::kRlpWrongLength, "to");
    t = good;
    t.list[7] = rlp::Item{true, {}, {}};  // data given as a list
    check(t, TxError::kRlpExpectedString, "data");
    t = good;
    t.list[8] = str_item({});  // access list given as a string
    check(t, TxError::kRlpExpectedList, "accessList");
    t = good;
    t.list[8].list[0].list[0].str = Bytes(21, 0x22);
    check(t, TxError::kRlpWrongLength, "accessList address");
    t = good;
    t.list[8].list[0].list[1].list[0].str = Bytes(31, 0x33);
    check(t, TxError::kRlpWrongLength, "accessList storageKey");
    t = good;
    t.list[8].list[0].list.push_back(str_item({}));  // [address, keys, extra]
    check(t, TxError::kRlpTooManyElements, "accessList entry");
    t = good;
    t.list[8].list[0].list.pop_back();  // [address]
    check(t, TxError::kRlpTooFewElements, "accessList storageKeys");
    t = good;
    t.list.pop_back();
    check(t, TxError::kRlpTooFewElements, "s");
    t = good;
    t.list.push_back(str_item({}));
    check(t, TxError::kRlpTooManyElements, "envelope");
}

// yParity is checked when decoding; r and s when recovering the sender (after the chain id,
// as geth orders them), so these decode and then fail recover_sender.
TEST(Decode, SignatureValues) {
    const Bytes raw = signed_tx(TxType::kDynamicFee).encode();
    const rlp::Item good = tree_of(raw);
    auto err = [](const rlp::Item& t) { return decode_error(envelope_of(TxType::kDynamicFee, t)); };
    auto sender_err = [](const rlp::Item& t) {
        auto tx = decode_transaction(envelope_of(TxType::kDynamicFee, t));
        EXPECT_TRUE(tx.has_value());
        auto sender = tx->recover_sender(ecdsa);
        EXPECT_FALSE(sender.has_value());
        return sender ? TxError::kEmpty : sender.error();
    };
    const Bytes n = hex_literal("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141");
    const Bytes half_n =
        hex_literal("7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0");
    rlp::Item t = good;
    t.list[9].str = hex_literal("02");  // yParity 2
    EXPECT_EQ(err(t), TxError::kInvalidSignature);
    t.list[9].str = hex_literal("00");  // yParity 0 written as the byte 0x00, not 0x80
    EXPECT_EQ(err(t), TxError::kRlpNonCanonicalInt);
    t = good;
    t.list[10].str = {};  // r = 0
    EXPECT_EQ(sender_err(t), TxError::kInvalidSignature);
    t.list[10].str = n;  // r = n
    EXPECT_EQ(sender_err(t), TxError::kInvalidSignature);
    t = good;
    t.list[11].str = {};  // s = 0
    EXPECT_EQ(sender_err(t), TxError::kInvalidSignature);
    // EIP-2: s = n/2 is the largest accepted s (it recovers some key, or none: not ours to
    // say); n/2 + 1 is rejected before any recovery.
    t.list[11].str = half_n;
    auto at_half = decode_transaction(envelope_of(TxType::kDynamicFee, t));
    ASSERT_TRUE(at_half.has_value());
    auto half_sender = at_half->recover_sender(ecdsa);
    EXPECT_TRUE(half_sender.has_value() || half_sender.error() == TxError::kInvalidSender);
    Bytes half_n_plus_1 = half_n;
    half_n_plus_1.back() += 1;
    t.list[11].str = half_n_plus_1;
    EXPECT_EQ(sender_err(t), TxError::kInvalidSignature);
    // The high-s twin (n - s, other parity) of a valid signature recovers the same key in
    // plain ECDSA; EIP-2 rejects it, so a third party cannot change the transaction hash.
    Transaction tx = *decode_transaction(raw);
    t = good;
    t.list[11].str = (U256::from_be_bytes(n) - tx.s).to_be_trimmed();
    t.list[9].str = tx.y_parity ? Bytes{} : Bytes{1};
    EXPECT_EQ(sender_err(t), TxError::kInvalidSignature);
}

TEST(Decode, LegacyV) {
    const Bytes raw = signed_tx(TxType::kLegacy).encode();
    const rlp::Item good = tree_of(raw);
    auto with_v = [&](uint64_t v) {
        rlp::Item t = good;
        t.list[6].str = U256(v).to_be_trimmed();
        return decode_transaction(envelope_of(TxType::kLegacy, t));
    };
    // 0 and 1 are a bare recovery id, which only typed transactions use: a bad signature.
    for (uint64_t v : {0, 1}) {
        auto tx = with_v(v);
        ASSERT_FALSE(tx.has_value()) << v;
        EXPECT_EQ(tx.error(), TxError::kInvalidSignature) << v;
    }
    for (uint64_t v : {2, 26, 29, 30, 34}) {
        auto tx = with_v(v);
        ASSERT_FALSE(tx.has_value()) << v;
        EXPECT_EQ(tx.error(), TxError::kInvalidChainId) << v;
    }
    auto pre155 = with_v(28);
    ASSERT_TRUE(pre155.has_value());
    EXPECT_FALSE(pre155->chain_id.has_value());
    EXPECT_EQ(pre155->y_parity, 1);
    auto chain0 = with_v(35);  // EIP-155 with chain id 0: decodes, no chain accepts it
    ASSERT_TRUE(chain0.has_value());
    EXPECT_EQ(chain0->chain_id, U256(0));
    auto chain_big = with_v(2 * 1'000'000'007ull + 36);
    ASSERT_TRUE(chain_big.has_value());
    EXPECT_EQ(chain_big->chain_id, U256(1'000'000'007));
    EXPECT_EQ(chain_big->y_parity, 1);
    // v wider than 64 bits: a chain id of 2^250 round-trips through U256.
    rlp::Item t = good;
    t.list[6].str = ((U256(1) << 251) + U256(35)).to_be_trimmed();
    auto wide = decode_transaction(envelope_of(TxType::kLegacy, t));
    ASSERT_TRUE(wide.has_value());
    EXPECT_EQ(wide->chain_id, U256(1) << 250);
    EXPECT_EQ(wide->encode(), envelope_of(TxType::kLegacy, t));
}

TEST(Decode, SmTypeFields) {
    const Bytes raw = signed_tx(TxType::kSm).encode();
    const rlp::Item good = tree_of(raw);
    ASSERT_EQ(good.list.size(), 12u);
    auto err = [](const rlp::Item& t) { return decode_error(envelope_of(TxType::kSm, t)); };
    rlp::Item t = good;
    t.list[9].str.pop_back();  // a 63-byte public key
    EXPECT_EQ(err(t), TxError::kRlpWrongLength);
    t = good;
    t.list[10].str =
        hex_literal("fffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123");
    auto r_is_n = decode_transaction(envelope_of(TxType::kSm, t));  // r = n of the SM2 curve
    ASSERT_TRUE(r_is_n.has_value());
    EXPECT_EQ(r_is_n->recover_sender(sm).error(), TxError::kInvalidSignature);
    // SM2 has no low-s rule: an s above secp256k1's n/2 but below SM2's n is well-formed.
    t = good;
    t.list[11].str =
        hex_literal("f000000000000000000000000000000000000000000000000000000000000001");
    auto tx = decode_transaction(envelope_of(TxType::kSm, t));
    ASSERT_TRUE(tx.has_value());
    EXPECT_EQ(tx->recover_sender(sm).error(), TxError::kInvalidSender);
}

TEST(TxError, EveryErrorHasItsOwnText) {
    std::set<std::string_view> texts;
    for (int e = 0; e <= static_cast<int>(TxError::kIntrinsicGas); ++e) {
        const auto text = to_string(static_cast<TxError>(e));
        EXPECT_FALSE(text.empty());
        EXPECT_NE(text, "unknown transaction error");
        EXPECT_TRUE(texts.insert(text).second) << text;
    }
    EXPECT_EQ(to_string(TxError::kIntrinsicGas), "intrinsic gas too low");
    EXPECT_EQ(to_string(TxError::kTypeNotSupported), "transaction type not supported");
}

// SPDX-License-Identifier: Apache-2.0
// Intrinsic gas (Cancun) and the stateless validation rules, each rule at its boundary.
#include <gtest/gtest.h>

#include <random>

#include "protocol/limits.hpp"
#include "protocol/transaction.hpp"
#include "protocol/tx_testing.hpp"
#include "protocol/validation.hpp"

using namespace xl;
using namespace xl::protocol;

namespace {

const crypto::CryptoSuite& ecdsa = crypto::ecdsa_suite();
const crypto::CryptoSuite& sm = crypto::sm_suite();

Transaction transfer(TxType type = TxType::kDynamicFee) {
    Transaction tx;
    tx.type = type;
    tx.chain_id = U256(1);
    tx.gas_limit = 21000;
    tx.gas_price = U256(10);
    tx.max_fee = U256(10);
    tx.max_priority_fee = U256(1);
    tx.to = Address{};
    return tx;
}

}  // namespace

TEST(IntrinsicGas, HandComputedCases) {
    Transaction tx = transfer();
    EXPECT_EQ(intrinsic_gas(tx), 21000u);
    tx.data = {0x00, 0x01, 0xff, 0x00};  // 2 zero bytes (4 each), 2 non-zero (16 each)
    EXPECT_EQ(intrinsic_gas(tx), 21000u + 2 * 4 + 2 * 16);
    tx.access_list = {{Address{}, {Hash256{}, Hash256{}}}, {Address{}, {Hash256{}}}};
    EXPECT_EQ(intrinsic_gas(tx), 21000u + 40 + 2 * 2400 + 3 * 1900);
    // Creation: +32000, and 2 per started 32-byte word of init code (EIP-3860).
    Transaction create = transfer();
    create.to.reset();
    EXPECT_EQ(intrinsic_gas(create), 53000u);
    create.data = Bytes(32, 0x60);
    EXPECT_EQ(intrinsic_gas(create), 53000u + 32 * 16 + 1 * 2);
    create.data = Bytes(33, 0x00);
    EXPECT_EQ(intrinsic_gas(create), 53000u + 33 * 4 + 2 * 2);
}

// The same formula, written differently, over random transactions of every type.
TEST(IntrinsicGas, RandomAgainstDirectSum) {
    std::mt19937_64 rng(test::test_seed("IntrinsicGas.RandomAgainstDirectSum"));
    for (int i = 0; i < 500; ++i) {
        const auto type = static_cast<TxType>(std::array<uint8_t, 4>{0, 1, 2, 0x53}[rng() % 4]);
        const Transaction tx = test::random_tx(rng, type);
        uint64_t want = 21000;
        for (uint8_t b : tx.data)
            want += b ? 16 : 4;
        if (!tx.to) want += 32000 + 2 * ((tx.data.size() + 31) / 32);
        for (const auto& e : tx.access_list) {
            want += 2400;
            for (size_t k = 0; k < e.storage_keys.size(); ++k)
                want += 1900;
        }
        EXPECT_EQ(intrinsic_gas(tx), want);
    }
}

TEST(Validate, AcceptsAPlainTransfer) {
    EXPECT_TRUE(validate_transaction(transfer(), ecdsa, 1).has_value());
    EXPECT_TRUE(validate_transaction(transfer(TxType::kLegacy), ecdsa, 1).has_value());
    EXPECT_TRUE(validate_transaction(transfer(TxType::kAccessList), ecdsa, 1).has_value());
    EXPECT_TRUE(validate_transaction(transfer(TxType::kSm), sm, 1).has_value());
}

TEST(Validate, SuiteAndChainId) {
    EXPECT_EQ(validate_transaction(transfer(TxType::kSm), ecdsa, 1).error(),
              TxError::kTypeNotSupported);
    EXPECT_EQ(validate_transaction(transfer(), sm, 1).error(), TxError::kTypeNotSupported);
    EXPECT_EQ(validate_transaction(transfer(), ecdsa, 2).error(), TxError::kInvalidChainId);
    Transaction legacy = transfer(TxType::kLegacy);
    EXPECT_EQ(validate_transaction(legacy, ecdsa, 2).error(), TxError::kInvalidChainId);
    legacy.chain_id.reset();  // pre-EIP-155: valid on any chain
    EXPECT_TRUE(validate_transaction(legacy, ecdsa, 2).has_value());
    Transaction typed = transfer();
    typed.chain_id.reset();  // only legacy may omit it
    EXPECT_EQ(validate_transaction(typed, ecdsa, 1).error(), TxError::kInvalidChainId);
    typed.chain_id = (U256(1) << 64) + U256(1);  // not 1 modulo 2^64 either
    EXPECT_EQ(validate_transaction(typed, ecdsa, 1).error(), TxError::kInvalidChainId);
}

TEST(Validate, NonceMax) {
    Transaction tx = transfer();
    tx.nonce = kMaxNonce;  // 2^64 - 2
    EXPECT_TRUE(validate_transaction(tx, ecdsa, 1).has_value());
    tx.nonce = UINT64_MAX;
    EXPECT_EQ(validate_transaction(tx, ecdsa, 1).error(), TxError::kNonceMax);
}

TEST(Validate, FeeRules) {
    Transaction tx = transfer();
    tx.max_priority_fee = tx.max_fee;
    EXPECT_TRUE(validate_transaction(tx, ecdsa, 1).has_value());
    tx.max_priority_fee = tx.max_fee + U256(1);
    EXPECT_EQ(validate_transaction(tx, ecdsa, 1).error(), TxError::kTipAboveFeeCap);
    // gasLimit * maxFee: the largest fee cap that fits, then one more.
    tx.max_priority_fee = U256(0);
    tx.gas_limit = 21000;
    tx.max_fee = U256::max() / U256(21000);
    EXPECT_TRUE(validate_transaction(tx, ecdsa, 1).has_value());
    tx.max_fee = tx.max_fee + U256(1);
    EXPECT_EQ(validate_transaction(tx, ecdsa, 1).error(), TxError::kFeeProductOverflow);
    Transaction legacy = transfer(TxType::kLegacy);
    legacy.gas_limit = UINT64_MAX;
    legacy.gas_price = U256(1) << 200;
    EXPECT_EQ(validate_transaction(legacy, ecdsa, 1).error(), TxError::kFeeProductOverflow);
}

TEST(Validate, InitCodeSizeAndIntrinsicGas) {
    Transaction tx = transfer();
    tx.to.reset();
    tx.data = Bytes(kMaxInitCodeSize, 0);
    tx.gas_limit = intrinsic_gas(tx);
    EXPECT_TRUE(validate_transaction(tx, ecdsa, 1).has_value());
    tx.gas_limit -= 1;
    EXPECT_EQ(validate_transaction(tx, ecdsa, 1).error(), TxError::kIntrinsicGas);
    tx.data.push_back(0);
    tx.gas_limit = intrinsic_gas(tx);
    EXPECT_EQ(validate_transaction(tx, ecdsa, 1).error(), TxError::kMaxInitCodeSize);
    // The limit is for init code only: a call may carry more data.
    tx.to = Address{};
    tx.gas_limit = intrinsic_gas(tx);
    EXPECT_TRUE(validate_transaction(tx, ecdsa, 1).has_value());
}

// check_transaction reports the first defect in geth's order: chain id, then signature, then
// the other rules; on success it names the signer.
TEST(Check, ReportsDefectsInGethOrder) {
    const auto sk = crypto::SecretKey::from(
        hex_literal("4646464646464646464646464646464646464646464646464646464646464646"));
    Transaction tx = transfer();
    tx.chain_id = U256(1001);
    tx.gas_limit = 20000;  // below the intrinsic 21000
    ASSERT_TRUE(tx.sign(ecdsa, sk).has_value());
    const Address signer = ecdsa.address(*ecdsa.public_key(sk));
    Transaction bad_sig = tx;
    bad_sig.s = U256(0);
    EXPECT_EQ(check_transaction(bad_sig, ecdsa, 1).error(), TxError::kInvalidChainId);
    EXPECT_EQ(check_transaction(bad_sig, ecdsa, 1001).error(), TxError::kInvalidSignature);
    EXPECT_EQ(check_transaction(tx, ecdsa, 1001).error(), TxError::kIntrinsicGas);
    tx.gas_limit = 21000;
    ASSERT_TRUE(tx.sign(ecdsa, sk).has_value());
    auto sender = check_transaction(tx, ecdsa, 1001);
    ASSERT_TRUE(sender.has_value()) << to_string(sender.error());
    EXPECT_EQ(*sender, signer);
    EXPECT_EQ(check_transaction(tx, sm, 1001).error(), TxError::kTypeNotSupported);
}

// SPDX-License-Identifier: Apache-2.0
// Stateless transaction rules, Cancun: intrinsic gas and the checks geth makes before
// execution (core/state_transition.go preCheck, IntrinsicGas; EIP-155, 1559, 2681, 3860).
#include "protocol/validation.hpp"

#include "protocol/limits.hpp"

namespace xl::protocol {

uint64_t intrinsic_gas(const Transaction& tx) noexcept {
    uint64_t gas = kTxGas;
    if (tx.is_create()) {
        // EIP-3860: 2 gas per 32-byte word of init code, on top of G_txcreate.
        gas += kTxCreateGas + kInitCodeWordGas * ((tx.data.size() + 31) / 32);
    }
    uint64_t zeros = 0;
    for (uint8_t b : tx.data)
        zeros += (b == 0);
    gas += zeros * kTxDataZeroGas + (tx.data.size() - zeros) * kTxDataNonZeroGas;
    for (const auto& entry : tx.access_list) {
        gas += kAccessListAddressGas + entry.storage_keys.size() * kAccessListStorageKeyGas;
    }
    // Cannot overflow for a decodable transaction (limits.hpp); a Transaction built in code
    // with gigabytes of data is our bug.
    XL_DASSERT(gas < UINT64_MAX / 2);
    return gas;
}

namespace {

// EIP-155: a legacy transaction without chain id is valid on every chain; every other
// transaction names exactly one.
Result<void, TxError> check_suite_and_chain(const Transaction& tx, const crypto::CryptoSuite& suite,
                                            uint64_t chain_id) noexcept {
    if (!type_allowed(tx.type, suite)) return unexpected(TxError::kTypeNotSupported);
    if (tx.chain_id && *tx.chain_id != U256(chain_id)) {
        return unexpected(TxError::kInvalidChainId);
    }
    if (!tx.chain_id && tx.type != TxType::kLegacy) return unexpected(TxError::kInvalidChainId);
    return {};
}

Result<void, TxError> check_rules(const Transaction& tx) noexcept {
    // EIP-2681: the sender's nonce must stay incrementable.
    if (tx.nonce > kMaxNonce) return unexpected(TxError::kNonceMax);
    if (tx.tip_cap() > tx.fee_cap()) return unexpected(TxError::kTipAboveFeeCap);
    // The sender must be able to pay gasLimit * feeCap, which must fit in 256 bits (geth
    // checks it when buying gas; the test suite calls it GASLIMIT_PRICE_PRODUCT_OVERFLOW).
    if (tx.gas_limit != 0) {
        const U256 gas(tx.gas_limit);
        if ((tx.fee_cap() * gas) / gas != tx.fee_cap()) {
            return unexpected(TxError::kFeeProductOverflow);
        }
    }
    if (tx.is_create() && tx.data.size() > kMaxInitCodeSize) {
        return unexpected(TxError::kMaxInitCodeSize);
    }
    if (tx.gas_limit < intrinsic_gas(tx)) return unexpected(TxError::kIntrinsicGas);
    return {};
}

}  // namespace

Result<void, TxError> validate_transaction(const Transaction& tx, const crypto::CryptoSuite& suite,
                                           uint64_t chain_id) noexcept {
    XL_TRY_VOID(check_suite_and_chain(tx, suite, chain_id));
    return check_rules(tx);
}

Result<Address, TxError> check_transaction(const Transaction& tx, const crypto::CryptoSuite& suite,
                                           uint64_t chain_id) {
    XL_TRY_VOID(check_suite_and_chain(tx, suite, chain_id));
    auto sender = tx.recover_sender(suite);
    if (!sender) return unexpected(sender.error());
    XL_TRY_VOID(check_rules(tx));
    return *sender;
}

}  // namespace xl::protocol

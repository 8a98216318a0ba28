// SPDX-License-Identifier: Apache-2.0
// Xinlian protocol: transactions, EIP-2718 typed envelopes (DESIGN.md §3, docs/spec/
// transactions.md). Four types: legacy (with and without EIP-155), EIP-2930, EIP-1559 and the
// `sm` suite's 0x53 (SM2 signature plus the signer's public key). Decoding is strict: the one
// canonical encoding of well-formed fields, or an error; decode(x).encode() == x always.
// Transaction is a plain value type: not synchronised, safe to share read-only between threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "core/uint256.hpp"
#include "crypto/suite.hpp"

namespace xl::protocol {

// The EIP-2718 type byte. Legacy transactions have none (their first byte is an RLP list
// header >= 0xc0); 0x00 is never a valid type byte on the wire.
enum class TxType : uint8_t {
    kLegacy = 0x00,
    kAccessList = 0x01,  // EIP-2930
    kDynamicFee = 0x02,  // EIP-1559
    kSm = 0x53,          // Xinlian `sm` suite: 'S', fields as EIP-1559, SM2-signed
};
// "legacy", "2930", "1559", "sm": the names the CLI uses.
std::string_view to_string(TxType t) noexcept;

// Errors of decoding, signing, sender recovery and validation. Texts follow go-ethereum
// where it has one (STYLE.md 5): ethers and its users match on them.
enum class TxError {
    kEmpty,                // no bytes at all
    kOversized,            // more than kMaxTxSize bytes
    kTypeNotSupported,     // an unknown type byte, type 3 (blobs), or a type of the other suite
    kRlpTruncated,         // an item runs past the end of its input or list
    kRlpTrailingBytes,     // bytes after the envelope
    kRlpNonCanonicalSize,  // non-minimal length prefix, or a single byte < 0x80 as a string
    kRlpNonCanonicalInt,   // an integer with leading zero bytes
    kRlpExpectedString,    // a list where a string (integer, address, data) belongs
    kRlpExpectedList,      // a string where a list belongs (the envelope, the access list)
    kRlpTooFewElements,    // the list ends before the last field
    kRlpTooManyElements,   // the list has items after the last field
    kRlpUint64Overflow,    // nonce or gas limit of more than 64 bits
    kRlpUint256Overflow,   // an amount of more than 256 bits
    kRlpWrongLength,       // an address, storage key or public key of the wrong length
    kInvalidChainId,       // legacy v neither 27/28 nor >= 35, or a chain id not ours
    kInvalidSignature,     // legacy v 0/1, yParity > 1, r or s out of range, s > n/2 (EIP-2)
    kInvalidSender,        // recovery or SM2 verification failed
    kInvalidSecretKey,     // signing with a key that is zero or >= n
    kSigningFailed,        // the crypto library failed (not the input's fault)
    kNonceMax,             // nonce 2^64-1 (EIP-2681)
    kTipAboveFeeCap,       // maxPriorityFeePerGas > maxFeePerGas (EIP-1559)
    kFeeProductOverflow,   // gasLimit * gasPrice (or maxFee) does not fit in 256 bits
    kMaxInitCodeSize,      // creation with init code > 49152 bytes (EIP-3860)
    kIntrinsicGas,         // gasLimit below the intrinsic gas
};
std::string_view to_string(TxError e) noexcept;

// EIP-2930 access list.
struct AccessListEntry {
    Address address;
    std::vector<Hash256> storage_keys;
    friend bool operator==(const AccessListEntry&, const AccessListEntry&) = default;
};
using AccessList = std::vector<AccessListEntry>;

// Where decoding stopped, for precise messages ("rlp: non-canonical integer format (at nonce)").
struct DecodeDiagnostic {
    std::string_view field;  // a static string: "envelope", "nonce", "accessList address", ...
};

struct Transaction {
    TxType type = TxType::kDynamicFee;
    // nullopt only for a legacy transaction signed without EIP-155 (v = 27/28).
    std::optional<U256> chain_id;
    uint64_t nonce = 0;
    U256 gas_price{0};         // legacy, EIP-2930
    U256 max_priority_fee{0};  // EIP-1559, sm
    U256 max_fee{0};           // EIP-1559, sm
    uint64_t gas_limit = 0;
    std::optional<Address> to;  // nullopt: contract creation
    U256 value{0};
    Bytes data;
    AccessList access_list;  // always empty for legacy
    // Signature. y_parity is the secp256k1 recovery id (0/1); for legacy the wire v is derived
    // from it and chain_id (EIP-155), so it is not stored twice. Always 0 for the sm type.
    uint8_t y_parity = 0;
    U256 r{0};
    U256 s{0};
    crypto::PublicKey sm_public_key;  // sm type only: the signer's key (SM2 cannot recover it)

    // What the gas price is for this type: gas_price (legacy, 2930) or max_fee (1559, sm).
    const U256& fee_cap() const noexcept;
    const U256& tip_cap() const noexcept;
    bool is_create() const noexcept { return !to.has_value(); }

    // The envelope: type byte || RLP(fields), or the bare RLP list for legacy.
    Bytes encode() const;
    // What is signed: legacy RLP([nonce, gasPrice, gasLimit, to, value, data]) or, with
    // EIP-155, RLP([.., chainId, 0, 0]); typed: type byte || RLP(fields without signature).
    // For the sm type the public key is among the signed fields (docs/spec/transactions.md).
    Bytes signing_message() const;
    // suite.hash(signing_message()): what ECDSA signs (keccak256). For SM2 this is only
    // informative: SM2 signs SM3(Z_A || message) (GB/T 32918.2 §6.1).
    Hash256 signing_hash(const crypto::CryptoSuite& suite) const;
    // The transaction hash: suite hash of the envelope bytes.
    Hash256 hash(const crypto::CryptoSuite& suite) const;

    // Signs in place (sets y_parity, r, s and, for sm, sm_public_key). The type must belong to
    // the suite: legacy/2930/1559 to ecdsa, sm to sm; a legacy chain_id selects EIP-155.
    Result<void, TxError> sign(const crypto::CryptoSuite& suite, const crypto::SecretKey& sk);
    // The sender: secp256k1 recovery (ecdsa types) or SM2 verification against the carried
    // public key (sm type). kTypeNotSupported if the type does not belong to the suite;
    // kInvalidSignature if r or s is outside [1, n-1] or, for secp256k1, s > n/2 (EIP-2);
    // kInvalidSender if recovery or verification fails.
    Result<Address, TxError> recover_sender(const crypto::CryptoSuite& suite) const;

    friend bool operator==(const Transaction&, const Transaction&) = default;
};

// Strict decoding of one envelope (at most kMaxTxSize bytes, nothing after it). Checks the
// structure, every field's size and encoding, and v/yParity (legacy v: 27/28 or >= 35;
// yParity: 0 or 1). Not checked here, but in this order, as geth does: the chain id and gas
// rules (validate_transaction), then r and s ranges, low s (EIP-2) and the signature itself
// (Transaction::recover_sender). `diag`, if given, names the field at which decoding failed.
Result<Transaction, TxError> decode_transaction(BytesView in, DecodeDiagnostic* diag = nullptr);

// True if the suite signs this type: ecdsa legacy/2930/1559, sm the sm type.
bool type_allowed(TxType type, const crypto::CryptoSuite& suite) noexcept;

}  // namespace xl::protocol

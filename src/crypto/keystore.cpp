// SPDX-License-Identifier: Apache-2.0
// Keystores (keystore.hpp, docs/keystore.md): JSON parsing with every bound checked first,
// scrypt (RFC 7914), PBKDF2 and the CTR ciphers of OpenSSL, the suite's MAC hash.
#include "crypto/keystore.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cstring>
#include <memory>
#include <new>
#include <nlohmann/json.hpp>

#include "crypto/hash.hpp"
#include "crypto/random.hpp"

namespace xl::crypto {

std::string_view to_string(KeystoreError e) noexcept {
    switch (e) {
        case KeystoreError::kTooLarge:
            return "keystore too large or nested too deep";
        case KeystoreError::kBadJson:
            return "keystore is not a JSON object";
        case KeystoreError::kMissingField:
            return "keystore lacks a required field";
        case KeystoreError::kBadFieldType:
            return "keystore field has the wrong JSON type";
        case KeystoreError::kUnsupportedVersion:
            return "unsupported keystore version (not 3)";
        case KeystoreError::kUnsupportedSuite:
            return "unsupported keystore crypto suite";
        case KeystoreError::kUnsupportedKdf:
            return "unsupported key-derivation function";
        case KeystoreError::kUnsupportedPrf:
            return "unsupported pbkdf2 prf";
        case KeystoreError::kUnsupportedCipher:
            return "cipher not supported";
        case KeystoreError::kKdfParamsOutOfBounds:
            return "kdf parameters out of bounds";
        case KeystoreError::kBadHex:
            return "keystore field is not valid hex";
        case KeystoreError::kBadLength:
            return "keystore field has the wrong length";
        case KeystoreError::kWrongPassword:
            // geth's text (accounts/keystore ErrDecrypt).
            return "could not decrypt key with given password";
        case KeystoreError::kInvalidSecretKey:
            return "keystore secret is not a valid key";
        case KeystoreError::kKeyMismatch:
            return "keystore address or public key does not match its secret";
        case KeystoreError::kPasswordTooLong:
            return "password too long";
        case KeystoreError::kInternal:
            return "internal keystore error";
    }
    return "unknown keystore error";
}

namespace {

using Json = nlohmann::json;
using Err = KeystoreError;

constexpr size_t kDkLen = 32;  // Web3 v3: dklen is 32; [0..16) cipher key, [16..32) MAC key

enum class Kdf : uint8_t { kScrypt, kPbkdf2 };
enum class Prf : uint8_t { kSha256, kSm3 };

// A keystore after validation: every field present, typed, sized and within bounds.
struct Parsed {
    SuiteId suite = SuiteId::kEcdsa;
    std::optional<Address> address;
    std::optional<PublicKey> public_key;
    Kdf kdf = Kdf::kScrypt;
    Prf prf = Prf::kSha256;
    uint64_t n = 0, r = 0, p = 0, c = 0;
    Bytes salt;
    FixedBytes<16> iv;
    SecretKey ciphertext;
    Hash256 mac;
};

const CryptoSuite& suite_of(SuiteId id) noexcept {
    return id == SuiteId::kSm ? sm_suite() : ecdsa_suite();
}
std::string_view cipher_name(SuiteId id) noexcept {
    return id == SuiteId::kSm ? "sm4-ctr" : "aes-128-ctr";
}
const EVP_CIPHER* cipher_of(SuiteId id) noexcept {
    return id == SuiteId::kSm ? EVP_sm4_ctr() : EVP_aes_128_ctr();
}
// Web3 v3 MAC: keccak256(dk[16..32] || ciphertext); the sm suite uses SM3 (GB/T 32905).
Hash256 mac_of(SuiteId id, BytesView dk, BytesView ciphertext) {
    Bytes body = concat(dk.subspan(16, 16), ciphertext);
    Hash256 h = id == SuiteId::kSm ? sm3(body) : keccak256(body);
    OPENSSL_cleanse(body.data(), body.size());
    return h;
}

// Wipes a fixed-size secret when it goes out of scope.
template <size_t N>
struct Wiped {
    FixedBytes<N> v;
    ~Wiped() { OPENSSL_cleanse(v.data(), N); }
};

// ---- bounds ----

Result<void, Err> check_scrypt(uint64_t n, uint64_t r, uint64_t p, const KeystoreLimits& lim) {
    // RFC 7914 §2: n > 1 and a power of two; r, p > 0. The caps keep every product below in
    // 64 bits (n <= 2^32, r, p <= 2^24), before the limits proper.
    if (n < 2 || (n & (n - 1)) != 0 || n > (uint64_t{1} << 32)) {
        return unexpected(Err::kKdfParamsOutOfBounds);
    }
    if (r == 0 || p == 0 || r > (uint64_t{1} << 24) || p > (uint64_t{1} << 24)) {
        return unexpected(Err::kKdfParamsOutOfBounds);
    }
    if (n > lim.max_scrypt_n || n * r > lim.max_scrypt_work / p) {
        return unexpected(Err::kKdfParamsOutOfBounds);
    }
    if (128 * r * (n + p + 2) > lim.max_scrypt_memory) {
        return unexpected(Err::kKdfParamsOutOfBounds);
    }
    return {};
}

Result<void, Err> check_pbkdf2(uint64_t c, const KeystoreLimits& lim) {
    if (c == 0 || c > lim.max_pbkdf2_iterations || c > 0x7fffffff) {
        return unexpected(Err::kKdfParamsOutOfBounds);
    }
    return {};
}

// Rejects nesting deeper than kMaxKeystoreDepth before the JSON parser sees the text, so that
// neither its parse nor its recursive destructor can be driven into deep recursion.
bool nesting_within_bounds(std::string_view text) noexcept {
    size_t depth = 0;
    bool in_string = false, escaped = false;
    for (char ch : text) {
        if (in_string) {
            if (escaped) {
                escaped = false;
            } else if (ch == '\\') {
                escaped = true;
            } else if (ch == '"') {
                in_string = false;
            }
        } else if (ch == '"') {
            in_string = true;
        } else if (ch == '{' || ch == '[') {
            if (++depth > kMaxKeystoreDepth) return false;
        } else if ((ch == '}' || ch == ']') && depth > 0) {
            --depth;
        }
    }
    return true;
}

// ---- JSON field access (never throws: every type is checked before use) ----

Result<const Json*, Err> field(const Json& obj, const char* key) {
    auto it = obj.find(key);
    if (it == obj.end()) return unexpected(Err::kMissingField);
    return &*it;
}

Result<const Json*, Err> object_field(const Json& obj, const char* key) {
    auto f = field(obj, key);
    if (!f) return f;
    if (!(*f)->is_object()) return unexpected(Err::kBadFieldType);
    return f;
}

Result<std::string_view, Err> string_field(const Json& obj, const char* key) {
    auto f = field(obj, key);
    if (!f) return unexpected(f.error());
    if (!(*f)->is_string()) return unexpected(Err::kBadFieldType);
    return std::string_view((*f)->get_ref<const std::string&>());
}

// A non-negative JSON integer. Negative integers are out of bounds, not a type error.
Result<uint64_t, Err> uint_field(const Json& obj, const char* key) {
    auto f = field(obj, key);
    if (!f) return unexpected(f.error());
    if ((*f)->is_number_unsigned()) return (*f)->get<uint64_t>();
    if ((*f)->is_number_integer()) return unexpected(Err::kKdfParamsOutOfBounds);
    return unexpected(Err::kBadFieldType);
}

Result<Bytes, Err> hex_of(std::string_view s) {
    auto b = from_hex(s);
    if (!b) return unexpected(Err::kBadHex);
    return std::move(b).value();
}

Result<Bytes, Err> hex_field(const Json& obj, const char* key) {
    auto s = string_field(obj, key);
    if (!s) return unexpected(s.error());
    return hex_of(*s);
}

template <size_t N>
Result<FixedBytes<N>, Err> fixed_hex_field(const Json& obj, const char* key) {
    auto b = hex_field(obj, key);
    if (!b) return unexpected(b.error());
    FixedBytes<N> f;
    if (!FixedBytes<N>::from_view(*b, f)) return unexpected(Err::kBadLength);
    return f;
}

// "crypto", or "Crypto" as MyEtherWallet and ethers v6 write it (geth matches keys
// case-insensitively, and both spellings are in the wild).
Result<const Json*, Err> crypto_section(const Json& root) {
    auto c = object_field(root, "crypto");
    if (c || c.error() != Err::kMissingField) return c;
    return object_field(root, "Crypto");
}

Result<void, Err> parse_suite(const Json& root, Parsed& out) {
    auto it = root.find("xinlian");
    if (it == root.end()) return {};  // plain Web3 v3: the ecdsa suite
    if (!it->is_object()) return unexpected(Err::kBadFieldType);
    auto name = string_field(*it, "suite");
    if (!name) return unexpected(name.error());
    if (*name == "sm") {
        out.suite = SuiteId::kSm;
    } else if (*name == "ecdsa") {
        out.suite = SuiteId::kEcdsa;
    } else {
        return unexpected(Err::kUnsupportedSuite);
    }
    if (it->contains("publicKey")) {
        auto pk = fixed_hex_field<64>(*it, "publicKey");
        if (!pk) return unexpected(pk.error());
        out.public_key = *pk;
    }
    return {};
}

Result<void, Err> parse_kdf(const Json& crypto, const KeystoreLimits& lim, Parsed& out) {
    auto kdf = string_field(crypto, "kdf");
    if (!kdf) return unexpected(kdf.error());
    auto params = object_field(crypto, "kdfparams");
    if (!params) return unexpected(params.error());
    const Json& kp = **params;

    auto dklen = uint_field(kp, "dklen");
    if (!dklen) return unexpected(dklen.error());
    if (*dklen != kDkLen) return unexpected(Err::kKdfParamsOutOfBounds);
    auto salt = hex_field(kp, "salt");
    if (!salt) return unexpected(salt.error());
    if (salt->size() > kMaxKdfSaltSize) return unexpected(Err::kBadLength);
    out.salt = std::move(salt).value();

    if (*kdf == "scrypt") {
        out.kdf = Kdf::kScrypt;
        auto n = uint_field(kp, "n");
        if (!n) return unexpected(n.error());
        auto r = uint_field(kp, "r");
        if (!r) return unexpected(r.error());
        auto p = uint_field(kp, "p");
        if (!p) return unexpected(p.error());
        out.n = *n, out.r = *r, out.p = *p;
        return check_scrypt(out.n, out.r, out.p, lim);
    }
    if (*kdf == "pbkdf2") {
        out.kdf = Kdf::kPbkdf2;
        auto prf = string_field(kp, "prf");
        if (!prf) return unexpected(prf.error());
        if (*prf == "hmac-sha256") {
            out.prf = Prf::kSha256;
        } else if (*prf == "hmac-sm3") {
            out.prf = Prf::kSm3;
        } else {
            return unexpected(Err::kUnsupportedPrf);
        }
        auto c = uint_field(kp, "c");
        if (!c) return unexpected(c.error());
        out.c = *c;
        return check_pbkdf2(out.c, lim);
    }
    return unexpected(Err::kUnsupportedKdf);
}

Result<void, Err> parse_crypto(const Json& crypto, const KeystoreLimits& lim, Parsed& out) {
    auto cipher = string_field(crypto, "cipher");
    if (!cipher) return unexpected(cipher.error());
    if (*cipher != cipher_name(out.suite)) return unexpected(Err::kUnsupportedCipher);
    auto cp = object_field(crypto, "cipherparams");
    if (!cp) return unexpected(cp.error());
    auto iv = fixed_hex_field<16>(**cp, "iv");
    if (!iv) return unexpected(iv.error());
    out.iv = *iv;
    // Both suites' secret keys are 32 bytes, and CTR mode keeps the length.
    auto ct = fixed_hex_field<32>(crypto, "ciphertext");
    if (!ct) return unexpected(ct.error());
    out.ciphertext = *ct;
    auto mac = fixed_hex_field<32>(crypto, "mac");
    if (!mac) return unexpected(mac.error());
    out.mac = *mac;
    return parse_kdf(crypto, lim, out);
}

Result<Parsed, Err> parse(std::string_view text, const KeystoreLimits& lim) {
    if (text.size() > kMaxKeystoreSize || !nesting_within_bounds(text)) {
        return unexpected(Err::kTooLarge);
    }
    Json root = Json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (root.is_discarded() || !root.is_object()) return unexpected(Err::kBadJson);

    auto version = field(root, "version");
    if (!version) return unexpected(version.error());
    if (!(*version)->is_number()) return unexpected(Err::kBadFieldType);
    if (!(*version)->is_number_unsigned() || (*version)->get<uint64_t>() != 3) {
        return unexpected(Err::kUnsupportedVersion);
    }
    if (auto id = root.find("id"); id != root.end() && !id->is_string()) {
        return unexpected(Err::kBadFieldType);
    }

    Parsed out;
    XL_TRY_VOID(parse_suite(root, out));
    if (root.contains("address")) {
        auto a = fixed_hex_field<20>(root, "address");
        if (!a) return unexpected(a.error());
        out.address = *a;
    }
    auto crypto = crypto_section(root);
    if (!crypto) return unexpected(crypto.error());
    XL_TRY_VOID(parse_crypto(**crypto, lim, out));
    return out;
}

// ---- key derivation ----

std::string_view nonnull(std::string_view s) noexcept {
    return s.data() ? s : std::string_view("");
}

Result<void, Err> pbkdf2(std::string_view password, BytesView salt, uint64_t iterations,
                         const EVP_MD* md, uint8_t* out, size_t out_len) {
    password = nonnull(password);
    static const uint8_t kEmpty = 0;
    int ok = PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                               salt.empty() ? &kEmpty : salt.data(), static_cast<int>(salt.size()),
                               static_cast<int>(iterations), md, static_cast<int>(out_len), out);
    if (ok != 1) return unexpected(Err::kInternal);
    return {};
}

Result<void, Err> derive(std::string_view password, const Parsed& k, uint8_t dk[kDkLen]) {
    if (k.kdf == Kdf::kScrypt) {
        return detail::scrypt(password, k.salt, k.n, static_cast<uint32_t>(k.r),
                              static_cast<uint32_t>(k.p), {dk, kDkLen});
    }
    const EVP_MD* md = k.prf == Prf::kSm3 ? EVP_sm3() : EVP_sha256();
    return pbkdf2(password, k.salt, k.c, md, dk, kDkLen);
}

// CTR mode is its own inverse: one function encrypts and decrypts.
Result<void, Err> ctr_xor(SuiteId suite, BytesView key16, const FixedBytes<16>& iv, BytesView in,
                          uint8_t* out) {
    std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)> ctx(EVP_CIPHER_CTX_new(),
                                                                        EVP_CIPHER_CTX_free);
    int len = 0, fin = 0;
    if (!ctx ||
        EVP_EncryptInit_ex(ctx.get(), cipher_of(suite), nullptr, key16.data(), iv.data()) != 1 ||
        EVP_EncryptUpdate(ctx.get(), out, &len, in.data(), static_cast<int>(in.size())) != 1 ||
        EVP_EncryptFinal_ex(ctx.get(), out + len, &fin) != 1 ||
        static_cast<size_t>(len + fin) != in.size()) {
        return unexpected(Err::kInternal);
    }
    return {};
}

std::string uuid_string(FixedBytes<16> u) {
    // RFC 4122 §4.4: version 4 in the high nibble of byte 6, variant 10 in byte 8.
    u[6] = static_cast<uint8_t>((u[6] & 0x0f) | 0x40);
    u[8] = static_cast<uint8_t>((u[8] & 0x3f) | 0x80);
    std::string h = to_hex(u, false);
    return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
           "-" + h.substr(20);
}

Result<KeystoreKey, Err> key_of(SuiteId id, const SecretKey& secret) {
    const CryptoSuite& suite = suite_of(id);
    auto pk = suite.public_key(secret);
    if (!pk) return unexpected(Err::kInvalidSecretKey);
    return KeystoreKey{id, secret, suite.address(*pk), *pk};
}

}  // namespace

// ---- scrypt, RFC 7914 ----
// Written here rather than taken from OpenSSL because OpenSSL enforces RFC 7914's
// n < 2^(16 r), which the Web3 scrypt test vector (n = 2^18, r = 1) and geth-written files
// with r = 1 break; geth, ethers and golang.org/x/crypto accept them. Cost is bounded by the
// caller (check_scrypt) before this runs.
namespace detail {
namespace {

inline uint32_t rotl(uint32_t x, int n) noexcept {
    return (x << n) | (x >> (32 - n));
}

// Salsa20/8 core (RFC 7914 §3), in place on 16 little-endian words.
void salsa20_8(uint32_t b[16]) noexcept {
    uint32_t x[16];
    std::memcpy(x, b, sizeof(x));
    for (int i = 0; i < 8; i += 2) {
        x[4] ^= rotl(x[0] + x[12], 7), x[8] ^= rotl(x[4] + x[0], 9);
        x[12] ^= rotl(x[8] + x[4], 13), x[0] ^= rotl(x[12] + x[8], 18);
        x[9] ^= rotl(x[5] + x[1], 7), x[13] ^= rotl(x[9] + x[5], 9);
        x[1] ^= rotl(x[13] + x[9], 13), x[5] ^= rotl(x[1] + x[13], 18);
        x[14] ^= rotl(x[10] + x[6], 7), x[2] ^= rotl(x[14] + x[10], 9);
        x[6] ^= rotl(x[2] + x[14], 13), x[10] ^= rotl(x[6] + x[2], 18);
        x[3] ^= rotl(x[15] + x[11], 7), x[7] ^= rotl(x[3] + x[15], 9);
        x[11] ^= rotl(x[7] + x[3], 13), x[15] ^= rotl(x[11] + x[7], 18);
        x[1] ^= rotl(x[0] + x[3], 7), x[2] ^= rotl(x[1] + x[0], 9);
        x[3] ^= rotl(x[2] + x[1], 13), x[0] ^= rotl(x[3] + x[2], 18);
        x[6] ^= rotl(x[5] + x[4], 7), x[7] ^= rotl(x[6] + x[5], 9);
        x[4] ^= rotl(x[7] + x[6], 13), x[5] ^= rotl(x[4] + x[7], 18);
        x[11] ^= rotl(x[10] + x[9], 7), x[8] ^= rotl(x[11] + x[10], 9);
        x[9] ^= rotl(x[8] + x[11], 13), x[10] ^= rotl(x[9] + x[8], 18);
        x[12] ^= rotl(x[15] + x[14], 7), x[13] ^= rotl(x[12] + x[15], 9);
        x[14] ^= rotl(x[13] + x[12], 13), x[15] ^= rotl(x[14] + x[13], 18);
    }
    for (int i = 0; i < 16; ++i)
        b[i] += x[i];
}

// scryptBlockMix (RFC 7914 §4): in and out are 2r 16-word blocks; out must not alias in.
void block_mix(const uint32_t* in, uint32_t* out, uint32_t r) noexcept {
    uint32_t x[16];
    std::memcpy(x, in + (2 * r - 1) * 16, sizeof(x));
    for (uint32_t i = 0; i < 2 * r; ++i) {
        for (int j = 0; j < 16; ++j)
            x[j] ^= in[i * 16 + j];
        salsa20_8(x);
        // Even blocks go to the first half of the output, odd ones to the second.
        std::memcpy(out + ((i & 1) * r + i / 2) * 16, x, sizeof(x));
    }
}

// scryptROMix (RFC 7914 §5) on one 32r-word block b; v has n * 32r words, xy 64r words.
void ro_mix(uint32_t* b, uint64_t n, uint32_t r, uint32_t* v, uint32_t* xy) noexcept {
    const size_t words = size_t{32} * r;
    uint32_t* x = xy;
    uint32_t* y = xy + words;
    std::memcpy(x, b, words * 4);
    for (uint64_t i = 0; i < n; ++i) {
        std::memcpy(v + i * words, x, words * 4);
        block_mix(x, y, r);
        std::swap(x, y);
    }
    for (uint64_t i = 0; i < n; ++i) {
        // Integerify: the first word of the last 64-byte block; n <= 2^32 is a power of 2.
        uint64_t j = (x[(2 * r - 1) * 16] | uint64_t{x[(2 * r - 1) * 16 + 1]} << 32) & (n - 1);
        for (size_t k = 0; k < words; ++k)
            x[k] ^= v[j * words + k];
        block_mix(x, y, r);
        std::swap(x, y);
    }
    std::memcpy(b, x, words * 4);
}

inline uint32_t load_le32(const uint8_t* p) noexcept {
    return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}
inline void store_le32(uint8_t* p, uint32_t v) noexcept {
    p[0] = static_cast<uint8_t>(v), p[1] = static_cast<uint8_t>(v >> 8);
    p[2] = static_cast<uint8_t>(v >> 16), p[3] = static_cast<uint8_t>(v >> 24);
}

struct Cleansed {
    uint32_t* p;
    size_t words;
    ~Cleansed() {
        if (p) OPENSSL_cleanse(p, words * 4);
        delete[] p;
    }
};

}  // namespace

Result<void, KeystoreError> scrypt(std::string_view password, BytesView salt, uint64_t n,
                                   uint32_t r, uint32_t p, std::span<uint8_t> out) {
    // Only sizes that cannot overflow below; the caller applies KeystoreLimits.
    if (n < 2 || (n & (n - 1)) != 0 || n > (uint64_t{1} << 32) || r == 0 || p == 0 ||
        r > (1u << 24) || p > (1u << 24) || uint64_t{r} * p >= (uint64_t{1} << 30) ||
        n * r > (uint64_t{1} << 32) || out.empty()) {
        return unexpected(KeystoreError::kKdfParamsOutOfBounds);
    }
    const size_t words = size_t{32} * r;
    const size_t b_words = words * p;
    Cleansed b{new (std::nothrow) uint32_t[b_words], b_words};
    Cleansed v{new (std::nothrow) uint32_t[n * words], n* words};
    Cleansed xy{new (std::nothrow) uint32_t[2 * words], 2 * words};
    if (!b.p || !v.p || !xy.p) return unexpected(KeystoreError::kInternal);

    // B = PBKDF2-HMAC-SHA256(P, S, 1, p * 128 * r), then ROMix on each 128r-byte block.
    std::unique_ptr<uint8_t[]> bytes(new (std::nothrow) uint8_t[b_words * 4]);
    if (!bytes) return unexpected(KeystoreError::kInternal);
    XL_TRY_VOID(pbkdf2(password, salt, 1, EVP_sha256(), bytes.get(), b_words * 4));
    for (size_t i = 0; i < b_words; ++i)
        b.p[i] = load_le32(bytes.get() + 4 * i);
    for (uint32_t i = 0; i < p; ++i)
        ro_mix(b.p + i * words, n, r, v.p, xy.p);
    for (size_t i = 0; i < b_words; ++i)
        store_le32(bytes.get() + 4 * i, b.p[i]);
    // DK = PBKDF2-HMAC-SHA256(P, B, 1, dkLen).
    auto r2 = pbkdf2(password, {bytes.get(), b_words * 4}, 1, EVP_sha256(), out.data(), out.size());
    OPENSSL_cleanse(bytes.get(), b_words * 4);
    return r2;
}

}  // namespace detail

// ---- public API ----

Result<KeystoreInfo, KeystoreError> inspect_keystore(std::string_view json,
                                                     const KeystoreLimits& limits) {
    auto k = parse(json, limits);
    if (!k) return unexpected(k.error());
    return KeystoreInfo{k->suite, k->address, k->public_key,
                        k->kdf == Kdf::kScrypt ? "scrypt" : "pbkdf2",
                        std::string(cipher_name(k->suite))};
}

Result<KeystoreKey, KeystoreError> decrypt_keystore(std::string_view json,
                                                    std::string_view password,
                                                    const KeystoreLimits& limits) {
    if (password.size() > kMaxPasswordSize) return unexpected(Err::kPasswordTooLong);
    auto k = parse(json, limits);
    if (!k) return unexpected(k.error());

    Wiped<kDkLen> dk;
    XL_TRY_VOID(derive(password, *k, dk.v.data()));
    // Constant-time comparison: the MAC is the password check (Web3 v3 "mac").
    Hash256 mac = mac_of(k->suite, dk.v, k->ciphertext);
    if (CRYPTO_memcmp(mac.data(), k->mac.data(), mac.size()) != 0) {
        return unexpected(Err::kWrongPassword);
    }
    Wiped<32> secret;
    XL_TRY_VOID(ctr_xor(k->suite, dk.v.view().first(16), k->iv, k->ciphertext, secret.v.data()));

    auto key = key_of(k->suite, secret.v);
    if (!key) return unexpected(key.error());
    if ((k->address && *k->address != key->address) ||
        (k->public_key && *k->public_key != key->public_key)) {
        return unexpected(Err::kKeyMismatch);
    }
    return key;
}

Result<std::string, KeystoreError> encrypt_keystore_with_nonces(const CryptoSuite& suite,
                                                                const SecretKey& secret,
                                                                std::string_view password,
                                                                const KeystoreParams& params,
                                                                const KeystoreNonces& nonces) {
    if (password.size() > kMaxPasswordSize) return unexpected(Err::kPasswordTooLong);
    auto key = key_of(suite.id(), secret);
    if (!key) return unexpected(key.error());

    Parsed k;
    k.suite = suite.id();
    k.salt = nonces.salt.to_vector();
    k.iv = nonces.iv;
    KdfKind kind = params.kdf;
    if (kind == KdfKind::kSuiteDefault) {
        kind = suite.id() == SuiteId::kSm ? KdfKind::kPbkdf2 : KdfKind::kScrypt;
    }
    // Never write a file that decrypt_keystore would refuse with its default limits.
    const KeystoreLimits limits;
    if (kind == KdfKind::kScrypt) {
        k.kdf = Kdf::kScrypt;
        k.n = params.scrypt_n, k.r = params.scrypt_r, k.p = params.scrypt_p;
        XL_TRY_VOID(check_scrypt(k.n, k.r, k.p, limits));
    } else {
        k.kdf = Kdf::kPbkdf2;
        k.prf = suite.id() == SuiteId::kSm ? Prf::kSm3 : Prf::kSha256;
        k.c = params.pbkdf2_iterations;
        XL_TRY_VOID(check_pbkdf2(k.c, limits));
    }

    Wiped<kDkLen> dk;
    XL_TRY_VOID(derive(password, k, dk.v.data()));
    XL_TRY_VOID(ctr_xor(k.suite, dk.v.view().first(16), k.iv, secret, k.ciphertext.data()));
    k.mac = mac_of(k.suite, dk.v, k.ciphertext);

    Json kdfparams = {{"dklen", kDkLen}, {"salt", to_hex(k.salt, false)}};
    if (k.kdf == Kdf::kScrypt) {
        kdfparams["n"] = k.n, kdfparams["r"] = k.r, kdfparams["p"] = k.p;
    } else {
        kdfparams["c"] = k.c;
        kdfparams["prf"] = k.prf == Prf::kSm3 ? "hmac-sm3" : "hmac-sha256";
    }
    Json out = {
        {"address", to_hex(key->address, false)},
        {"crypto",
         {{"cipher", std::string(cipher_name(k.suite))},
          {"cipherparams", {{"iv", to_hex(k.iv, false)}}},
          {"ciphertext", to_hex(k.ciphertext, false)},
          {"kdf", k.kdf == Kdf::kScrypt ? "scrypt" : "pbkdf2"},
          {"kdfparams", std::move(kdfparams)},
          {"mac", to_hex(k.mac, false)}}},
        {"id", uuid_string(nonces.uuid)},
        {"version", 3},
    };
    // The ecdsa file stays pure Web3 v3. SM2 has no key recovery, and transactions of the sm
    // suite carry the public key (DESIGN.md §3), so the sm file records it.
    if (k.suite == SuiteId::kSm) {
        out["xinlian"] = {{"suite", "sm"}, {"publicKey", to_hex(key->public_key, false)}};
    }
    return out.dump();
}

Result<std::string, KeystoreError> encrypt_keystore(const CryptoSuite& suite,
                                                    const SecretKey& secret,
                                                    std::string_view password,
                                                    const KeystoreParams& params) {
    const KeystoreNonces nonces{random_fixed<32>(), random_fixed<16>(), random_fixed<16>()};
    return encrypt_keystore_with_nonces(suite, secret, password, params, nonces);
}

}  // namespace xl::crypto

// SPDX-License-Identifier: Apache-2.0
// The ledger store: keys and values of docs/spec/ledger.md, the one-batch commit, eth_getLogs.
#include "ledger/ledger.hpp"

#include <algorithm>
#include <set>
#include <utility>

#include "codec/rlp.hpp"
#include "state/backend.hpp"
#include "state/state.hpp"
#include "trie/trie.hpp"

namespace xl::ledger {

static_assert(protocol::kMaxReceiptSize <= trie::kMaxValueBytes,
              "every decodable receipt must fit in the receipts trie");
static_assert(protocol::kMaxTxSize <= trie::kMaxValueBytes);

std::string_view to_string(LedgerError::Code c) noexcept {
    switch (c) {
        case LedgerError::Code::kStorage:
            return "storage error";
        case LedgerError::Code::kCorrupt:
            return "ledger database corrupt";
        case LedgerError::Code::kWrongGenesis:
            return "wrong genesis";
        case LedgerError::Code::kBadGenesis:
            return "bad genesis";
        case LedgerError::Code::kInvalidBlock:
            return "invalid block";
        case LedgerError::Code::kInvalidFilter:
            return "invalid filter";
        case LedgerError::Code::kTooManyLogs:
            return "too many logs";
    }
    return "unknown ledger error";
}

namespace {

using Code = LedgerError::Code;

LedgerError err(Code c, std::string msg) {
    return LedgerError{c, std::move(msg)};
}

// ---- keys (docs/spec/ledger.md) ----

constexpr uint8_t kHeaderPrefix = 'h';  // kBlocks: 'h' || hash -> header RLP
constexpr uint8_t kBodyPrefix = 'b';    // kBlocks: 'b' || hash -> RLP([tx, ...])
constexpr uint8_t kNumberPrefix = 'n';  // kIndex: 'n' || be64(number) -> hash
constexpr uint8_t kTxPrefix = 't';      // kIndex: 't' || tx hash -> RLP([number, hash, index])
constexpr uint8_t kCertPrefix = 'c';    // kIndex: 'c' || be64(height) -> certificate RLP
constexpr std::string_view kGenesisKey = "genesis";   // kMeta -> genesis hash
constexpr std::string_view kSchemaKey = "schema";     // kMeta -> be32(kSchemaVersion)
constexpr std::string_view kHeadKey = "head";         // kMeta -> head hash
constexpr std::string_view kChainIdKey = "chain_id";  // kMeta -> be64(chain id)

Bytes prefixed(uint8_t prefix, BytesView rest) {
    Bytes k;
    k.reserve(1 + rest.size());
    k.push_back(prefix);
    k.insert(k.end(), rest.begin(), rest.end());
    return k;
}

void put_be(Bytes& out, uint64_t v, size_t bytes) {
    for (size_t i = bytes; i-- > 0;)
        out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

Bytes number_key(uint64_t number) {
    Bytes k{kNumberPrefix};
    put_be(k, number, 8);
    return k;
}

Bytes certificate_key(uint64_t height) {
    Bytes k{kCertPrefix};
    put_be(k, height, 8);
    return k;
}


Bytes schema_value() {
    Bytes v;
    put_be(v, kSchemaVersion, 4);
    return v;
}

Bytes chain_id_value(uint64_t chain_id) {
    Bytes v;
    put_be(v, chain_id, 8);
    return v;
}

// ---- values ----

// kReceipts: block hash || be32(index of its first receipt) -> RLP([record, ...]): a block's
// receipts in order, in chunks of about kReceiptChunkBytes (a typical block is one key, not one
// per transaction, and no chunk nears the storage value limit however large the logs). A record is
// RLP([type, status, cumulativeGasUsed, logs, gasUsed, from, contractAddress (empty if none),
//      effectiveGasPrice, firstLogIndex]) with logs = [[address, [topic, ...], data], ...].
// The 256-byte bloom is not stored: it is a function of the logs (protocol::bloom_of),
// recomputed when a record is read.
constexpr size_t kReceiptChunkBytes = size_t{1} << 20;

Bytes receipt_key(const Hash256& block, uint32_t first_index) {
    Bytes k = block.to_vector();
    put_be(k, first_index, 4);
    return k;
}

void add_record(rlp::ListBuilder& out, const ReceiptRecord& r) {
    rlp::ListBuilder b;
    b.add_uint(uint64_t{static_cast<uint8_t>(r.receipt.type)})
        .add_uint(uint64_t{r.receipt.success ? 1u : 0u})
        .add_uint(r.receipt.cumulative_gas_used)
        .add_raw(protocol::encode_logs(r.receipt.logs))
        .add_uint(r.gas_used)
        .add_string(r.from);
    if (r.contract_address) {
        b.add_string(*r.contract_address);
    } else {
        b.add_string(BytesView{});
    }
    b.add_uint(r.effective_gas_price).add_uint(uint64_t{r.first_log_index});
    out.add_list(b);
}

// Adds the chunks of a block's receipts to batch.
void put_receipts(storage::WriteBatch& batch, const Hash256& block,
                  std::span<const ReceiptRecord> rs) {
    rlp::ListBuilder chunk;
    size_t first = 0;
    for (size_t i = 0; i < rs.size(); ++i) {
        add_record(chunk, rs[i]);
        if (chunk.payload().size() >= kReceiptChunkBytes || i + 1 == rs.size()) {
            batch.put(storage::Column::kReceipts, receipt_key(block, static_cast<uint32_t>(first)),
                      chunk.finish());
            chunk = rlp::ListBuilder();
            first = i + 1;
        }
    }
}

std::optional<protocol::Log> decode_log(rlp::Reader& logs) {
    auto entry = logs.read_list();
    if (!entry) return std::nullopt;
    protocol::Log l;
    auto address = entry->read_fixed<20>();
    auto topics = entry->read_list();
    if (!address || !topics) return std::nullopt;
    l.address = *address;
    while (!topics->empty()) {
        auto t = topics->read_fixed<32>();
        if (!t || l.topics.size() == protocol::kMaxLogTopics) return std::nullopt;
        l.topics.push_back(*t);
    }
    auto data = entry->read_string();
    if (!data || !entry->finish()) return std::nullopt;
    l.data.assign(data->begin(), data->end());
    return l;
}

// One record (the item's whole encoding).
std::optional<ReceiptRecord> decode_record(BytesView item) {
    auto list = rlp::open_list(item);
    if (!list) return std::nullopt;
    ReceiptRecord r;
    auto type = list->read_u64();
    auto status = list->read_u64();
    auto cumulative = list->read_u64();
    auto logs = list->read_list();
    if (!type || !status || !cumulative || !logs || *status > 1) return std::nullopt;
    using protocol::TxType;
    if (*type != uint64_t{static_cast<uint8_t>(TxType::kLegacy)} &&
        *type != uint64_t{static_cast<uint8_t>(TxType::kAccessList)} &&
        *type != uint64_t{static_cast<uint8_t>(TxType::kDynamicFee)} &&
        *type != uint64_t{static_cast<uint8_t>(TxType::kSm)})
        return std::nullopt;
    r.receipt.type = static_cast<protocol::TxType>(*type);
    r.receipt.success = *status == 1;
    r.receipt.cumulative_gas_used = *cumulative;
    while (!logs->empty()) {
        auto l = decode_log(*logs);
        if (!l) return std::nullopt;
        r.receipt.logs.push_back(std::move(*l));
    }
    r.receipt.bloom = protocol::bloom_of(r.receipt.logs);
    auto gas = list->read_u64();
    auto from = list->read_fixed<20>();
    auto contract = list->read_string();
    auto price = list->read_u256();
    auto first = list->read_u64();
    if (!gas || !from || !contract || !price || !first || !list->finish()) return std::nullopt;
    if (*first > UINT32_MAX) return std::nullopt;
    r.gas_used = *gas;
    r.from = *from;
    if (!contract->empty()) {
        Address a;
        if (!Address::from_view(*contract, a)) return std::nullopt;
        r.contract_address = a;
    }
    r.effective_gas_price = *price;
    r.first_log_index = static_cast<uint32_t>(*first);
    return r;
}

Bytes encode_location(const TxLocation& l) {
    rlp::ListBuilder b;
    b.add_uint(l.block_number).add_string(l.block_hash).add_uint(uint64_t{l.index});
    return b.finish();
}

std::optional<TxLocation> decode_location(BytesView in) {
    auto list = rlp::open_list(in);
    if (!list) return std::nullopt;
    auto number = list->read_u64();
    auto hash = list->read_fixed<32>();
    auto index = list->read_u64();
    if (!number || !hash || !index || !list->finish() || *index > UINT32_MAX) return std::nullopt;
    return TxLocation{*number, *hash, static_cast<uint32_t>(*index)};
}

// ---- storage errors ----

LedgerError from_storage(storage::StorageError e, std::string_view what) {
    std::string msg(what);
    msg += ": ";
    msg += storage::to_string(e);
    return err(e == storage::StorageError::kCorruption ? Code::kCorrupt : Code::kStorage,
               std::move(msg));
}

// A get where absence is normal: nullopt, or the error.
Result<std::optional<Bytes>, LedgerError> get_opt(const storage::Kv& kv, storage::Column c,
                                                  BytesView key, std::string_view what) {
    auto v = kv.get(c, key);
    if (v) return std::optional<Bytes>(std::move(*v));
    if (v.error() == storage::StorageError::kNotFound) return std::optional<Bytes>{};
    return unexpected(from_storage(v.error(), what));
}

LedgerError corrupt(std::string_view what, const Hash256& h) {
    return err(Code::kCorrupt, std::string(what) + " of block " + to_hex(h));
}

// Calls f(index, record item) for a block's receipts in order, from its chunks, until f returns
// false. Every chunk must start where the previous one ended (the first at 0) and decode as a
// list; kCorrupt otherwise. `count`, if given, receives how many records were visited.
template <typename F>
Result<void, LedgerError> visit_receipts(const storage::Kv& kv, const Hash256& block, F&& f,
                                         size_t* count = nullptr) {
    auto it = kv.iterate(storage::Column::kReceipts, block);
    uint32_t next = 0;
    bool more = true;
    for (it->seek_to_first(); more && it->valid(); it->next()) {
        const BytesView key = it->key();
        if (key.size() != 36 || receipt_key(block, next) != Bytes(key.begin(), key.end()))
            return unexpected(corrupt("receipt keys damaged", block));
        auto list = rlp::open_list(it->value());
        if (!list || list->empty()) return unexpected(corrupt("receipt damaged", block));
        while (more && !list->empty()) {
            auto item = list->read_raw();
            if (!item) return unexpected(corrupt("receipt damaged", block));
            more = f(next, *item);
            ++next;
        }
    }
    if (auto st = it->status(); !st) return unexpected(from_storage(st.error(), "receipts"));
    if (count) *count = next;
    return {};
}

#define XL_L_ASSIGN(lhs, expr)                            \
    do {                                                  \
        auto xl_l_r_ = (expr);                            \
        if (!xl_l_r_) return unexpected(xl_l_r_.error()); \
        lhs = std::move(*xl_l_r_);                        \
    } while (0)

// The genesis state of an empty database: a State over the (empty) flat copy takes the alloc
// and commits it into batch (flat copy, code, trie nodes); returns the state root.
Result<Hash256, LedgerError> write_genesis_state(const Genesis& g, const storage::Kv& kv,
                                                 storage::WriteBatch& batch) {
    const crypto::CryptoSuite& suite = g.crypto_suite();
    auto backend = state::flat_backend(kv, suite, trie::empty_root(suite));
    state::State st(backend.get());
    for (const auto& [addr, acc] : g.alloc)
        st.put_account(addr, acc);
    auto root = st.commit(batch, suite);
    if (!root)
        return unexpected(err(Code::kBadGenesis,
                              "genesis state: " + std::string(state::to_string(root.error()))));
    return *root;
}

// Adds block, body, receipts and indexes (not the head pointer) of a block to batch.
void put_block(storage::WriteBatch& batch, const Hash256& hash, const protocol::Block& block,
               std::span<const Hash256> tx_hashes, std::span<const ReceiptRecord> receipts) {
    using storage::Column;
    batch.put(Column::kBlocks, prefixed(kHeaderPrefix, hash), block.header.encode());
    batch.put(Column::kBlocks, prefixed(kBodyPrefix, hash),
              protocol::encode_transactions(block.transactions));
    put_receipts(batch, hash, receipts);
    for (size_t i = 0; i < tx_hashes.size(); ++i) {
        const TxLocation loc{block.header.number, hash, static_cast<uint32_t>(i)};
        batch.put(Column::kIndex, prefixed(kTxPrefix, tx_hashes[i]), encode_location(loc));
    }
    batch.put(Column::kIndex, number_key(block.header.number), hash);
    batch.put(Column::kMeta, as_bytes(kHeadKey), hash);
}

// A topic/address filter compiled once: ordered sets for lookups (no hash-map order anywhere).
struct CompiledFilter {
    std::set<Address> addresses;
    std::vector<std::set<Hash256>> topics;

    bool matches(const protocol::Log& log) const {
        if (!addresses.empty() && !addresses.contains(log.address)) return false;
        // As geth (eth/filters): a log with fewer topics than the filter has positions does
        // not match, even where the remaining positions are wildcards.
        if (topics.size() > log.topics.size()) return false;
        for (size_t i = 0; i < topics.size(); ++i) {
            if (!topics[i].empty() && !topics[i].contains(log.topics[i])) return false;
        }
        return true;
    }
    // The block may hold a matching log: some address in the bloom, and for every constrained
    // position some topic in the bloom (a bloom never gives a false negative).
    bool may_match(const protocol::Bloom& bloom) const {
        if (!addresses.empty() &&
            std::none_of(addresses.begin(), addresses.end(),
                         [&](const Address& a) { return protocol::bloom_may_contain(bloom, a); })) {
            return false;
        }
        for (const auto& position : topics) {
            if (position.empty()) continue;
            if (std::none_of(position.begin(), position.end(), [&](const Hash256& t) {
                    return protocol::bloom_may_contain(bloom, t);
                })) {
                return false;
            }
        }
        return true;
    }
};

}  // namespace

// ---- roots ----

namespace {
// The transactions root; the transactions' hashes too when `hashes` is given.
Hash256 transactions_root_of(const crypto::CryptoSuite& suite,
                             std::span<const protocol::Transaction> txs,
                             std::vector<Hash256>* hashes) {
    std::vector<Bytes> items;
    items.reserve(txs.size());
    if (hashes) hashes->resize(txs.size());
    for (size_t i = 0; i < txs.size(); ++i) {
        items.push_back(txs[i].encode());
        if (hashes) (*hashes)[i] = suite.hash(items.back());
    }
    auto root = trie::ordered_trie_root(suite, items);
    // Only a value over trie::kMaxValueBytes fails; a transaction is at most kMaxTxSize bytes
    // when decoded, so a failure here is a transaction the node built wrongly (our bug).
    XL_ASSERT(root.has_value());
    return *root;
}
}  // namespace

Hash256 transactions_root(const crypto::CryptoSuite& suite,
                          std::span<const protocol::Transaction> txs) {
    return transactions_root_of(suite, txs, nullptr);
}

Hash256 transactions_root(const crypto::CryptoSuite& suite,
                          std::span<const protocol::Transaction> txs,
                          std::vector<Hash256>& hashes) {
    return transactions_root_of(suite, txs, &hashes);
}

namespace {

// The receipts root of n receipts, receipt(i) giving the i-th.
template <typename Get>
Result<Hash256, LedgerError> receipts_root_of(const crypto::CryptoSuite& suite, size_t n,
                                              Get&& receipt) {
    std::vector<Bytes> items;
    items.reserve(n);
    for (size_t i = 0; i < n; ++i) {
        items.push_back(receipt(i).encode());
        if (items.back().size() > protocol::kMaxReceiptSize) {
            return unexpected(err(Code::kInvalidBlock, "receipt " + std::to_string(i) + " is " +
                                                           std::to_string(items.back().size()) +
                                                           " bytes, over the receipt limit"));
        }
    }
    auto root = trie::ordered_trie_root(suite, items);
    if (!root)
        return unexpected(err(Code::kInvalidBlock, std::string(trie::to_string(root.error()))));
    return *root;
}

}  // namespace

Result<Hash256, LedgerError> receipts_root(const crypto::CryptoSuite& suite,
                                           std::span<const protocol::Receipt> rs) {
    return receipts_root_of(suite, rs.size(),
                            [&](size_t i) -> const protocol::Receipt& { return rs[i]; });
}

Result<Hash256, LedgerError> receipts_root(const crypto::CryptoSuite& suite,
                                           std::span<const ReceiptRecord> rs) {
    return receipts_root_of(suite, rs.size(),
                            [&](size_t i) -> const protocol::Receipt& { return rs[i].receipt; });
}

// ---- Ledger ----

Ledger::Ledger(storage::Kv& kv, const crypto::CryptoSuite& suite, const Hash256& genesis_hash)
    : kv_(&kv), suite_(&suite), genesis_hash_(genesis_hash) {}

Result<std::unique_ptr<Ledger>, LedgerError> Ledger::open(storage::Kv& kv,
                                                          const crypto::CryptoSuite& suite,
                                                          const Genesis& genesis) {
    if (genesis.suite != suite.id()) {
        return unexpected(err(Code::kBadGenesis,
                              "genesis crypto is " + std::string(genesis.crypto_suite().name()) +
                                  " but the ledger runs " + std::string(suite.name())));
    }
    // The genesis state root, computed in memory; the empty-database path below writes the
    // state itself (and checks it gets the same root).
    Hash256 state_root;
    {
        auto root = genesis_state_root(genesis);
        if (!root) return unexpected(err(Code::kBadGenesis, root.error()));
        state_root = *root;
    }
    storage::WriteBatch batch;
    protocol::Block block0;
    block0.header = genesis_header(genesis, state_root);
    const Hash256 hash0 = block0.header.hash(suite);

    std::unique_ptr<Ledger> ledger(new Ledger(kv, suite, hash0));
    std::optional<Bytes> stored;
    XL_L_ASSIGN(stored, get_opt(kv, storage::Column::kMeta, as_bytes(kGenesisKey), "genesis hash"));
    if (!stored) {
        // A database without a genesis must be empty of ledger data: a head without a genesis
        // is damage, not a fresh start.
        std::optional<Bytes> head;
        XL_L_ASSIGN(head, get_opt(kv, storage::Column::kMeta, as_bytes(kHeadKey), "head"));
        if (head) return unexpected(err(Code::kCorrupt, "head pointer without a genesis hash"));
        Hash256 written;
        XL_L_ASSIGN(written, write_genesis_state(genesis, kv, batch));
        if (written != state_root)
            return unexpected(err(Code::kBadGenesis,
                                  "genesis state root differs between the "
                                  "in-memory and the stored state"));
        put_block(batch, hash0, block0, {}, {});
        batch.put(storage::Column::kMeta, as_bytes(kGenesisKey), hash0);
        batch.put(storage::Column::kMeta, as_bytes(kSchemaKey), schema_value());
        batch.put(storage::Column::kMeta, as_bytes(kChainIdKey), chain_id_value(genesis.chain_id));
        auto w = kv.write(batch);
        if (!w) return unexpected(from_storage(w.error(), "writing the genesis"));
    } else {
        Hash256 stored_hash;
        if (!Hash256::from_view(*stored, stored_hash)) {
            return unexpected(err(Code::kCorrupt, "stored genesis hash is not 32 bytes"));
        }
        if (stored_hash != hash0) {
            return unexpected(
                err(Code::kWrongGenesis, "database belongs to another chain: genesis " +
                                             to_hex(stored_hash) + " != " + to_hex(hash0)));
        }
        std::optional<Bytes> schema;
        XL_L_ASSIGN(schema, get_opt(kv, storage::Column::kMeta, as_bytes(kSchemaKey), "schema"));
        if (!schema) return unexpected(err(Code::kCorrupt, "schema version missing"));
        if (*schema != schema_value()) {
            return unexpected(err(Code::kCorrupt,
                                  "schema version " + to_hex(*schema) + " is not this program's " +
                                      to_hex(schema_value()) +
                                      " (written by another version of xinlian; there is no "
                                      "migration: move the data directory away and let the "
                                      "node sync from its peers, or re-create a local chain)"));
        }
        // The chain id is not in the genesis header (as in Ethereum), so it is checked apart.
        std::optional<Bytes> chain_id;
        XL_L_ASSIGN(chain_id,
                    get_opt(kv, storage::Column::kMeta, as_bytes(kChainIdKey), "chain id"));
        if (!chain_id || chain_id->size() != 8) {
            return unexpected(err(Code::kCorrupt, "chain id missing or not 8 bytes"));
        }
        if (*chain_id != chain_id_value(genesis.chain_id)) {
            uint64_t stored_id = 0;
            for (uint8_t b : *chain_id)
                stored_id = (stored_id << 8) | b;
            return unexpected(
                err(Code::kWrongGenesis, "database belongs to another chain: chain id " +
                                             std::to_string(stored_id) +
                                             " != " + std::to_string(genesis.chain_id)));
        }
    }
    XL_TRY_VOID(ledger->load_head());
    return ledger;
}

Result<void, LedgerError> Ledger::load_head() {
    std::optional<Bytes> head;
    XL_L_ASSIGN(head, get_opt(*kv_, storage::Column::kMeta, as_bytes(kHeadKey), "head"));
    Hash256 hash;
    if (!head || !Hash256::from_view(*head, hash)) {
        return unexpected(err(Code::kCorrupt, "head pointer missing or not 32 bytes"));
    }
    std::optional<protocol::BlockHeader> header;
    XL_L_ASSIGN(header, load_header(hash));
    if (!header) return unexpected(corrupt("header missing", hash));
    if (header->hash(*suite_) != hash) return unexpected(corrupt("header hash mismatch", hash));
    std::optional<std::vector<protocol::Transaction>> body;
    XL_L_ASSIGN(body, load_body(hash));
    if (!body) return unexpected(corrupt("body missing", hash));
    std::optional<Bytes> indexed;
    XL_L_ASSIGN(indexed,
                get_opt(*kv_, storage::Column::kIndex, number_key(header->number), "number index"));
    if (!indexed || BytesView(*indexed).size() != 32 || Hash256::from(*indexed) != hash) {
        return unexpected(corrupt("number index wrong", hash));
    }
    // Every receipt of the head block, and no more: present and decodable.
    size_t count = 0;
    bool damaged = false;
    auto v = visit_receipts(
        *kv_, hash,
        [&](uint32_t, BytesView item) { return decode_record(item) ? true : !(damaged = true); },
        &count);
    if (!v) return unexpected(v.error());
    if (damaged) return unexpected(corrupt("receipt damaged", hash));
    if (count != body->size()) return unexpected(corrupt("receipts incomplete", hash));
    // Every block after the genesis is committed with its certificate, in the same write.
    if (header->number > 0) {
        std::optional<protocol::CommitCertificate> cert;
        XL_L_ASSIGN(cert, load_certificate(header->number));
        if (!cert || cert->block_hash != hash)
            return unexpected(corrupt("certificate wrong", hash));
    }

    std::unique_lock lock(head_mu_);
    head_ = std::move(*header);
    head_hash_ = hash;
    head_number_.store(head_.number, std::memory_order_release);
    return {};
}

protocol::BlockHeader Ledger::head() const {
    std::shared_lock lock(head_mu_);
    return head_;
}

Hash256 Ledger::head_hash() const {
    std::shared_lock lock(head_mu_);
    return head_hash_;
}

Result<std::optional<protocol::BlockHeader>, LedgerError> Ledger::load_header(
    const Hash256& h) const {
    std::optional<Bytes> raw;
    XL_L_ASSIGN(raw, get_opt(*kv_, storage::Column::kBlocks, prefixed(kHeaderPrefix, h), "header"));
    if (!raw) return std::optional<protocol::BlockHeader>{};
    auto header = protocol::BlockHeader::decode(*raw);
    if (!header) return unexpected(corrupt("header does not decode", h));
    return std::optional<protocol::BlockHeader>(std::move(*header));
}

Result<std::optional<std::vector<protocol::Transaction>>, LedgerError> Ledger::load_body(
    const Hash256& h) const {
    std::optional<Bytes> raw;
    XL_L_ASSIGN(raw, get_opt(*kv_, storage::Column::kBlocks, prefixed(kBodyPrefix, h), "body"));
    if (!raw) return std::optional<std::vector<protocol::Transaction>>{};
    auto txs = protocol::decode_transactions(*raw, suite_);
    if (!txs) return unexpected(corrupt("body does not decode", h));
    return std::optional<std::vector<protocol::Transaction>>(std::move(*txs));
}

Result<std::optional<Hash256>, LedgerError> Ledger::block_hash(uint64_t number) const {
    if (number > head_number()) return std::optional<Hash256>{};
    std::optional<Bytes> raw;
    XL_L_ASSIGN(raw, get_opt(*kv_, storage::Column::kIndex, number_key(number), "number index"));
    // At or below the head the index entry exists: its absence is damage.
    Hash256 h;
    if (!raw || !Hash256::from_view(*raw, h)) {
        return unexpected(
            err(Code::kCorrupt, "number index of block " + std::to_string(number) + " damaged"));
    }
    return std::optional<Hash256>(h);
}

Result<std::optional<protocol::BlockHeader>, LedgerError> Ledger::header(
    const Hash256& hash) const {
    std::optional<protocol::BlockHeader> h;
    XL_L_ASSIGN(h, load_header(hash));
    // A block of a commit still in flight is not there yet (the head has not moved).
    if (h && h->number > head_number()) return std::optional<protocol::BlockHeader>{};
    return h;
}

Result<std::optional<protocol::BlockHeader>, LedgerError> Ledger::header(uint64_t number) const {
    std::optional<Hash256> hash;
    XL_L_ASSIGN(hash, block_hash(number));
    if (!hash) return std::optional<protocol::BlockHeader>{};
    std::optional<protocol::BlockHeader> h;
    XL_L_ASSIGN(h, load_header(*hash));
    if (!h) return unexpected(corrupt("header missing", *hash));
    return h;
}

Result<std::optional<protocol::Block>, LedgerError> Ledger::block(const Hash256& hash) const {
    std::optional<protocol::BlockHeader> h;
    XL_L_ASSIGN(h, header(hash));
    if (!h) return std::optional<protocol::Block>{};
    std::optional<std::vector<protocol::Transaction>> body;
    XL_L_ASSIGN(body, load_body(hash));
    if (!body) return unexpected(corrupt("body missing", hash));
    return std::optional<protocol::Block>(protocol::Block{std::move(*h), std::move(*body)});
}

Result<std::optional<protocol::Block>, LedgerError> Ledger::block(uint64_t number) const {
    std::optional<Hash256> hash;
    XL_L_ASSIGN(hash, block_hash(number));
    if (!hash) return std::optional<protocol::Block>{};
    std::optional<protocol::Block> b;
    XL_L_ASSIGN(b, block(*hash));
    if (!b) return unexpected(corrupt("header missing", *hash));
    return b;
}

Result<std::optional<TxLocation>, LedgerError> Ledger::tx_location(const Hash256& tx_hash) const {
    std::optional<Bytes> raw;
    XL_L_ASSIGN(raw, get_opt(*kv_, storage::Column::kIndex, prefixed(kTxPrefix, tx_hash),
                             "transaction index"));
    if (!raw) return std::optional<TxLocation>{};
    auto loc = decode_location(*raw);
    if (!loc) {
        return unexpected(
            err(Code::kCorrupt, "transaction index of " + to_hex(tx_hash) + " damaged"));
    }
    if (loc->block_number > head_number()) return std::optional<TxLocation>{};
    return std::optional<TxLocation>(*loc);
}

Result<std::optional<std::vector<ReceiptRecord>>, LedgerError> Ledger::receipts(
    const Hash256& block_hash) const {
    using Out = std::optional<std::vector<ReceiptRecord>>;
    std::optional<protocol::BlockHeader> h;
    XL_L_ASSIGN(h, header(block_hash));
    if (!h) return Out{};
    std::vector<ReceiptRecord> out;
    bool damaged = false;
    auto v = visit_receipts(*kv_, block_hash, [&](uint32_t, BytesView item) {
        auto r = decode_record(item);
        if (!r) return !(damaged = true);
        out.push_back(std::move(*r));
        return true;
    });
    if (!v) return unexpected(v.error());
    if (damaged) return unexpected(corrupt("receipt damaged", block_hash));
    return Out(std::move(out));
}

Result<std::optional<ReceiptRecord>, LedgerError> Ledger::receipt(const Hash256& block_hash,
                                                                  uint32_t index) const {
    using Out = std::optional<ReceiptRecord>;
    std::optional<protocol::BlockHeader> h;
    XL_L_ASSIGN(h, header(block_hash));
    if (!h) return Out{};
    // The records before `index` are skipped, not decoded.
    std::optional<BytesView> found;
    Bytes item;
    auto v = visit_receipts(*kv_, block_hash, [&](uint32_t i, BytesView it) {
        if (i != index) return true;
        item.assign(it.begin(), it.end());  // the iterator's value dies with it
        found = item;
        return false;
    });
    if (!v) return unexpected(v.error());
    if (!found) return Out{};
    auto r = decode_record(*found);
    if (!r) return unexpected(corrupt("receipt damaged", block_hash));
    return Out(std::move(*r));
}

Result<std::optional<protocol::CommitCertificate>, LedgerError> Ledger::load_certificate(
    uint64_t height) const {
    using Out = std::optional<protocol::CommitCertificate>;
    std::optional<Bytes> raw;
    XL_L_ASSIGN(raw,
                get_opt(*kv_, storage::Column::kIndex, certificate_key(height), "certificate"));
    if (!raw) return Out{};
    auto c = protocol::CommitCertificate::decode(*raw);
    if (!c || c->height != height) {
        return unexpected(
            err(Code::kCorrupt, "certificate of block " + std::to_string(height) + " damaged"));
    }
    return Out(std::move(*c));
}

Result<std::optional<protocol::CommitCertificate>, LedgerError> Ledger::certificate(
    uint64_t height) const {
    if (height == 0 || height > head_number()) return std::optional<protocol::CommitCertificate>{};
    std::optional<protocol::CommitCertificate> c;
    XL_L_ASSIGN(c, load_certificate(height));
    // Every committed block is committed with its certificate.
    if (!c) {
        return unexpected(
            err(Code::kCorrupt, "certificate of block " + std::to_string(height) + " missing"));
    }
    return c;
}

Result<void, LedgerError> Ledger::commit(
    const protocol::Block& block, const std::vector<ReceiptRecord>& receipts,
    storage::WriteBatch&& state_batch, const protocol::CommitCertificate& certificate,
    const std::optional<protocol::CommitCertificate>& prev_certificate, const Known* known) {
    std::lock_guard commit_lock(commit_mu_);
    const protocol::BlockHeader& h = block.header;
    const uint64_t number = head_number();
    const Hash256 parent = head_hash();
    auto invalid = [&](std::string msg) {
        return unexpected(
            err(Code::kInvalidBlock, "block " + std::to_string(h.number) + ": " + std::move(msg)));
    };
    if (h.number != number + 1) {
        return invalid("number is not head + 1 (head " + std::to_string(number) + ")");
    }
    if (h.parent_hash != parent) {
        return invalid("parent " + to_hex(h.parent_hash) + " is not the head " + to_hex(parent));
    }
    if (h.extra_data.size() > protocol::kMaxExtraDataSize) return invalid("extra data too long");
    if (block.transactions.size() > protocol::kMaxBlockTransactions) {
        return invalid("too many transactions");
    }
    if (receipts.size() != block.transactions.size()) {
        return invalid(std::to_string(receipts.size()) + " receipts for " +
                       std::to_string(block.transactions.size()) + " transactions");
    }
    if (known != nullptr && known->tx_hashes.size() != block.transactions.size()) {
        return invalid(std::to_string(known->tx_hashes.size()) + " transaction hashes for " +
                       std::to_string(block.transactions.size()) + " transactions");
    }
    // What the header claims about its receipts must be what is stored under it.
    uint32_t log_index = 0;
    for (size_t i = 0; i < receipts.size(); ++i) {
        if (receipts[i].first_log_index != log_index) {
            return invalid("receipt " + std::to_string(i) + " first log index " +
                           std::to_string(receipts[i].first_log_index) + ", expected " +
                           std::to_string(log_index));
        }
        log_index += static_cast<uint32_t>(receipts[i].receipt.logs.size());
    }
    if (known == nullptr || !known->header_checked) {
        protocol::Bloom bloom{};
        for (const ReceiptRecord& r : receipts)
            protocol::bloom_or(bloom, r.receipt.bloom);
        const uint64_t gas_used =
            receipts.empty() ? 0 : receipts.back().receipt.cumulative_gas_used;
        if (gas_used != h.gas_used) {
            return invalid("gas used " + std::to_string(h.gas_used) + " != receipts' " +
                           std::to_string(gas_used));
        }
        if (bloom != h.logs_bloom) return invalid("logs bloom does not match the receipts");
        if (transactions_root(*suite_, block.transactions) != h.transactions_root) {
            return invalid("transactions root mismatch");
        }
        Hash256 rroot;
        XL_L_ASSIGN(rroot, receipts_root(*suite_, receipts));
        if (rroot != h.receipts_root) return invalid("receipts root mismatch");
    }

    const Hash256 hash = h.hash(*suite_);
    if (certificate.height != h.number || certificate.block_hash != hash) {
        return invalid("certificate is for block " + std::to_string(certificate.height) + " " +
                       to_hex(certificate.block_hash) + ", not " + to_hex(hash));
    }
    const Bytes cert_bytes = certificate.encode();
    if (cert_bytes.size() > protocol::kMaxCertificateSize) {
        return invalid("certificate of " + std::to_string(cert_bytes.size()) +
                       " bytes is over the limit");
    }
    Hash256 prev_hash;  // of the previous height's certificate as it will be stored
    Bytes prev_cert_bytes;
    if (prev_certificate) {
        if (h.number == 1) return invalid("a previous certificate for the genesis");
        if (prev_certificate->height != number || prev_certificate->block_hash != parent) {
            return invalid(
                "previous certificate is for block " + std::to_string(prev_certificate->height) +
                " " + to_hex(prev_certificate->block_hash) + ", not the parent " + to_hex(parent));
        }
        prev_cert_bytes = prev_certificate->encode();
        if (prev_cert_bytes.size() > protocol::kMaxCertificateSize) {
            return invalid("previous certificate over the size limit");
        }
        prev_hash = suite_->hash(prev_cert_bytes);
    } else if (h.number > 1) {
        std::optional<protocol::CommitCertificate> stored;
        XL_L_ASSIGN(stored, load_certificate(number));
        if (!stored) {
            return invalid("no previous certificate given and none stored for block " +
                           std::to_string(number));
        }
        prev_hash = stored->hash(*suite_);
    }
    if (h.prev_certificate_hash != prev_hash) {
        return invalid("prev certificate hash " + to_hex(h.prev_certificate_hash) +
                       " != the previous certificate's " + to_hex(prev_hash));
    }
    std::vector<Hash256> computed;
    std::span<const Hash256> tx_hashes;
    if (known != nullptr) {
        tx_hashes = known->tx_hashes;
    } else {
        computed.reserve(block.transactions.size());
        for (const protocol::Transaction& tx : block.transactions)
            computed.push_back(tx.hash(*suite_));
        tx_hashes = computed;
    }

    storage::WriteBatch batch = std::move(state_batch);
    put_block(batch, hash, block, tx_hashes, receipts);
    batch.put(storage::Column::kIndex, certificate_key(h.number), cert_bytes);
    if (prev_certificate) {
        batch.put(storage::Column::kIndex, certificate_key(number), prev_cert_bytes);
    }
    auto w = kv_->write(batch);  // synced (WriteOptions{} is durable)
    if (!w)
        return unexpected(from_storage(w.error(), "committing block " + std::to_string(h.number)));

    std::unique_lock lock(head_mu_);
    head_ = h;
    head_hash_ = hash;
    head_number_.store(h.number, std::memory_order_release);
    return {};
}

Result<std::vector<Ledger::LogEntry>, LedgerError> Ledger::logs(const LogFilter& filter,
                                                                size_t max_logs) const {
    if (filter.from > filter.to) {
        return unexpected(err(Code::kInvalidFilter, "invalid block range params"));
    }
    if (filter.topics.size() > protocol::kMaxLogTopics) {
        return unexpected(err(Code::kInvalidFilter, "exceed max topics"));
    }
    const uint64_t to = std::min(filter.to, head_number());
    std::vector<LogEntry> out;
    if (filter.from > to) return out;
    if (to - filter.from >= kMaxLogBlockRange) {
        return unexpected(err(Code::kInvalidFilter,
                              "block range over " + std::to_string(kMaxLogBlockRange) + " blocks"));
    }
    CompiledFilter f;
    f.addresses.insert(filter.addresses.begin(), filter.addresses.end());
    for (const auto& position : filter.topics)
        f.topics.emplace_back(position.begin(), position.end());

    for (uint64_t n = filter.from; n <= to; ++n) {
        std::optional<Hash256> hash;
        XL_L_ASSIGN(hash, block_hash(n));
        if (!hash) break;
        std::optional<protocol::BlockHeader> h;
        XL_L_ASSIGN(h, load_header(*hash));
        if (!h) return unexpected(corrupt("header missing", *hash));
        if (!f.may_match(h->logs_bloom)) continue;
        std::optional<std::vector<ReceiptRecord>> rs;
        XL_L_ASSIGN(rs, receipts(*hash));
        if (!rs) return unexpected(corrupt("receipts missing", *hash));
        std::vector<Hash256> tx_hashes;  // of the body, loaded on the first match
        for (size_t i = 0; i < rs->size(); ++i) {
            const ReceiptRecord& r = (*rs)[i];
            for (size_t j = 0; j < r.receipt.logs.size(); ++j) {
                if (!f.matches(r.receipt.logs[j])) continue;
                if (tx_hashes.empty()) {
                    std::optional<std::vector<protocol::Transaction>> body;
                    XL_L_ASSIGN(body, load_body(*hash));
                    if (!body || body->size() != rs->size()) {
                        return unexpected(corrupt("body missing or not matching receipts", *hash));
                    }
                    for (const protocol::Transaction& tx : *body)
                        tx_hashes.push_back(tx.hash(*suite_));
                }
                if (out.size() == max_logs) {
                    return unexpected(
                        err(Code::kTooManyLogs,
                            "query returned more than " + std::to_string(max_logs) + " results"));
                }
                out.push_back(LogEntry{r.receipt.logs[j], n, *hash, tx_hashes[i],
                                       static_cast<uint32_t>(i),
                                       static_cast<uint32_t>(r.first_log_index + j)});
            }
        }
    }
    return out;
}

}  // namespace xl::ledger

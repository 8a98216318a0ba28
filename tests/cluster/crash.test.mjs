// SPDX-License-Identifier: Apache-2.0
// Crash safety under load (issue 4): a single-validator node (100 ms blocks) runs a load of
// transfers and contract storage writes from several senders (eth_sendRawTransaction with
// explicit nonces) and is killed with SIGKILL at a seeded random moment, 25 times. After each
// restart the test checks that the node starts; its head is at or above every block a seen
// receipt named; every seen receipt is still returned with the same block; block hashes by
// number are unchanged; the head's state root proves (eth_getProof, checked by an independent
// MPT verifier) every dev account and the seen storage writes; the sum of balances equals the
// genesis total (base fee 0, tip 0: no fees); nonces continue from the state. Transactions
// still in the memory-only pool at the kill may be lost and are re-sent from the state nonce.
// A second test starts a node of another genesis on that database and expects the refusal
// "database belongs to another chain".
// Run: XINLIAN=build/xinlian node --test tests/cluster/crash.test.mjs (XL_TEST_SEED=N replays;
// XL_CRASH_KILLS=N changes the number of kills). Single-threaded (one event loop), no state
// shared with other test files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Transaction, Wallet, decodeRlp, getCreateAddress, toBeHex, zeroPadValue,
} from '../js/node_modules/ethers/lib.esm/index.js';
import { cli, freePort, withTimeout } from '../js/lib/node.mjs';
import { quantityBytes, verifyProof } from '../js/lib/mpt.mjs';

const kKills = Number(process.env.XL_CRASH_KILLS ?? 25);
const kDevAccounts = 6;
const kSenders = 4; // dev accounts 0..3 send; every account receives
const kBatch = 6; // transactions per sender per JSON-RPC batch
const kChainId = 1337n;
const kBlockIntervalMs = 100;
const kKillMinMs = 150; // after the node answered
const kKillSpanMs = 1600; // + seeded random part
const kStartTimeoutMs = 15000;
const kRpcTimeoutMs = 5000;
const kReceiptWaitMs = 10000;
const kTestTimeoutMs = 170000; // the whole crash loop, < 3 minutes on 2 cores
const kStoreGas = 100000n;
const kTransferGas = 21000n;
const kLogTailChars = 6000;
const kProofSlotsPerRound = 4;

// Runtime SSTORE(calldata[0:32], calldata[32:64]); init code copies and returns it.
const kRuntime = '60203560003555' + '00';
const kInitCode = '0x6008600c60003960086000f3' + kRuntime;

const seed = Number(process.env.XL_TEST_SEED ?? Math.floor(Math.random() * 2 ** 31));
console.log(`crash test seed: ${seed} (replay with XL_TEST_SEED=${seed})`);

// mulberry32: a small seeded PRNG, enough for kill moments and amounts.
function prng(s) {
  let a = s >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const randKill = prng(seed); // kill moments: the same for a seed
const rand = prng(seed ^ 0x9e3779b9); // load contents (their order follows the scheduling)

const qty = (n) => '0x' + BigInt(n).toString(16);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// One JSON-RPC call or a batch (array of [method, params]); throws on transport errors only.
async function post(url, body, timeoutMs = kRpcTimeoutMs) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  return res.json();
}
async function call(url, method, params = []) {
  const r = await post(url, { jsonrpc: '2.0', id: 1, method, params });
  if (r.error) throw new Error(`${method} ${JSON.stringify(params)}: ${JSON.stringify(r.error)}`);
  return r.result;
}
async function batch(url, calls) {
  if (calls.length === 0) return [];
  const body = calls.map(([method, params], id) => ({ jsonrpc: '2.0', id, method, params }));
  const r = await post(url, body);
  assert.ok(Array.isArray(r), `batch answered ${JSON.stringify(r).slice(0, 300)}`);
  const out = new Array(calls.length);
  for (const x of r) out[x.id] = x;
  return out;
}

// A node process on an existing network directory; the log is kept (tail) for failures.
class NodeProc {
  constructor(configPath) {
    this.log = '';
    this.exit = null;
    this.child = spawn(process.env.XINLIAN, ['node', '--config', configPath], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const append = (c) => {
      this.log += c.toString();
      if (this.log.length > 4 * kLogTailChars) this.log = this.log.slice(-kLogTailChars);
    };
    this.child.stdout.on('data', append);
    this.child.stderr.on('data', append);
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      });
    });
  }
  tail() { return this.log.slice(-kLogTailChars); }
  async waitReady(url) {
    const deadline = Date.now() + kStartTimeoutMs;
    for (;;) {
      if (this.exit) {
        throw new Error(`node exited (${JSON.stringify(this.exit)}) before answering`);
      }
      try {
        const r = await post(url, { jsonrpc: '2.0', id: 1, method: 'eth_blockNumber' }, 1000);
        if (typeof r.result === 'string') return;
      } catch { /* not listening yet */ }
      if (Date.now() > deadline) {
        throw new Error(`node did not answer within ${kStartTimeoutMs} ms`);
      }
      await sleep(30);
    }
  }
  async kill() {
    if (!this.exit) this.child.kill('SIGKILL');
    await withTimeout(this.exited, 5000, 'node exit after SIGKILL');
  }
}

async function initNet(dir) {
  const port = await freePort();
  let p2p = await freePort();
  while (p2p === port) p2p = await freePort();
  const r = cli(['init', '--validators', '1', '--out', dir, '--dev-accounts', String(kDevAccounts),
    '--base-port', String(port), '--p2p-base-port', String(p2p),
    '--block-interval-ms', String(kBlockIntervalMs)]);
  assert.equal(r.status, 0, `xinlian init: ${r.stderr}${r.stdout}`);
  const accounts = JSON.parse(readFileSync(join(dir, 'dev-accounts.json'), 'utf8'));
  return {
    url: `http://127.0.0.1:${port}`,
    config: join(dir, 'node0', 'config.toml'),
    data: join(dir, 'node0', 'data'),
    wallets: accounts.map((a) => new Wallet(a.privateKey)),
  };
}

function signed(wallet, nonce, to, value, data, gasLimit) {
  const tx = Transaction.from({
    type: 2, chainId: kChainId, nonce, to, value, data, gasLimit,
    maxFeePerGas: 0n, maxPriorityFeePerGas: 0n,
  });
  tx.signature = wallet.signingKey.sign(tx.unsignedHash);
  return tx;
}

const dirs = [];
let state; // shared by the two tests: the crash loop's network and its final database

test('SIGKILL under load: restart at the last committed block, seen receipts kept', {
  timeout: kTestTimeoutMs,
}, async () => {
  if (!process.env.XINLIAN) throw new Error('set XINLIAN to the path of the xinlian binary');
  const root = mkdtempSync(join(tmpdir(), 'xl-crash-'));
  dirs.push(root);
  const net = await initNet(join(root, 'net'));
  state = { net };
  const { url, wallets } = net;
  const addrs = wallets.map((w) => w.address);

  const seen = new Map(); // tx hash -> { number, hash, status, sender, nonce, slot, value }
  const hashByNumber = new Map(); // block number -> hash, as observed
  let node = null;
  let round = -1;
  let contract = null;
  let genesisTotal = null;
  let kills = 0;
  let slotProofs = 0;
  const started = Date.now();

  const fail = (e) => {
    const msg = `${e.message}\n  seed ${seed}, round ${round}, kills ${kills}` +
      `\n---- node log tail ----\n${node ? node.tail() : '(no node)'}\n---- end ----`;
    throw new Error(msg, { cause: e });
  };

  async function start() {
    node = new NodeProc(net.config);
    try {
      await node.waitReady(url);
    } catch (e) {
      fail(e);
    }
  }

  // All checks after a restart (and at the first start, where they are mostly trivial).
  async function check() {
    const head = await call(url, 'eth_getBlockByNumber', ['latest', false]);
    const headNum = Number(head.number);
    let maxSeen = -1;
    for (const s of seen.values()) maxSeen = Math.max(maxSeen, s.number);
    assert.ok(headNum >= maxSeen, `head ${headNum} below the block ${maxSeen} of a seen receipt`);
    const maxKnown = Math.max(-1, ...hashByNumber.keys());
    assert.ok(headNum >= maxKnown, `head ${headNum} below the block ${maxKnown} seen before`);

    // Every seen receipt, with the same block.
    const hashes = [...seen.keys()];
    for (let i = 0; i < hashes.length; i += 500) {
      const part = hashes.slice(i, i + 500);
      const rs = await batch(url, part.map((h) => ['eth_getTransactionReceipt', [h]]));
      part.forEach((h, k) => {
        const r = rs[k].result;
        const s = seen.get(h);
        assert.ok(r, `seen receipt of ${h} (block ${s.number}) is gone: ${JSON.stringify(rs[k])}`);
        assert.equal(Number(r.blockNumber), s.number, `block number of ${h}`);
        assert.equal(r.blockHash, s.hash, `block hash of ${h}`);
        assert.equal(r.status, s.status, `status of ${h}`);
      });
    }

    // Block hashes by number: unchanged, and recorded for every block up to the head.
    const nums = [];
    for (let n = 0; n <= headNum; n++) nums.push(n);
    for (let i = 0; i < nums.length; i += 500) {
      const part = nums.slice(i, i + 500);
      const bs = await batch(url, part.map((n) => ['eth_getBlockByNumber', [qty(n), false]]));
      part.forEach((n, k) => {
        const b = bs[k].result;
        assert.ok(b, `block ${n} <= head ${headNum} missing: ${JSON.stringify(bs[k])}`);
        if (n > 0) assert.equal(b.parentHash, hashByNumber.get(n - 1), `parent of block ${n}`);
        const old = hashByNumber.get(n);
        if (old !== undefined) assert.equal(b.hash, old, `hash of block ${n} changed`);
        else hashByNumber.set(n, b.hash);
      });
    }
    assert.equal(hashByNumber.get(headNum), head.hash);

    // State root of the head: each dev account (and the contract) proved against it.
    const tag = qty(headNum);
    const slots = [];
    for (const s of seen.values()) if (s.slot !== undefined && s.status === '0x1') slots.push(s);
    const picked = [];
    for (let k = 0; k < Math.min(kProofSlotsPerRound, slots.length); k++) {
      picked.push(slots[Math.floor(rand() * slots.length)]);
    }
    const targets = contract ? [...addrs, contract] : addrs;
    const proofs = await batch(url, targets.map((a) => ['eth_getProof',
      [a, a === contract ? picked.map((s) => s.slot) : [], tag]]));
    let total = 0n;
    targets.forEach((a, k) => {
      const p = proofs[k].result;
      assert.ok(p, `eth_getProof ${a}: ${JSON.stringify(proofs[k])}`);
      const leaf = verifyProof(head.stateRoot, a, p.accountProof);
      assert.ok(leaf, `account ${a} absent under the head's state root`);
      const [nonce, balance, storageRoot, codeHash] = decodeRlp(leaf);
      assert.equal(nonce, quantityBytes(p.nonce), `nonce of ${a}`);
      assert.equal(balance, quantityBytes(p.balance), `balance of ${a}`);
      assert.equal(storageRoot, p.storageHash, `storage root of ${a}`);
      assert.equal(codeHash, p.codeHash, `code hash of ${a}`);
      total += BigInt(p.balance);
      for (const sp of p.storageProof) {
        const v = verifyProof(p.storageHash, zeroPadValue(sp.key, 32), sp.proof);
        assert.equal(v === null ? '0x' : decodeRlp(v), quantityBytes(sp.value), `slot ${sp.key}`);
        const want = picked.find((s) => BigInt(s.slot) === BigInt(sp.key));
        assert.equal(BigInt(sp.value), BigInt(want.value), `stored value of slot ${sp.key}`);
        slotProofs++;
      }
    });
    if (genesisTotal === null) genesisTotal = total;
    assert.equal(total, genesisTotal, 'sum of balances differs from the genesis total');
    return headNum;
  }

  // The load: each sender sends kBatch transactions in one batch, then waits for their
  // receipts, recording each one seen. Ends on the first transport error (the kill).
  async function load(stop) {
    const nonces = (await batch(url, addrs.slice(0, kSenders)
      .map((a) => ['eth_getTransactionCount', [a, 'pending']]))).map((r) => Number(r.result));
    // Nonces continue: at least one past the highest nonce of a seen receipt.
    for (const s of seen.values()) {
      assert.ok(nonces[s.sender] > s.nonce,
        `sender ${s.sender} nonce ${nonces[s.sender]} not past the seen nonce ${s.nonce}`);
    }
    const sender = async (i) => {
      const w = wallets[i];
      while (!stop.done) {
        const txs = [];
        for (let k = 0; k < kBatch; k++) {
          const nonce = nonces[i]++;
          if (contract && rand() < 0.3) {
            const slot = zeroPadValue(toBeHex((BigInt(i) << 64n) | BigInt(nonce)), 32);
            const value = BigInt(Math.floor(rand() * 2 ** 40) + 1);
            const data = slot + zeroPadValue(toBeHex(value), 32).slice(2);
            txs.push({ tx: signed(w, nonce, contract, 0n, data, kStoreGas), slot, value });
          } else {
            const to = addrs[Math.floor(rand() * addrs.length)];
            const value = BigInt(Math.floor(rand() * 1e6) + 1);
            txs.push({ tx: signed(w, nonce, to, value, '0x', kTransferGas) });
          }
        }
        const rs = await batch(url, txs.map((t) => ['eth_sendRawTransaction', [t.tx.serialized]]));
        rs.forEach((r, k) => {
          assert.ok(!r.error, `eth_sendRawTransaction (sender ${i} nonce ${txs[k].tx.nonce}): ` +
            JSON.stringify(r.error));
          assert.equal(r.result, txs[k].tx.hash);
        });
        let open = txs;
        const deadline = Date.now() + kReceiptWaitMs;
        while (open.length > 0) {
          if (Date.now() > deadline) {
            throw new Error(`receipts not seen within ${kReceiptWaitMs} ms`);
          }
          await sleep(40);
          const got = await batch(url, open.map((t) => ['eth_getTransactionReceipt', [t.tx.hash]]));
          const rest = [];
          open.forEach((t, k) => {
            const r = got[k].result;
            if (!r) { rest.push(t); return; }
            seen.set(t.tx.hash, {
              number: Number(r.blockNumber), hash: r.blockHash, status: r.status,
              sender: i, nonce: t.tx.nonce, slot: t.slot, value: t.value,
            });
          });
          open = rest;
        }
      }
    };
    const all = [];
    for (let i = 0; i < kSenders; i++) all.push(sender(i));
    return Promise.allSettled(all);
  }

  try {
    // First start: deploy the storage contract (wait for its receipt), then the kill rounds.
    await start();
    await check();
    {
      const nonce = Number(await call(url, 'eth_getTransactionCount', [addrs[0], 'latest']));
      const tx = Transaction.from({
        type: 2, chainId: kChainId, nonce, data: kInitCode, gasLimit: 200000n,
        maxFeePerGas: 0n, maxPriorityFeePerGas: 0n,
      });
      tx.signature = wallets[0].signingKey.sign(tx.unsignedHash);
      await call(url, 'eth_sendRawTransaction', [tx.serialized]);
      const deadline = Date.now() + kReceiptWaitMs;
      let r = null;
      while (!r) {
        assert.ok(Date.now() < deadline, 'deploy receipt not seen');
        await sleep(50);
        r = await call(url, 'eth_getTransactionReceipt', [tx.hash]);
      }
      assert.equal(r.status, '0x1', 'deploy failed');
      contract = getCreateAddress({ from: addrs[0], nonce });
      assert.equal(r.contractAddress.toLowerCase(), contract.toLowerCase());
      seen.set(tx.hash, { number: Number(r.blockNumber), hash: r.blockHash, status: r.status,
        sender: 0, nonce });
    }
    for (round = 0; round < kKills; round++) {
      const stop = { done: false };
      const running = load(stop);
      const delay = kKillMinMs + Math.floor(randKill() * kKillSpanMs);
      await sleep(delay);
      await node.kill();
      kills++;
      stop.done = true;
      const results = await withTimeout(running, kRpcTimeoutMs + 2000, 'the load to end');
      // Transport errors are the kill; anything else (an assertion) is a failure.
      for (const r of results) {
        if (r.status === 'rejected' && r.reason instanceof assert.AssertionError) throw r.reason;
        if (r.status === 'rejected' && /receipts not seen/.test(r.reason.message)) throw r.reason;
      }
      await start();
      const head = await check();
      console.log(`round ${round}: killed after ${delay} ms, restarted at block ${head}, ` +
        `${seen.size} receipts seen, ${slotProofs} storage proofs checked`);
    }
    await node.kill();
    node = null;
    assert.ok(seen.size > kKills, `load too small: ${seen.size} receipts in ${kKills} rounds`);
    console.log(`${kills} kills in ${Date.now() - started} ms, ${seen.size} receipts checked`);
  } catch (e) {
    const n = node;
    if (n) await n.kill().catch(() => {});
    fail(e);
  }
});

test('a node refuses a database of another genesis', { timeout: 30000 }, async () => {
  if (!state) throw new Error('needs the database of the first test');
  const root = mkdtempSync(join(tmpdir(), 'xl-crash-other-'));
  dirs.push(root);
  const other = await initNet(join(root, 'net'));
  rmSync(other.data, { recursive: true, force: true });
  cpSync(state.net.data, other.data, { recursive: true });
  const n = new NodeProc(other.config);
  const exit = await withTimeout(n.exited, 15000, 'node on a foreign database to exit')
    .catch(async (e) => { await n.kill(); throw new Error(`${e.message}\n${n.tail()}`); });
  assert.equal(exit.code, 1, `exit ${JSON.stringify(exit)}\n${n.tail()}`);
  assert.match(n.log, /database belongs to another chain/, n.tail());
});

test('cleanup', () => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

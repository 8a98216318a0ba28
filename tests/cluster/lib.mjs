// SPDX-License-Identifier: Apache-2.0
// Helpers of the multi-validator cluster tests (consensus.test.mjs, netns.test.mjs): JSON-RPC
// over fetch with timeouts, a seeded PRNG, consecutive free ports, `xinlian node` processes
// (optionally inside a network namespace), a Cluster of them, and a transfer Load that never
// loses a transaction to a killed node. One event loop; nothing shared between test files.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Transaction } from '../js/node_modules/ethers/lib.esm/index.js';
import { withTimeout } from '../js/lib/node.mjs';

export const kChainId = 1337n;
const kTransferGas = 21000n;
const kStartTimeoutMs = 20000;
const kRpcTimeoutMs = 4000;
const kLogTailChars = 4000;
export const kPollMs = 100;

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const qty = (n) => '0x' + BigInt(n).toString(16);

// mulberry32: a small seeded PRNG.
export function prng(s) {
  let a = s >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// The seed (printed; XL_TEST_SEED replays it).
export function testSeed(what) {
  const seed = Number(process.env.XL_TEST_SEED ?? Math.floor(Math.random() * 2 ** 31));
  console.log(`${what} seed: ${seed} (replay with XL_TEST_SEED=${seed})`);
  return seed;
}

export async function post(url, body, timeoutMs = kRpcTimeoutMs) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  return res.json();
}
export async function call(url, method, params = []) {
  const r = await post(url, { jsonrpc: '2.0', id: 1, method, params });
  if (r.error) throw new Error(`${method} ${JSON.stringify(params)}: ${JSON.stringify(r.error)}`);
  return r.result;
}
export async function batch(url, calls) {
  if (calls.length === 0) return [];
  const body = calls.map(([method, params], id) => ({ jsonrpc: '2.0', id, method, params }));
  const r = await post(url, body);
  assert.ok(Array.isArray(r), `batch answered ${JSON.stringify(r).slice(0, 300)}`);
  const out = new Array(calls.length);
  for (const x of r) out[x.id] = x;
  return out;
}

// n consecutive ports on 127.0.0.1 that were free a moment ago (each bound and released).
function portFree(port) {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}
export async function freeRange(n, avoid = []) {
  for (let attempt = 0; attempt < 200; attempt++) {
    const base = 20000 + Math.floor(Math.random() * 30000);
    let ok = true;
    for (let i = 0; i < n && ok; i++) ok = !avoid.includes(base + i) && await portFree(base + i);
    if (ok) return base;
  }
  throw new Error(`no ${n} consecutive free ports`);
}

// One `xinlian node` process (prefix: a command to run it under, e.g. ip netns exec NS); its
// log tail is kept for failure messages.
export class NodeProc {
  constructor(index, config, prefix = []) {
    this.index = index;
    this.log = '';
    this.exit = null;
    const argv = [...prefix, process.env.XINLIAN, 'node', '--config', config];
    this.child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
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
  async kill(signal = 'SIGKILL') {
    if (!this.exit) this.child.kill(signal);
    await withTimeout(this.exited, 10000, `node${this.index} exit after ${signal}`);
  }
}

// The nodes of a network directory written by `xinlian init`; urls[i] is nodeI's JSON-RPC.
export class Cluster {
  constructor(dir, urls, prefixes = []) {
    this.n = urls.length;
    this.all = [...Array(this.n).keys()];
    this.urls = urls;
    this.prefixes = prefixes;
    this.configs = this.all.map((i) => join(dir, `node${i}`, 'config.toml'));
    this.data = this.all.map((i) => join(dir, `node${i}`, 'data'));
    this.procs = new Array(this.n).fill(null);
    this.addresses = new Array(this.n).fill(null); // consensus address of each node
    this.history = []; // what the test did, for failure messages
    this.cut = new Set(); // running but cut off from the network (netns test)
  }
  note(s) {
    this.history.push(s);
    console.log(s);
  }
  live() { return this.all.filter((i) => this.procs[i] && !this.procs[i].exit); }
  reachable() { return this.live().filter((i) => !this.cut.has(i)); }
  async start(i) {
    const p = new NodeProc(i, this.configs[i], this.prefixes[i] ?? []);
    this.procs[i] = p;
    const deadline = Date.now() + kStartTimeoutMs;
    for (;;) {
      if (p.exit) throw new Error(`node${i} exited (${JSON.stringify(p.exit)}) before answering`);
      try {
        const s = await call(this.urls[i], 'xl_nodeStatus');
        this.addresses[i] = String(s.validator).toLowerCase();
        return;
      } catch { /* not listening yet */ }
      if (Date.now() > deadline) throw new Error(`node${i} did not answer in ${kStartTimeoutMs} ms`);
      await sleep(50);
    }
  }
  async kill(i, signal = 'SIGKILL') {
    await this.procs[i].kill(signal);
    this.note(`node${i} stopped (${signal})`);
  }
  async head(i) { return Number(await call(this.urls[i], 'eth_blockNumber')); }
  // Heads of `nodes` (-1 for a node that does not answer).
  async heads(nodes = this.live()) {
    return Promise.all(nodes.map((i) => this.head(i).catch(() => -1)));
  }
  // Resolves once every node in `nodes` has a head >= target; bounded.
  async waitHeads(nodes, target, timeoutMs, what, check = () => {}) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hs = await this.heads(nodes);
      if (hs.every((h) => h >= target)) return hs;
      check();
      if (Date.now() > deadline) {
        throw new Error(`${what}: heads ${JSON.stringify(hs)} of nodes ${nodes} not at ` +
          `${target} after ${timeoutMs} ms`);
      }
      await sleep(kPollMs);
    }
  }
  // The index of the node proposing the round being decided, as a live node sees it.
  async proposer(among = this.live()) {
    for (const i of among) {
      try {
        const s = await call(this.urls[i], 'xl_consensusStatus');
        const k = this.addresses.indexOf(String(s.proposer).toLowerCase());
        if (k >= 0) return { index: k, height: s.height, round: s.round };
      } catch { /* try the next node */ }
    }
    throw new Error('no live node named a known proposer in xl_consensusStatus');
  }
  logs() {
    return this.all.map((i) => `---- node${i} log tail ----\n` +
      (this.procs[i] ? this.procs[i].tail() : '(never ran)')).join('\n');
  }
  async stopAll() {
    await Promise.all(this.procs.map((p) => (p && !p.exit ? p.kill() : null)));
  }

  // Every node has the same block hashes and state roots up to the lowest head, the same
  // certificate block hash at a few heights, and every receipt in `seen` (hash -> {number,
  // hash}) in the same block. Returns the common height.
  async checkSame(seen) {
    const heads = await this.heads(this.all);
    const common = Math.min(...heads);
    assert.ok(common >= 1, `heads ${JSON.stringify(heads)}`);
    const blocks = [];
    for (const i of this.all) {
      const m = [];
      for (let n = 0; n <= common; n += 500) {
        const nums = [];
        for (let k = n; k <= Math.min(common, n + 499); k++) nums.push(k);
        const bs = await batch(this.urls[i], nums.map((k) => ['eth_getBlockByNumber', [qty(k), false]]));
        bs.forEach((b, k) => {
          assert.ok(b.result, `node${i} block ${nums[k]}: ${JSON.stringify(b)}`);
          m[nums[k]] = { hash: b.result.hash, stateRoot: b.result.stateRoot };
        });
      }
      blocks.push(m);
    }
    for (let n = 0; n <= common; n++) {
      for (const i of this.all.slice(1)) {
        assert.equal(blocks[i][n].hash, blocks[0][n].hash, `block ${n}: node${i} vs node0 hash`);
        assert.equal(blocks[i][n].stateRoot, blocks[0][n].stateRoot,
          `block ${n}: node${i} vs node0 state root`);
      }
    }
    for (const n of new Set([1, Math.max(1, common >> 1), common])) {
      for (const i of this.all) {
        const cert = await call(this.urls[i], 'xl_getCertificate', [qty(n)]);
        assert.ok(cert, `node${i} has no certificate of block ${n}`);
        assert.equal(cert.blockHash, blocks[0][n].hash, `node${i}: certificate of block ${n}`);
      }
    }
    const hashes = [...seen.keys()];
    for (const s of seen.values()) {
      assert.ok(s.number <= common, `a receipt in block ${s.number} above the common ${common}`);
    }
    for (const i of this.all) {
      for (let k = 0; k < hashes.length; k += 500) {
        const part = hashes.slice(k, k + 500);
        const rs = await batch(this.urls[i], part.map((h) => ['eth_getTransactionReceipt', [h]]));
        part.forEach((h, j) => {
          const got = rs[j].result;
          const want = seen.get(h);
          assert.ok(got, `node${i}: receipt of ${h} (block ${want.number}) is gone`);
          assert.equal(got.blockHash, want.hash, `node${i}: block of ${h}`);
        });
      }
    }
    return common;
  }
}

// Transfers from `senders` wallets: each signs its nonces in order, one transaction per nonce,
// batch at a time, and re-sends the unanswered ones to a live node until each has a receipt
// ("already known" and "nonce too low" answers to a re-send are expected), so a killed node
// loses nothing another node's pool holds. seen: tx hash -> {number, hash} of its receipt.
export class Load {
  constructor(cluster, wallets, { senders, batchSize, rand }) {
    this.cluster = cluster;
    this.wallets = wallets;
    this.addrs = wallets.map((w) => w.address);
    this.senders = senders;
    this.batchSize = batchSize;
    this.rand = rand;
    this.seen = new Map();
    this.stopNew = false; // no new transactions; outstanding ones are still followed
    this.done = false; // stop at once
    this.errors = [];
    this.next = 0; // round robin over live nodes
  }
  url() {
    const live = this.cluster.reachable();
    if (live.length === 0) return null;
    return this.cluster.urls[live[this.next++ % live.length]];
  }
  sign(i, nonce) {
    const to = this.addrs[Math.floor(this.rand() * this.addrs.length)];
    const tx = Transaction.from({
      type: 2, chainId: kChainId, nonce, to, value: BigInt(Math.floor(this.rand() * 1e6) + 1),
      gasLimit: kTransferGas, maxFeePerGas: 0n, maxPriorityFeePerGas: 0n,
    });
    tx.signature = this.wallets[i].signingKey.sign(tx.unsignedHash);
    return tx;
  }
  async sender(i, firstNonce) {
    let nonce = firstNonce;
    let open = [];
    while (!this.done) {
      if (open.length === 0) {
        if (this.stopNew) return;
        for (let k = 0; k < this.batchSize; k++) open.push(this.sign(i, nonce++));
      }
      const url = this.url();
      if (!url) { await sleep(kPollMs); continue; }
      try {
        const rs = await batch(url, open.map((t) => ['eth_sendRawTransaction', [t.serialized]]));
        rs.forEach((r, k) => {
          if (r.error && !/already known|nonce too low/i.test(r.error.message)) {
            assert.fail(`eth_sendRawTransaction (sender ${i} nonce ${open[k].nonce}) at ${url}: ` +
              JSON.stringify(r.error));
          }
        });
        await sleep(kPollMs);
        const got = await batch(url, open.map((t) => ['eth_getTransactionReceipt', [t.hash]]));
        const rest = [];
        open.forEach((t, k) => {
          const r = got[k].result;
          if (!r) { rest.push(t); return; }
          assert.equal(r.status, '0x1', `receipt of ${t.hash}`);
          this.seen.set(t.hash, { number: Number(r.blockNumber), hash: r.blockHash });
        });
        open = rest;
      } catch (e) {
        if (e instanceof assert.AssertionError) throw e;
        await sleep(kPollMs); // a killed, restarting or cut-off node: try another one
      }
    }
  }
  async start() {
    const nonces = await batch(this.url(), this.addrs.slice(0, this.senders)
      .map((a) => ['eth_getTransactionCount', [a, 'latest']]));
    this.running = Promise.all(nonces.map((r, i) => this.sender(i, Number(r.result))));
    this.running.catch((e) => this.errors.push(e));
  }
  check() {
    if (this.errors.length) throw this.errors[0];
  }
}

// SPDX-License-Identifier: Apache-2.0
// A 4-validator consortium of real `xinlian node` processes on 127.0.0.1 under a load of
// transfers (issue 5, "Processes"): `xinlian init --validators 4`, then
//   1. SIGKILL the current proposer (found with xl_consensusStatus and each node's
//      xl_nodeStatus.validator): the other three keep committing blocks;
//   2. SIGKILL a second validator: with 2 of 4 down no quorum exists, so no block is
//      committed during an observation window;
//   3. restart both on their data: the chain resumes on all four;
//   4. stop a third validator, wipe its data directory and restart it: it syncs back to the
//      others' head (and then follows it);
//   5. the load stops and every transaction it sent gets a receipt; then every node has the
//      same block hashes, state roots and commit certificates' block hashes up to the common
//      height, and every receipt the load had seen is still there, on every node, in the same
//      block.
// The load: 4 senders (dev accounts), each with its own nonce sequence, signing each nonce
// once and re-sending its unanswered transactions to any live node until they have receipts
// ("already known" / "nonce too low" from a re-send are expected), so killed nodes lose
// nothing that another node's pool had. Every wait is bounded; the seed chooses the amounts,
// receivers and the second and third victims (XL_TEST_SEED replays them). Run:
//   XINLIAN=build/xinlian node --test tests/cluster/consensus.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Wallet } from '../js/node_modules/ethers/lib.esm/index.js';
import { cli, withTimeout } from '../js/lib/node.mjs';
import { Cluster, Load, freeRange, prng, sleep, testSeed } from './lib.mjs';

const kValidators = 4;
const kDevAccounts = 8;
const kSenders = 4; // dev accounts 0..3 send, all 8 receive
const kBatch = 5; // new transactions per sender per round
const kBlockIntervalMs = 200;
const kProgressBlocks = 5; // "the chain continues": this many new blocks
const kProgressTimeoutMs = 45000;
const kStallSettleMs = 2000; // after the second kill: a commit already under way may land
const kStallWindowMs = 4000; // then no block may be committed for this long
const kSyncTimeoutMs = 60000;
const kDrainTimeoutMs = 45000;
const kTestTimeoutMs = 280000;

const seed = testSeed('consensus cluster test');
const rand = prng(seed);

let cluster = null;
let root = null;

test('4 validators: proposer killed, 2 of 4 down stalls, restart resumes, wiped node syncs', {
  timeout: kTestTimeoutMs,
}, async () => {
  if (!process.env.XINLIAN) throw new Error('set XINLIAN to the path of the xinlian binary');
  root = mkdtempSync(join(tmpdir(), 'xl-cluster-'));
  const rpcBase = await freeRange(kValidators);
  const ports = [...Array(kValidators).keys()].map((i) => rpcBase + i);
  const p2pBase = await freeRange(kValidators, ports);
  const net = join(root, 'net');
  const r = cli(['init', '--validators', String(kValidators), '--out', net,
    '--dev-accounts', String(kDevAccounts), '--base-port', String(rpcBase),
    '--p2p-base-port', String(p2pBase), '--block-interval-ms', String(kBlockIntervalMs)]);
  assert.equal(r.status, 0, `xinlian init: ${r.stderr}${r.stdout}`);
  const accounts = JSON.parse(readFileSync(join(net, 'dev-accounts.json'), 'utf8'));
  const wallets = accounts.map((a) => new Wallet(a.privateKey));
  cluster = new Cluster(net, ports.map((p) => `http://127.0.0.1:${p}`));
  const c = cluster;
  const load = new Load(c, wallets, { senders: kSenders, batchSize: kBatch, rand });
  const progress = async (nodes, what) => {
    const hs = await c.heads(nodes);
    const target = Math.max(...hs) + kProgressBlocks;
    const got = await c.waitHeads(nodes, target, kProgressTimeoutMs, what, () => load.check());
    load.check();
    c.note(`${what}: nodes ${nodes} at ${JSON.stringify(got)}`);
    return got;
  };

  try {
    await Promise.all(c.all.map((i) => c.start(i)));
    assert.equal(new Set(c.addresses).size, kValidators, 'four distinct validator addresses');
    await load.start();
    await progress(c.live(), 'all four commit under load');

    // 1. The proposer dies: the other three go on.
    const p = await c.proposer();
    c.note(`proposer of height ${p.height} round ${p.round} is node${p.index}`);
    await c.kill(p.index);
    const three = c.live();
    await progress(three, 'three validators continue after the proposer was killed');

    // 2. A second one dies: no quorum (3 of 4 needed), no block.
    const second = three[Math.floor(rand() * three.length)];
    await c.kill(second);
    const two = c.live();
    await sleep(kStallSettleMs);
    const before = await c.heads(two);
    await sleep(kStallWindowMs);
    const after = await c.heads(two);
    c.note(`2 of 4 down (node${p.index}, node${second}): heads ${JSON.stringify(before)} -> ` +
      `${JSON.stringify(after)} over ${kStallWindowMs} ms`);
    assert.deepEqual(after, before, 'a block was committed with 2 of 4 validators down');
    load.check();

    // 3. Both come back: the chain resumes on all four.
    await Promise.all([c.start(p.index), c.start(second)]);
    c.note(`node${p.index} and node${second} restarted`);
    await progress(c.all, 'all four resume after the restart');

    // 4. One validator loses its data and syncs back.
    const wiped = c.all[Math.floor(rand() * kValidators)];
    await c.kill(wiped, 'SIGTERM');
    rmSync(c.data[wiped], { recursive: true, force: true });
    const others = c.live();
    const target = Math.max(...await c.heads(others));
    await c.start(wiped);
    c.note(`node${wiped} restarted with an empty data directory; others at ${target}`);
    await c.waitHeads([wiped], target, kSyncTimeoutMs, `node${wiped} syncs back`);
    await progress(c.all, `node${wiped} follows after syncing`);

    // 5. Drain the load, then compare every node.
    load.stopNew = true;
    await withTimeout(load.running, kDrainTimeoutMs, 'every sent transaction to get a receipt');
    load.check();
    const common = await c.checkSame(load.seen);
    assert.ok(load.seen.size >= kSenders * kBatch * 4, `load too small: ${load.seen.size}`);
    c.note(`${common + 1} blocks and ${load.seen.size} receipts identical on all four nodes`);
  } catch (e) {
    load.done = true;
    const msg = `${e.message}\n  seed ${seed}\n  steps:\n    ${c.history.join('\n    ')}\n` +
      `${c.logs()}\n---- end ----`;
    await c.stopAll().catch(() => {});
    throw new Error(msg, { cause: e });
  }
  load.done = true;
  await c.stopAll();
});

test('cleanup', async () => {
  if (cluster) await cluster.stopAll().catch(() => {});
  if (root) rmSync(root, { recursive: true, force: true });
});

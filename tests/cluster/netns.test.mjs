// SPDX-License-Identifier: Apache-2.0
// The network-namespace variant of the 4-validator test (issue 5): each `xinlian node` runs in
// its own network namespace, joined to the others by a bridge in a fifth namespace (veth
// pairs, 10.X.0.0/24), and the test reaches their JSON-RPC through one more veth from its
// own namespace. Under a load of transfers one validator is cut off (its link set down):
// the other three keep committing; the link comes back up: the cut-off validator catches up
// and follows; in the end every node has the same blocks, state roots and seen receipts.
// Needs root and iproute2 (`ip netns`); skipped with a message otherwise. Everything it
// creates (namespaces, links) carries a random tag and is deleted at the end.
//   XINLIAN=build/xinlian node --test tests/cluster/netns.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Wallet } from '../js/node_modules/ethers/lib.esm/index.js';
import { cli, withTimeout } from '../js/lib/node.mjs';
import { Cluster, Load, prng, testSeed } from './lib.mjs';

const kValidators = 4;
const kDevAccounts = 8;
const kSenders = 4;
const kBatch = 5;
const kBlockIntervalMs = 200;
const kRpcPort = 8545; // each node has its own address: the same ports everywhere
const kP2pPort = 30300;
const kProgressBlocks = 3;
const kProgressTimeoutMs = 45000;
const kCatchUpTimeoutMs = 60000;
const kDrainTimeoutMs = 45000;
const kTestTimeoutMs = 240000;

function ip(args) {
  const r = spawnSync('ip', args, { encoding: 'utf8', timeout: 10000 });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr.trim()}`);
  return r.stdout;
}

// Why this test cannot run here, or null.
function unsupported() {
  if (process.getuid?.() !== 0) return 'not root: network namespaces need root';
  const r = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return 'no usable `ip netns` (iproute2)';
  // Root inside a container may still lack the right to make namespaces: try one.
  const probe = `xlprobe${process.pid}`;
  const add = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8' });
  if (add.error || add.status !== 0) return `cannot create a network namespace: ${(add.stderr || '').trim()}`;
  spawnSync('ip', ['netns', 'delete', probe]);
  return null;
}
const skip = unsupported();
if (skip) console.log(`netns cluster test skipped: ${skip}`);

const seed = testSeed('netns cluster test');
const rand = prng(seed);
const tag = Math.floor(Math.random() * 0xffff).toString(16).padStart(4, '0');
const hub = `xl${tag}h`;
const nodeNs = (i) => `xl${tag}n${i}`;
const made = { namespaces: [], rootLink: null, dir: null, cluster: null };

// 10.X.0.0/24 with X not used by any address here.
function freeSubnet() {
  const used = ip(['-o', 'addr']);
  for (let x = 200; x < 250; x++) if (!used.includes(` 10.${x}.`)) return x;
  throw new Error('no free 10.X.0.0/24 subnet in 10.200-249');
}

function buildNetwork(x) {
  ip(['netns', 'add', hub]);
  made.namespaces.push(hub);
  ip(['-n', hub, 'link', 'add', 'br0', 'type', 'bridge']);
  ip(['-n', hub, 'link', 'set', 'br0', 'up']);
  const attach = (hubSide) => {
    ip(['-n', hub, 'link', 'set', hubSide, 'master', 'br0']);
    ip(['-n', hub, 'link', 'set', hubSide, 'up']);
  };
  for (let i = 0; i < kValidators; i++) {
    const ns = nodeNs(i);
    ip(['netns', 'add', ns]);
    made.namespaces.push(ns);
    ip(['link', 'add', 'eth0', 'netns', ns, 'type', 'veth', 'peer', 'name', `p${i}`,
      'netns', hub]);
    ip(['-n', ns, 'addr', 'add', `10.${x}.0.${i + 1}/24`, 'dev', 'eth0']);
    ip(['-n', ns, 'link', 'set', 'lo', 'up']);
    ip(['-n', ns, 'link', 'set', 'eth0', 'up']);
    attach(`p${i}`);
  }
  // The test's own way in: a veth from this namespace onto the bridge.
  made.rootLink = `xl${tag}r`;
  ip(['link', 'add', made.rootLink, 'type', 'veth', 'peer', 'name', 'root', 'netns', hub]);
  ip(['addr', 'add', `10.${x}.0.100/24`, 'dev', made.rootLink]);
  ip(['link', 'set', made.rootLink, 'up']);
  attach('root');
}

function teardown() {
  for (const ns of made.namespaces.splice(0)) {
    try { ip(['netns', 'del', ns]); } catch (e) { console.log(e.message); }
  }
  if (made.rootLink) {
    spawnSync('ip', ['link', 'del', made.rootLink]); // gone already with its peer's namespace
    made.rootLink = null;
  }
}

test('4 validators in network namespaces: one cut off and healed', {
  skip: skip ?? false, timeout: kTestTimeoutMs,
}, async () => {
  if (!process.env.XINLIAN) throw new Error('set XINLIAN to the path of the xinlian binary');
  const x = freeSubnet();
  const addr = (i) => `10.${x}.0.${i + 1}`;
  made.dir = mkdtempSync(join(tmpdir(), 'xl-netns-'));
  const net = join(made.dir, 'net');
  const r = cli(['init', '--validators', String(kValidators), '--out', net,
    '--dev-accounts', String(kDevAccounts), '--base-port', String(kRpcPort),
    '--p2p-base-port', String(kP2pPort), '--block-interval-ms', String(kBlockIntervalMs)]);
  assert.equal(r.status, 0, `xinlian init: ${r.stderr}${r.stdout}`);
  // init wrote 127.0.0.1:PORT+i for node i's RPC and P2P: each node gets its own address.
  for (let i = 0; i < kValidators; i++) {
    const file = join(net, `node${i}`, 'config.toml');
    const text = readFileSync(file, 'utf8').replace(/127\.0\.0\.1:(\d+)/g, (_, p) => {
      const port = Number(p);
      const owner = port >= kP2pPort ? port - kP2pPort : port - kRpcPort;
      assert.ok(owner >= 0 && owner < kValidators, `unexpected port ${port} in ${file}`);
      return `${addr(owner)}:${port}`;
    });
    writeFileSync(file, text);
  }
  buildNetwork(x);
  const accounts = JSON.parse(readFileSync(join(net, 'dev-accounts.json'), 'utf8'));
  const wallets = accounts.map((a) => new Wallet(a.privateKey));
  const c = new Cluster(net, [...Array(kValidators).keys()].map((i) =>
    `http://${addr(i)}:${kRpcPort + i}`), [...Array(kValidators).keys()].map((i) =>
    ['ip', 'netns', 'exec', nodeNs(i)]));
  made.cluster = c;
  const load = new Load(c, wallets, { senders: kSenders, batchSize: kBatch, rand });
  const progress = async (nodes, what) => {
    const hs = await c.heads(nodes);
    const got = await c.waitHeads(nodes, Math.max(...hs) + kProgressBlocks, kProgressTimeoutMs,
      what, () => load.check());
    c.note(`${what}: nodes ${nodes} at ${JSON.stringify(got)}`);
  };

  try {
    await Promise.all(c.all.map((i) => c.start(i)));
    await load.start();
    await progress(c.all, 'all four commit under load');

    const victim = Math.floor(rand() * kValidators);
    c.cut.add(victim);
    ip(['-n', nodeNs(victim), 'link', 'set', 'eth0', 'down']);
    c.note(`node${victim} cut off (link down)`);
    const rest = c.reachable();
    await progress(rest, 'the other three continue');
    await progress(rest, 'and go on continuing');

    ip(['-n', nodeNs(victim), 'link', 'set', 'eth0', 'up']);
    c.cut.delete(victim);
    const target = Math.max(...await c.heads(rest));
    c.note(`node${victim} healed (link up); others at ${target}`);
    await c.waitHeads([victim], target, kCatchUpTimeoutMs, `node${victim} catches up`);
    await progress(c.all, 'all four after healing');

    load.stopNew = true;
    await withTimeout(load.running, kDrainTimeoutMs, 'every sent transaction to get a receipt');
    load.check();
    const common = await c.checkSame(load.seen);
    c.note(`${common + 1} blocks and ${load.seen.size} receipts identical on all four nodes`);
  } catch (e) {
    load.done = true;
    const msg = `${e.message}\n  seed ${seed}\n  steps:\n    ${c.history.join('\n    ')}\n` +
      `${c.logs()}\n---- end ----`;
    throw new Error(msg, { cause: e });
  } finally {
    load.done = true;
    await c.stopAll().catch(() => {});
  }
});

test('cleanup', { skip: skip ?? false }, async () => {
  if (made.cluster) await made.cluster.stopAll().catch(() => {});
  teardown();
  if (made.dir) rmSync(made.dir, { recursive: true, force: true });
});

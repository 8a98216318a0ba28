// SPDX-License-Identifier: Apache-2.0
// Differential test of `xinlian abi` against ethers v6 AbiCoder: seeded random type lists
// (nested tuples, fixed and dynamic arrays, bytes, strings) with random values. Our encoding
// must equal ethers' byte for byte, our decoding of ethers' encoding must equal ethers' own
// decoding, and truncated encodings must be rejected by both. All cases run through one
// `xinlian abi batch` process. Env: XINLIAN (the binary), XL_TEST_SEED (replay a run).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AbiCoder, getAddress, id } from 'ethers';

const XINLIAN = process.env.XINLIAN;
const SEED = process.env.XL_TEST_SEED
  ? Number(BigInt(process.env.XL_TEST_SEED) & 0xffffffffn)
  : (Math.random() * 2 ** 32) >>> 0;
console.log(`# abi.test.mjs: XL_TEST_SEED=${SEED}`);

// mulberry32: a small seeded PRNG, so that a failing run can be replayed exactly.
function makeRng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rng = makeRng(SEED);
const pick = (n) => Math.floor(rng() * n);
const choice = (xs) => xs[pick(xs.length)];

function randomBigBits(bits) {
  let v = 0n;
  for (let i = 0; i < bits; i += 32) v = (v << 32n) | BigInt((rng() * 2 ** 32) >>> 0);
  v &= (1n << BigInt(bits)) - 1n;
  switch (pick(4)) {
    case 0: return BigInt(pick(300)) & ((1n << BigInt(bits)) - 1n);
    case 1: return (1n << BigInt(bits)) - 1n - BigInt(pick(3));  // near the top
    default: return v;
  }
}
function randomHex(n) {
  let s = '0x';
  for (let i = 0; i < n; ++i) s += pick(256).toString(16).padStart(2, '0');
  return s;
}
const CHARS = ['a', 'Z', '0', ' ', '"', '\\', '\n', '\u0001', 'é', '信', '链', '😀'];

// Types as trees: {kind, bits|size|length, elems}; canonical() gives the Solidity string.
const LEAVES = ['uint8', 'uint256', 'uint40', 'int8', 'int256', 'int24', 'address', 'bool',
  'bytes1', 'bytes32', 'bytes7', 'bytes', 'string', 'uint', 'int128', 'bytes20'];
function randomType(depth) {
  if (depth <= 0 || pick(3) > 0) return { leaf: choice(LEAVES) };
  switch (pick(3)) {
    case 0: return { array: randomType(depth - 1) };
    case 1: return { fixed: randomType(depth - 1), length: 1 + pick(3) };
    default: {
      const elems = [];
      for (let n = 1 + pick(4); n > 0; --n) elems.push(randomType(depth - 1));
      return { tuple: elems };
    }
  }
}
function canonical(t) {
  if (t.leaf) return t.leaf === 'uint' ? 'uint256' : t.leaf === 'int' ? 'int256' : t.leaf;
  if (t.array) return `${canonical(t.array)}[]`;
  if (t.fixed) return `${canonical(t.fixed)}[${t.length}]`;
  return `(${t.tuple.map(canonical).join(',')})`;
}
function randomValue(t) {
  if (t.leaf) {
    const name = canonical(t);
    let m;
    if ((m = /^uint(\d+)$/.exec(name))) return randomBigBits(Number(m[1]));
    if ((m = /^int(\d+)$/.exec(name))) {
      const bits = Number(m[1]);
      const x = randomBigBits(bits - 1);
      return pick(2) ? x : -x - 1n;
    }
    if (name === 'address') return randomHex(20);
    if (name === 'bool') return pick(2) === 1;
    if (name === 'bytes') return randomHex(pick(3) ? pick(70) : 0);
    if (name === 'string') {
      let s = '';
      for (let n = pick(30); n > 0; --n) s += choice(CHARS);
      return s;
    }
    if ((m = /^bytes(\d+)$/.exec(name))) return randomHex(Number(m[1]));
    throw new Error(`no generator for ${name}`);
  }
  if (t.array) return Array.from({ length: pick(4) }, () => randomValue(t.array));
  if (t.fixed) return Array.from({ length: t.length }, () => randomValue(t.fixed));
  return t.tuple.map(randomValue);
}

// Our JSON: integers as decimal strings, everything else as ethers takes it.
const toOurJson = (v) =>
  typeof v === 'bigint' ? v.toString() : Array.isArray(v) ? v.map(toOurJson) : v;
// ethers' decoded Result, in the form `xinlian abi decode` prints.
function normalize(v) {
  if (typeof v === 'bigint') return v.toString();
  if (Array.isArray(v)) return Array.from(v, normalize);  // Result is an Array subclass
  return v;
}

function runBatch(requests) {
  const dir = mkdtempSync(join(tmpdir(), 'xl-abi-'));
  try {
    const file = join(dir, 'batch.jsonl');
    writeFileSync(file, requests.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const out = execFileSync(XINLIAN, ['abi', 'batch', file], {
      encoding: 'utf8',
      maxBuffer: 1 << 28,
    });
    return out.trimEnd().split('\n').map((l) => JSON.parse(l));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('xinlian binary is given', () => {
  assert.ok(XINLIAN, 'set XINLIAN to the path of the xinlian binary');
});

test('encode and decode agree with ethers AbiCoder on random type lists', () => {
  const coder = AbiCoder.defaultAbiCoder();
  const cases = [];
  for (let i = 0; i < 300; ++i) {
    const types = Array.from({ length: pick(5) }, () => randomType(3));
    const values = types.map(randomValue);
    const names = types.map(canonical);
    const encoded = coder.encode(names, values);
    const decoded = normalize(coder.decode(names, encoded));
    cases.push({ names, values, encoded, decoded });
  }
  const requests = [];
  for (const c of cases) {
    requests.push({ op: 'encode', types: c.names, values: toOurJson(c.values) });
    requests.push({ op: 'decode', types: c.names, data: c.encoded });
  }
  // Truncated encodings: both sides must reject them.
  const truncated = [];
  for (const c of cases) {
    const bytes = (c.encoded.length - 2) / 2;
    if (bytes < 2) continue;
    const cut = 1 + pick(bytes - 1);
    const data = c.encoded.slice(0, 2 + 2 * cut);
    assert.throws(() => coder.decode(c.names, data), `ethers accepted a truncated ${c.names}`);
    truncated.push({ names: c.names, data });
    requests.push({ op: 'decode', types: c.names, data });
  }
  const out = runBatch(requests);
  assert.equal(out.length, requests.length);
  let k = 0;
  for (const c of cases) {
    const enc = out[k++];
    const dec = out[k++];
    const what = `(${c.names.join(',')}) seed ${SEED}`;
    assert.equal(enc.error, undefined, `encode ${what}: ${enc.error}`);
    assert.equal(enc.result, c.encoded, `encode ${what}`);
    assert.equal(dec.error, undefined, `decode ${what}: ${dec.error}`);
    assert.deepEqual(dec.result, c.decoded, `decode ${what}`);
  }
  for (const t of truncated) {
    const r = out[k++];
    assert.ok(r.error, `xinlian accepted truncated (${t.names.join(',')}) ${t.data}`);
  }
  console.log(`# ${cases.length} type lists, ${truncated.length} truncations`);
});

test('single commands: encode, decode, selector, encode-call, decode-revert', () => {
  const run = (...args) => execFileSync(XINLIAN, ['abi', ...args], { encoding: 'utf8' }).trim();
  const coder = AbiCoder.defaultAbiCoder();
  const types = ['uint256', '(address,bytes)[]'];
  const addr = getAddress(randomHex(20));
  const values = [123456789n, [[addr, '0xdeadbeef'], [addr.toLowerCase(), '0x']]];
  const encoded = run('encode', '--types', JSON.stringify(types), '--values',
    JSON.stringify(toOurJson(values)));
  assert.equal(encoded, coder.encode(types, values));
  const decoded = JSON.parse(run('decode', '--types', JSON.stringify(types), '--data', encoded));
  assert.deepEqual(decoded, ['123456789', [[addr, '0xdeadbeef'], [addr, '0x']]]);
  for (const sig of ['transfer(address,uint256)', 'f((uint256,bytes)[],string)', 'g()']) {
    assert.equal(run('selector', sig), id(sig).slice(0, 10), sig);
  }
  const call = run('encode-call', 'transfer(address,uint256)', '--values',
    JSON.stringify([addr, '1000']));
  assert.equal(call, id('transfer(address,uint256)').slice(0, 10) +
    coder.encode(['address', 'uint256'], [addr, 1000n]).slice(2));
  const revert = id('Error(string)').slice(0, 10) + coder.encode(['string'], ['信链 says no']).slice(2);
  assert.deepEqual(JSON.parse(run('decode-revert', '--data', revert)),
    { kind: 'Error', message: '信链 says no' });
  // A bad value is an error with a message and exit code 1, not a crash.
  assert.throws(() => execFileSync(XINLIAN, ['abi', 'encode', '--types', '["uint8"]',
    '--values', '["256"]'], { stdio: 'pipe' }), (e) => e.status === 1 &&
    /out of range/.test(e.stderr.toString()));
});

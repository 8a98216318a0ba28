// SPDX-License-Identifier: Apache-2.0
// `xinlian tx` against ethers v6, the library most Xinlian users sign with:
// - transactions ethers signs (legacy with and without EIP-155, EIP-2930, EIP-1559; access
//   lists; contract creations; random fields) decode in `xinlian tx decode` to the same
//   fields, hash and sender;
// - `xinlian tx sign` output is accepted by ethers' Transaction.from with the same sender,
//   hash and fields, and is byte-identical to what ethers signs (both use RFC 6979 nonces);
// - keystores ethers writes sign through `xinlian tx sign --key`.
// Random fields come from one seed: XL_TEST_SEED if set, else a fresh one; always printed.
// Run: XINLIAN=build/xinlian node --test tests/js/tx.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Wallet, Transaction, encryptKeystoreJsonSync, getAddress } from 'ethers';

const XINLIAN = process.env.XINLIAN;
if (!XINLIAN) throw new Error('set XINLIAN to the path of the xinlian binary');

const SEED = process.env.XL_TEST_SEED
  ? BigInt(process.env.XL_TEST_SEED)
  : BigInt(Math.floor(Math.random() * 2 ** 52));
console.log(`[ seed     ] tx.test.mjs: XL_TEST_SEED=${SEED}`);

// xorshift64*: small, seedable, and enough for test fields.
let state = (SEED ^ 0x9e3779b97f4a7c15n) & 0xffffffffffffffffn || 1n;
function next64() {
  state ^= state >> 12n;
  state ^= (state << 25n) & 0xffffffffffffffffn;
  state ^= state >> 27n;
  return (state * 0x2545f4914f6cdd1dn) & 0xffffffffffffffffn;
}
const randInt = (n) => Number(next64() % BigInt(n));
// A non-negative integer of a random bit length up to `bits`, so every byte length occurs.
function randBig(bits) {
  let v = 0n;
  for (let i = 0; i < Math.ceil(bits / 64); ++i) v = (v << 64n) | next64();
  v &= (1n << BigInt(bits)) - 1n;
  return v >> BigInt(randInt(bits + 1));
}
const randHex = (nbytes) => {
  let s = '0x';
  for (let i = 0; i < nbytes; ++i) {
    // a third of the bytes zero, since zero bytes cost less gas
    const b = randInt(3) === 0 ? 0 : randInt(256);
    s += b.toString(16).padStart(2, '0');
  }
  return s;
};
const hexq = (v) => '0x' + BigInt(v).toString(16);

const tmp = mkdtempSync(join(tmpdir(), 'xl-tx-test-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

function randomKey() {
  for (;;) {
    const k = randHex(32).replace(/^0x/, '');
    try {
      return new Wallet('0x' + k);
    } catch {
      // zero or >= n: draw again
    }
  }
}

// Cancun intrinsic gas, written out independently of the C++ (EIP-2028, 2930, 3860).
function intrinsicGas(tx) {
  let gas = 21000n;
  const data = Buffer.from(tx.data.slice(2), 'hex');
  for (const b of data) gas += b === 0 ? 4n : 16n;
  if (tx.to === null) gas += 32000n + 2n * BigInt(Math.ceil(data.length / 32));
  for (const e of tx.accessList ?? []) gas += 2400n + 1900n * BigInt(e.storageKeys.length);
  return gas;
}

// Random fields for one ethers-supported kind of transaction; case 0 of each kind is a
// contract creation and case 1 has a non-empty access list (for the typed kinds), so both
// occur whatever the seed.
function randomTx(kind, i = 2) {
  const tx = {
    type: { legacy: 0, legacy155: 0, eip2930: 1, eip1559: 2 }[kind],
    chainId: kind === 'legacy' ? 0n : 1n + randBig(63),
    nonce: Number(randBig(52)),
    to: i === 0 || randInt(4) === 0 ? null : getAddress(randHex(20)),
    value: randBig(256),
    data: randHex(randInt(4) === 0 ? randInt(600) : randInt(70)),
  };
  if (tx.type === 2) {
    tx.maxFeePerGas = randBig(180);
    tx.maxPriorityFeePerGas = tx.maxFeePerGas >> BigInt(randInt(181));
  } else {
    tx.gasPrice = randBig(180);
  }
  if (tx.type !== 0) {
    tx.accessList = [];
    for (let i = randInt(4); i > 0; --i) {
      const storageKeys = [];
      for (let k = randInt(4); k > 0; --k) storageKeys.push(randHex(32));
      tx.accessList.push({ address: getAddress(randHex(20)), storageKeys });
    }
    if (i === 1) tx.accessList.push({ address: getAddress(randHex(20)), storageKeys: [randHex(32)] });
  }
  // At least the intrinsic gas (xinlian tx sign refuses less), at most 2^64 - 1.
  tx.gasLimit = intrinsicGas(tx) + randBig(40);
  return tx;
}

const KINDS = ['legacy', 'legacy155', 'eip2930', 'eip1559'];
const PER_KIND = 10;

function xinlian(args, input) {
  const r = spawnSync(XINLIAN, args, { encoding: 'utf8', input });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function decode(raw) {
  const r = xinlian(['tx', 'decode', '--crypto', 'ecdsa', raw]);
  assert.equal(r.code, 0, `decode failed: ${r.err}`);
  return JSON.parse(r.out);
}

// Our JSON (eth_getTransactionByHash names, 0x quantities) against an ethers Transaction.
function assertSameFields(j, et, what) {
  const m = `${what}: ${et.serialized}`;
  assert.equal(BigInt(j.type), BigInt(et.type), m);
  assert.equal(j.chainId === null ? 0n : BigInt(j.chainId), et.chainId, m);
  assert.equal(BigInt(j.nonce), BigInt(et.nonce), m);
  assert.equal(BigInt(j.gas), et.gasLimit, m);
  if (et.type === 2) {
    assert.equal(BigInt(j.maxFeePerGas), et.maxFeePerGas, m);
    assert.equal(BigInt(j.maxPriorityFeePerGas), et.maxPriorityFeePerGas, m);
    assert.equal(j.gasPrice, undefined, m);
  } else {
    assert.equal(BigInt(j.gasPrice), et.gasPrice, m);
  }
  assert.equal(j.to, et.to === null ? null : et.to.toLowerCase(), m);
  assert.equal(BigInt(j.value), et.value, m);
  assert.equal(j.input, et.data.toLowerCase(), m);
  if (et.type !== 0) {
    assert.deepEqual(
      j.accessList,
      et.accessList.map((e) => ({ address: e.address.toLowerCase(), storageKeys: e.storageKeys })),
      m,
    );
  } else {
    assert.equal(j.accessList, undefined, m);
  }
  assert.equal(BigInt(j.r), BigInt(et.signature.r), m);
  assert.equal(BigInt(j.s), BigInt(et.signature.s), m);
  if (et.type === 0) {
    assert.equal(BigInt(j.v), et.signature.networkV ?? BigInt(et.signature.v), m);
  } else {
    assert.equal(BigInt(j.yParity), BigInt(et.signature.yParity), m);
  }
  assert.equal(j.hash, et.hash, m);
  assert.equal(j.from, et.from.toLowerCase(), m);
  assert.equal(j.raw, et.serialized, m);
}

test('transactions signed by ethers decode to the same fields, hash and sender', async () => {
  for (const kind of KINDS) {
    for (let i = 0; i < PER_KIND; ++i) {
      const wallet = randomKey();
      const fields = randomTx(kind, i);
      const raw = await wallet.signTransaction(fields);
      const et = Transaction.from(raw);
      assert.equal(et.from, wallet.address);
      const j = decode(raw);
      assertSameFields(j, et, `${kind} #${i}`);
      assert.equal(BigInt(j.intrinsicGas), intrinsicGas(et), `${kind} #${i}`);
    }
  }
});

// The arguments of `xinlian tx sign` for the same fields.
function signArgs(fields, keyFile) {
  const type = { 0: 'legacy', 1: '2930', 2: '1559' }[fields.type];
  const args = ['tx', 'sign', '--crypto', 'ecdsa', '--type', type, '--nonce', String(fields.nonce)];
  if (fields.chainId !== 0n) args.push('--chain-id', fields.chainId.toString());
  if (fields.to !== null) args.push('--to', fields.to);
  args.push('--value', hexq(fields.value), '--gas', fields.gasLimit.toString());
  if (fields.type === 2) {
    args.push('--max-fee', fields.maxFeePerGas.toString());
    args.push('--max-priority-fee', hexq(fields.maxPriorityFeePerGas));
  } else {
    args.push('--gas-price', fields.gasPrice.toString());
  }
  if (fields.data !== '0x') args.push('--data', fields.data);
  if (fields.accessList) args.push('--access-list', JSON.stringify(fields.accessList));
  if (keyFile) args.push('--secret-file', keyFile);
  return args;
}

test('xinlian tx sign output is what ethers signs and accepts', async () => {
  for (const kind of KINDS) {
    for (let i = 0; i < PER_KIND; ++i) {
      const wallet = randomKey();
      const keyFile = join(tmp, `key-${kind}-${i}`);
      writeFileSync(keyFile, wallet.privateKey + '\n');
      const fields = randomTx(kind, i);
      const r = xinlian(signArgs(fields, keyFile));
      assert.equal(r.code, 0, `sign failed: ${r.err}`);
      const j = JSON.parse(r.out);
      const et = Transaction.from(j.raw);
      assert.equal(et.from, wallet.address, `${kind} #${i}`);
      assertSameFields(j, et, `${kind} #${i}`);
      // RFC 6979 on both sides: the very same bytes.
      assert.equal(j.raw, await wallet.signTransaction(fields), `${kind} #${i}`);
    }
  }
});

test('xinlian tx sign --key opens a keystore written by ethers', async () => {
  const wallet = randomKey();
  const password = 'correct horse battery staple';
  // A cheap scrypt cost keeps the test fast; the format is the one ethers always writes.
  const json = encryptKeystoreJsonSync(
    { address: wallet.address, privateKey: wallet.privateKey },
    password,
    { scrypt: { N: 1 << 10 } },
  );
  const keyFile = join(tmp, 'keystore.json');
  const passwordFile = join(tmp, 'password.txt');
  writeFileSync(keyFile, json);
  writeFileSync(passwordFile, password + '\n');
  const fields = randomTx('eip1559');
  const args = signArgs(fields, null);
  const r = xinlian([...args, '--key', keyFile, '--password-file', passwordFile]);
  assert.equal(r.code, 0, `sign failed: ${r.err}`);
  const j = JSON.parse(r.out);
  assert.equal(Transaction.from(j.raw).from, wallet.address);
  assert.equal(j.raw, await wallet.signTransaction(fields));
  // A wrong password: the keystore's MAC does not match.
  const wrongFile = join(tmp, 'wrong-password.txt');
  writeFileSync(wrongFile, 'not the password\n');
  const wrong = xinlian([...args, '--key', keyFile, '--password-file', wrongFile]);
  assert.equal(wrong.code, 1);
  assert.match(wrong.err, /error: /);
  // No password file and no terminal to ask on (setsid: no controlling terminal): a message
  // naming --password-file, never a hang.
  const r2 = spawnSync('setsid', [XINLIAN, ...args, '--key', keyFile], {
    encoding: 'utf8', input: password + '\n', timeout: 20000,
  });
  assert.equal(r2.status, 1, r2.stderr);
  assert.match(r2.stderr, /--password-file/);
});

test('xinlian tx decode rejects malformed transactions with a precise error', async () => {
  const wallet = randomKey();
  const raw = await wallet.signTransaction(randomTx('eip1559'));
  const cases = [
    ['0x03' + raw.slice(4), /transaction type not supported/],
    [raw + '00', /rlp: input contains more than one value/],
    [raw.slice(0, -2), /rlp: value size exceeds available input length/],
    ['0x', /typed transaction too short/],
    ['0xzz', /invalid hex/],
  ];
  for (const [bad, message] of cases) {
    const r = xinlian(['tx', 'decode', bad]);
    assert.equal(r.code, 1, bad);
    assert.match(r.err, message, bad);
    assert.equal(r.out, '', bad);
  }
  // A valid ecdsa transaction is of no type the sm suite signs.
  const r = xinlian(['tx', 'decode', '--crypto', 'sm', raw]);
  assert.equal(r.code, 1);
  assert.match(r.err, /transaction type not supported/);
});

test('an sm transaction signed by xinlian decodes under the sm suite only', () => {
  const keyFile = join(tmp, 'sm-key');
  writeFileSync(keyFile, randHex(31) + '01\n');
  const r = xinlian([
    'tx', 'sign', '--crypto', 'sm', '--chain-id', '7', '--nonce', '3', '--max-fee', '100',
    '--max-priority-fee', '2', '--gas', '30000', '--to', getAddress(randHex(20)),
    '--data', '0xa9059cbb', '--secret-file', keyFile,
  ]);
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.equal(j.type, '0x53');
  assert.ok(j.raw.startsWith('0x53'));
  assert.equal(j.publicKey.length, 2 + 128);
  const d = xinlian(['tx', 'decode', '--crypto', 'sm', j.raw]);
  assert.equal(d.code, 0, d.err);
  assert.deepEqual(JSON.parse(d.out), j);
  const e = xinlian(['tx', 'decode', '--crypto', 'ecdsa', j.raw]);
  assert.equal(e.code, 1);
  assert.match(e.err, /transaction type not supported/);
  // ethers knows no type 0x53.
  assert.throws(() => Transaction.from(j.raw));
});

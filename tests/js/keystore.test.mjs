// SPDX-License-Identifier: Apache-2.0
// `xinlian keys` against ethers v6 (docs/keystore.md):
// - ethers opens an ecdsa keystore written by `xinlian keys new` / `keys import`, to the same
//   address;
// - `xinlian keys show` opens keystores ethers writes, with its default scrypt (N = 2^17) and
//   with N = 2^12, to the same address and public key;
// - an sm keystore round-trips through the CLI (ethers refuses it: its cipher is sm4-ctr);
// - a wrong password, an existing output file and a missing password are clean errors.
// Keys come from one seed: XL_TEST_SEED if set, else a fresh one; always printed.
// Run: XINLIAN=build/xinlian node --test tests/js/keystore.test.mjs
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Wallet, encryptKeystoreJson, keccak256, toUtf8Bytes } from 'ethers';

const XINLIAN = process.env.XINLIAN;
if (!XINLIAN) throw new Error('set XINLIAN to the path of the xinlian binary');

const SEED = process.env.XL_TEST_SEED ?? String(Math.floor(Math.random() * 2 ** 52));
console.log(`[ seed     ] keystore.test.mjs: XL_TEST_SEED=${SEED}`);
let counter = 0;
// A secp256k1 secret from the seed (a hash is a valid key with probability 1 - 2^-127).
const nextSecret = () => keccak256(toUtf8Bytes(`keystore:${SEED}:${counter++}`));

const dir = mkdtempSync(join(tmpdir(), 'xl-keystore-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
function file(content) {
  const path = join(dir, `f${files++}`);
  if (content !== undefined) writeFileSync(path, content);
  return path;
}

// Runs xinlian in a new session (detached), so it has no controlling terminal and never
// waits on one for a password.
function xinlian(...args) {
  const r = spawnSync(XINLIAN, args, { encoding: 'utf8', detached: true, timeout: 60_000 });
  if (r.error) throw r.error;
  return r;
}
function ok(...args) {
  const r = xinlian(...args);
  assert.equal(r.status, 0, `xinlian ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout.trim();
}
const uncompressed = (wallet) => '0x' + wallet.signingKey.publicKey.slice(4);  // drop 0x04

test('ethers opens a keystore from `xinlian keys new`', async () => {
  const password = `pw-${SEED}`;
  const out = file();
  const address = ok('keys', 'new', '--crypto', 'ecdsa', '--out', out, '--light',
                     '--password-file', file(password + '\n'));
  assert.match(address, /^0x[0-9a-f]{40}$/);
  assert.equal(statSync(out).mode & 0o777, 0o600);
  const json = readFileSync(out, 'utf8');
  const wallet = await Wallet.fromEncryptedJson(json, password);
  assert.equal(wallet.address.toLowerCase(), address);
  // And show, which must decrypt (Web3 v3 files do not record the public key), agrees.
  const shown = JSON.parse(ok('keys', 'show', out, '--password-file', file(password)));
  assert.deepEqual(shown, { address, publicKey: uncompressed(wallet), crypto: 'ecdsa' });
});

test('ethers opens a keystore from `xinlian keys import`, with the same secret', async () => {
  const secret = nextSecret();
  const out = file();
  const address = ok('keys', 'import', '--crypto', 'ecdsa', '--secret-file', file(secret + '\n'),
                     '--out', out, '--light', '--password-file', file('import me'));
  const wallet = await Wallet.fromEncryptedJson(readFileSync(out, 'utf8'), 'import me');
  assert.equal(wallet.privateKey, secret);
  assert.equal(address, wallet.address.toLowerCase());
});

test('`xinlian keys show` opens ethers keystores (default scrypt and N = 2^12)', async () => {
  const cases = [
    ['default', (w, pw) => w.encrypt(pw)],
    ['N=4096', (w, pw) => encryptKeystoreJson(w, pw, { scrypt: { N: 1 << 12 } })],
  ];
  for (const [name, encrypt] of cases) {
    const wallet = new Wallet(nextSecret());
    const password = `ethers ${name} ${SEED}`;
    const json = await encrypt(wallet, password);
    const n = JSON.parse(json).Crypto.kdfparams.n;
    assert.equal(n, name === 'default' ? 1 << 17 : 1 << 12);
    const shown = JSON.parse(ok('keys', 'show', file(json), '--password-file', file(password)));
    assert.deepEqual(shown, {
      address: wallet.address.toLowerCase(),
      publicKey: uncompressed(wallet),
      crypto: 'ecdsa',
    }, name);
  }
});

test('sm keystore round trip through the CLI', async () => {
  const secret = nextSecret();
  const password = 'sm password';
  const made = file();
  const address = ok('keys', 'new', '--crypto', 'sm', '--out', made, '--light',
                     '--password-file', file(password));
  const json = JSON.parse(readFileSync(made, 'utf8'));
  assert.equal(json.version, 3);
  assert.equal(json.crypto.cipher, 'sm4-ctr');
  assert.equal(json.crypto.kdfparams.prf, 'hmac-sm3');
  assert.equal(json.xinlian.suite, 'sm');
  // The public key is recorded, so show needs no password.
  const shown = JSON.parse(ok('keys', 'show', made));
  assert.equal(shown.address, address);
  assert.equal(shown.crypto, 'sm');
  assert.equal(shown.publicKey, '0x' + json.xinlian.publicKey);

  // Without the recorded public key, show must decrypt: the key derived from the secret
  // matches the address written at creation.
  delete json.xinlian.publicKey;
  const stripped = file(JSON.stringify(json));
  const decrypted = JSON.parse(ok('keys', 'show', stripped, '--password-file', file(password)));
  assert.deepEqual(decrypted, shown);
  const wrong = xinlian('keys', 'show', stripped, '--password-file', file('nope'));
  assert.notEqual(wrong.status, 0);
  assert.match(wrong.stderr, /could not decrypt key with given password/);

  // Import of a known secret under sm gives a different address than under ecdsa (SM3).
  const imported = file();
  const smAddress = ok('keys', 'import', '--crypto', 'sm', '--secret-file', file(secret),
                       '--out', imported, '--light', '--password-file', file(password));
  assert.notEqual(smAddress, new Wallet(secret).address.toLowerCase());
  assert.equal(JSON.parse(ok('keys', 'show', imported)).address, smAddress);
  // ethers does not speak SM4: it refuses the file instead of returning a wrong key.
  await assert.rejects(Wallet.fromEncryptedJson(readFileSync(imported, 'utf8'), password));
});

test('wrong password: clean error, nonzero exit, nothing on stdout', async () => {
  const wallet = new Wallet(nextSecret());
  const json = await encryptKeystoreJson(wallet, 'right', { scrypt: { N: 1 << 12 } });
  const r = xinlian('keys', 'show', file(json), '--password-file', file('wrong\n'));
  assert.notEqual(r.status, 0);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^error: .*could not decrypt key with given password\n$/);
});

test('refuses to overwrite, needs a password, rejects bad input', () => {
  const pw = file('pw');
  const out = file();
  ok('keys', 'new', '--out', out, '--light', '--password-file', pw);
  const before = readFileSync(out, 'utf8');
  const again = xinlian('keys', 'new', '--out', out, '--light', '--password-file', pw);
  assert.notEqual(again.status, 0);
  assert.match(again.stderr, /exists; refusing to overwrite/);
  assert.equal(readFileSync(out, 'utf8'), before);

  // No --password-file and no terminal: a precise error, not a hang or an empty password.
  const noTty = xinlian('keys', 'new', '--out', file(), '--light');
  assert.notEqual(noTty.status, 0);
  assert.match(noTty.stderr, /--password-file/);

  const badSecret = xinlian('keys', 'import', '--secret-file', file('0x1234'), '--out', file(),
                            '--password-file', pw);
  assert.notEqual(badSecret.status, 0);
  assert.match(badSecret.stderr, /invalid secret/);
  const zero = xinlian('keys', 'import', '--secret-file', file('00'.repeat(32)), '--out', file(),
                       '--password-file', pw);
  assert.notEqual(zero.status, 0);
  assert.match(zero.stderr, /not a valid ecdsa key/);

  const garbage = xinlian('keys', 'show', file('{"version": 3, "crypto": 7}'));
  assert.notEqual(garbage.status, 0);
  assert.match(garbage.stderr, /wrong JSON type/);
  const hostile = xinlian('keys', 'show', file(JSON.stringify({
    version: 3, address: '00'.repeat(20),
    crypto: { cipher: 'aes-128-ctr', cipherparams: { iv: '00'.repeat(16) },
      ciphertext: '00'.repeat(32), mac: '00'.repeat(32), kdf: 'scrypt',
      kdfparams: { dklen: 32, n: 2 ** 30, r: 8, p: 1, salt: '00' } },
  })), '--password-file', pw);
  assert.notEqual(hostile.status, 0);
  assert.match(hostile.stderr, /kdf parameters out of bounds/);
});

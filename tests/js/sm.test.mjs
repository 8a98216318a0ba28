// SPDX-License-Identifier: Apache-2.0
// A real Xinlian node in the sm suite (SM2 signatures, SM3 trie and addresses) driven through
// the CLI only (`xinlian deploy`, `call`, `tx send`, `receipt`, `block`; docs/cli.md) with the
// dev accounts' keys (--private-key-file): deploy contracts/Counter.sol compiled by solc,
// call it, send value, check receipts, balances and the revert reason `xinlian call` prints.
// ethers is used only to encode calldata and as an independent reader over raw JSON-RPC.
// Run: cd tests/js && XINLIAN=$PWD/../../build/xinlian node --test sm.test.mjs
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Interface, getAddress } from 'ethers';
import { cliAsync, rpc, startNode } from './lib/node.mjs';
import { compileFile } from './lib/solc.mjs';

const kTestMs = 60000;
const kCliMs = 30000;

let node, counter, iface, counterAddr, beforeAdd;

const T = (name, fn) => test(name, { timeout: kTestMs }, async (t) => {
  if (!node) throw new Error('the node did not start (see the before hook)');
  return node.logged(fn)(t);
});

// Runs `xinlian <args> --rpc <node>`; returns the result; asserts the exit status.
async function x(args, wantStatus = 0) {
  const r = await cliAsync([...args, '--rpc', node.url, '--rpc-timeout-ms', '10000'], kCliMs);
  assert.equal(r.status, wantStatus, `xinlian ${args.join(' ')}: status ${r.status}\n${r.stderr}${r.stdout}`);
  return r;
}
const xjson = async (args) => JSON.parse((await x(args)).stdout);
// `tx send --wait` prints the hash on a line, then the receipt as JSON.
function sent(stdout) {
  const nl = stdout.indexOf('\n');
  const hash = stdout.slice(0, nl).trim();
  assert.match(hash, /^0x[0-9a-f]{64}$/);
  const receipt = JSON.parse(stdout.slice(nl + 1));
  assert.equal(receipt.transactionHash, hash);
  return receipt;
}
const result = async (method, params) => {
  const r = await rpc(node.url, method, params);
  assert.ok(!r.error, `${method}: ${JSON.stringify(r.error)}`);
  return r.result;
};

before(async () => {
  counter = compileFile('Counter.sol').Counter;
  iface = new Interface(counter.abi);
  node = await startNode({ crypto: 'sm', devAccounts: 3, blockIntervalMs: 200 });
}, { timeout: kTestMs });

after(async () => {
  if (node) await node.stop();
}, { timeout: 15000 });

T('the node reports the sm suite', async () => {
  const status = await result('xl_nodeStatus', []);
  assert.equal(status.crypto, 'sm');
  assert.equal(status.chainId, 1337);
  const genesis = await xjson(['block', '0']);
  assert.equal(BigInt(genesis.number), 0n);
});

T('deploy a compiled contract with xinlian deploy --wait', async () => {
  const [a] = node.accounts;
  const binFile = join(node.dir, 'Counter.bin');
  writeFileSync(binFile, counter.bytecode.slice(2) + '\n');
  const out = await xjson([
    'deploy', '--private-key-file', a.keyFile, '--bytecode', binFile,
    '--args-sig', 'constructor(uint256)', '41', '--wait',
  ]);
  assert.match(out.transactionHash, /^0x[0-9a-f]{64}$/);
  counterAddr = getAddress(out.contractAddress);
  assert.equal(out.receipt.status, '0x1');
  assert.equal(getAddress(out.receipt.contractAddress), counterAddr);
  assert.equal(getAddress(out.receipt.from), getAddress(a.address));
  // The receipt command and the block agree with the deploy output.
  const rc = await xjson(['receipt', out.transactionHash]);
  assert.equal(rc.transactionHash, out.transactionHash);
  assert.equal(rc.blockHash, out.receipt.blockHash);
  const block = await xjson(['block', String(BigInt(rc.blockNumber))]);
  assert.equal(block.hash, rc.blockHash);
  assert.ok(block.transactions.includes(out.transactionHash));
  const full = await xjson(['block', rc.blockHash, '--full']);
  const tx = full.transactions.find((t) => t.hash === out.transactionHash);
  assert.ok(tx, 'deploy transaction missing from --full block');
  assert.equal(tx.to, null);
  // The code is there, and the constructor ran.
  const code = await result('eth_getCode', [counterAddr, 'latest']);
  assert.ok(code.length > 2);
  const got = JSON.parse((await x(['call', '--to', counterAddr, '--sig', 'count()', '--returns', '(uint256)'])).stdout);
  assert.deepEqual(got, ['41']);
});

T('call and transact: add() changes the count, emits its event', async () => {
  assert.ok(counterAddr, 'needs the deploy test');
  const [a, b] = node.accounts;
  const data = iface.encodeFunctionData('add', [5n]);
  const rc = sent((await x([
    'tx', 'send', '--private-key-file', b.keyFile, '--to', counterAddr, '--data', data, '--wait',
  ])).stdout);
  assert.equal(rc.status, '0x1');
  assert.equal(rc.logs.length, 1);
  const ev = iface.parseLog(rc.logs[0]);
  assert.equal(ev.name, 'Incremented');
  assert.equal(ev.args.by, getAddress(b.address));
  assert.equal(ev.args.count, 46n);
  const raw = (await x(['call', '--to', counterAddr, '--sig', 'count()'])).stdout.trim();
  assert.equal(BigInt(raw), 46n);
  // The call at the block before the transaction sees the old value.
  const before = BigInt(rc.blockNumber) - 1n;
  const old = JSON.parse((await x([
    'call', '--to', counterAddr, '--sig', 'count()', '--returns', '(uint256)', '--block', '0x' + before.toString(16),
  ])).stdout);
  assert.deepEqual(old, ['41']);
  beforeAdd = before;
  // The sender's nonce moved; a's did not.
  assert.equal(BigInt(await result('eth_getTransactionCount', [b.address, 'latest'])), 1n);
  assert.equal(BigInt(await result('eth_getTransactionCount', [a.address, 'latest'])), 1n);
});

T('send value: balances move by value plus gas', async () => {
  const [a, b, c] = node.accounts;
  const value = 123456789n;
  const balA = BigInt(await result('eth_getBalance', [a.address, 'latest']));
  const balC = BigInt(await result('eth_getBalance', [c.address, 'latest']));
  const rc = sent((await x([
    'tx', 'send', '--private-key-file', a.keyFile, '--to', c.address, '--value', String(value), '--wait',
  ])).stdout);
  assert.equal(rc.status, '0x1');
  assert.equal(BigInt(rc.gasUsed), 21000n);
  const fee = BigInt(rc.gasUsed) * BigInt(rc.effectiveGasPrice);
  assert.equal(BigInt(await result('eth_getBalance', [c.address, 'latest'])), balC + value);
  assert.equal(BigInt(await result('eth_getBalance', [a.address, 'latest'])), balA - value - fee);
  // Value into the contract through a payable function (0x-hex value).
  const dep = sent((await x([
    'tx', 'send', '--private-key-file', b.keyFile, '--to', counterAddr, '--value', '0x1000',
    '--data', iface.encodeFunctionData('deposit', []), '--wait',
  ])).stdout);
  assert.equal(dep.status, '0x1');
  assert.equal(BigInt(await result('eth_getBalance', [counterAddr, 'latest'])), 0x1000n);
  const got = JSON.parse((await x(['call', '--to', counterAddr, '--sig', 'deposited()', '--returns', '(uint256)'])).stdout);
  assert.deepEqual(got, ['4096']);
});

T('reverts: xinlian call prints the reason; a reverting send is refused by its estimate', async () => {
  const [a] = node.accounts;
  const r = await x(['call', '--to', counterAddr, '--sig', 'add(uint256)', '0'], 1);
  assert.match(r.stderr, /execution reverted: Counter: zero increment/);
  assert.match(r.stderr, /\(code 3\)/);
  // A non-payable function with value: a revert without a reason.
  const s = await x([
    'tx', 'send', '--private-key-file', a.keyFile, '--to', counterAddr, '--value', '1',
    '--data', iface.encodeFunctionData('add', [1n]), '--wait',
  ], 1);
  assert.match(s.stderr, /execution reverted/);
  // With an explicit gas limit the transaction is mined, fails, and --wait exits 1 with the receipt.
  const f = await x([
    'tx', 'send', '--private-key-file', a.keyFile, '--to', counterAddr, '--gas', '100000',
    '--data', iface.encodeFunctionData('add', [0n]), '--wait',
  ], 1);
  const rc = sent(f.stdout);
  assert.equal(rc.status, '0x0');
  const again = await xjson(['receipt', rc.transactionHash]);
  assert.equal(again.status, '0x0');
  const count = JSON.parse((await x(['call', '--to', counterAddr, '--sig', 'count()', '--returns', '(uint256)'])).stdout);
  assert.deepEqual(count, ['46']);
});

// docs/cli.md: `xinlian call --block latest|NUMBER`: a decimal NUMBER works as 0x-hex does.
test('xinlian call --block with a decimal number', { timeout: kTestMs }, async () => {
  assert.ok(beforeAdd !== undefined, 'needs the add() test');
  const old = JSON.parse((await x([
    'call', '--to', counterAddr, '--sig', 'count()', '--returns', '(uint256)', '--block', String(beforeAdd),
  ])).stdout);
  assert.deepEqual(old, ['41']);
});

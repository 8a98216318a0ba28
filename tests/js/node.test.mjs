// SPDX-License-Identifier: Apache-2.0
// A real Xinlian node (ecdsa suite, one validator, 200 ms blocks) driven by ethers v6 over
// JSON-RPC, with OpenZeppelin 5 contracts compiled by solc 0.8.26 in the test (issue 4,
// "Tests that only a real client can give"): ERC-20/ERC-721/AccessControl flows and their
// events, eth_getLogs and filters, custom errors and revert strings, estimateGas, WebSocket
// subscriptions, historical eth_call, eth_getProof checked by an independent MPT verifier,
// and bad input over HTTP. One node for the file (lib/node.mjs); its log is printed when a
// test fails. Run: cd tests/js && XINLIAN=$PWD/../../build/xinlian node --test node.test.mjs
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AbiCoder, Contract, ContractFactory, JsonRpcProvider, Network, Wallet, WebSocketProvider,
  ZeroAddress, decodeRlp, getAddress, hexlify, id as topicOf, keccak256, zeroPadValue,
} from 'ethers';
import { connect } from 'node:net';
import { startNode, withTimeout } from './lib/node.mjs';
import { compileFile } from './lib/solc.mjs';
import { quantityBytes, verifyProof } from './lib/mpt.mjs';

const kWaitMs = 15000; // any single receipt or event
const kTestMs = 60000; // any single test
const kSupply = 10n ** 24n;

const network = Network.from(1337);
let node, provider, wallets, artifacts;
let token, nft, register, tokenBlock;

// JSON-RPC quantity: no leading zeros (toBeHex(0) is 0x00, which nodes refuse as geth does).
const qty = (n) => '0x' + BigInt(n).toString(16);

// Sends and waits for the receipt (bounded); asserts success.
async function mined(txPromise) {
  const tx = await txPromise;
  const r = await tx.wait(1, kWaitMs);
  assert.equal(r.status, 1, `transaction ${tx.hash} failed`);
  return r;
}

async function deploy(name, wallet, ...args) {
  const f = new ContractFactory(artifacts[name].abi, artifacts[name].bytecode, wallet);
  const c = await f.deploy(...args);
  const r = await c.deploymentTransaction().wait(1, kWaitMs);
  assert.equal(r.status, 1);
  return { contract: c, receipt: r };
}

const T = (name, fn) => test(name, { timeout: kTestMs }, async (t) => {
  if (!node) throw new Error('the node did not start (see the before hook)');
  return node.logged(fn)(t);
});

before(async () => {
  artifacts = compileFile('Tokens.sol');
  node = await startNode({ crypto: 'ecdsa', devAccounts: 4, blockIntervalMs: 200 });
  provider = new JsonRpcProvider(node.url, network, {
    staticNetwork: network, pollingInterval: 100,
    cacheTimeout: -1, // ethers caches identical requests for 250 ms: stale nonces at 200 ms blocks
  });
  wallets = node.accounts.map((a) => new Wallet(a.privateKey, provider));
  try {
    const t = await deploy('TestToken', wallets[0], kSupply);
    token = t.contract;
    tokenBlock = t.receipt.blockNumber;
    nft = (await deploy('TestNFT', wallets[0])).contract;
    register = (await deploy('Register', wallets[0])).contract;
  } catch (e) {
    console.error(`---- node log (deploy) ----\n${node.log()}\n---- end of node log ----`);
    throw e;
  }
}, { timeout: kTestMs });

after(async () => {
  provider?.destroy();
  if (node) await node.stop();
}, { timeout: 15000 });

T('ERC-20, ERC-721 and AccessControl: transfers, approvals, transferFrom, events', async () => {
  const [a, b, c] = wallets;
  assert.equal(await token.totalSupply(), kSupply);
  assert.equal(await token.balanceOf(a.address), kSupply);

  let r = await mined(token.connect(a).transfer(b.address, 1000n));
  assert.equal(r.logs.length, 1);
  assert.equal(r.logs[0].eventName, 'Transfer');
  assert.deepEqual([...r.logs[0].args], [a.address, b.address, 1000n]);
  assert.equal(await token.balanceOf(b.address), 1000n);

  r = await mined(token.connect(b).approve(c.address, 500n));
  assert.equal(r.logs[0].eventName, 'Approval');
  assert.deepEqual([...r.logs[0].args], [b.address, c.address, 500n]);
  assert.equal(await token.allowance(b.address, c.address), 500n);

  r = await mined(token.connect(c).transferFrom(b.address, c.address, 300n));
  const transfer = r.logs.find((l) => l.eventName === 'Transfer');
  assert.deepEqual([...transfer.args], [b.address, c.address, 300n]);
  assert.equal(await token.balanceOf(b.address), 700n);
  assert.equal(await token.balanceOf(c.address), 300n);
  assert.equal(await token.allowance(b.address, c.address), 200n);
  assert.equal(await token.balanceOf(a.address), kSupply - 1000n);

  // ERC-721: mint, approve, transferFrom by the approved account.
  r = await mined(nft.connect(a).mint(a.address, 7n));
  assert.deepEqual([...r.logs[0].args], [ZeroAddress, a.address, 7n]);
  assert.equal(await nft.ownerOf(7n), a.address);
  r = await mined(nft.connect(a).approve(b.address, 7n));
  assert.equal(r.logs[0].eventName, 'Approval');
  assert.equal(await nft.getApproved(7n), b.address);
  r = await mined(nft.connect(b).transferFrom(a.address, c.address, 7n));
  assert.deepEqual([...r.logs.find((l) => l.eventName === 'Transfer').args], [a.address, c.address, 7n]);
  assert.equal(await nft.ownerOf(7n), c.address);
  assert.equal(await nft.balanceOf(c.address), 1n);
  assert.equal(await nft.balanceOf(a.address), 0n);

  // AccessControl: refused without the role (a custom error), allowed after grantRole.
  const writer = await register.WRITER_ROLE();
  // staticCall decodes the contract's custom errors into error.revert; a send fails in
  // estimateGas, where ethers knows only Error/Panic and the caller parses error.data.
  await assert.rejects(register.connect(b).write.staticCall(5n), (e) => {
    assert.equal(e.code, 'CALL_EXCEPTION');
    assert.equal(e.revert?.name, 'AccessControlUnauthorizedAccount');
    assert.deepEqual([...e.revert.args], [b.address, writer]);
    return true;
  });
  await assert.rejects(register.connect(b).write(5n), (e) => {
    assert.equal(e.code, 'CALL_EXCEPTION');
    const err = register.interface.parseError(e.data);
    assert.equal(err.name, 'AccessControlUnauthorizedAccount');
    assert.deepEqual([...err.args], [b.address, writer]);
    return true;
  });
  r = await mined(register.connect(a).grantRole(writer, b.address));
  assert.equal(r.logs[0].eventName, 'RoleGranted');
  assert.deepEqual([...r.logs[0].args], [writer, b.address, a.address]);
  assert.equal(await register.hasRole(writer, b.address), true);
  r = await mined(register.connect(b).write(5n));
  assert.equal(r.logs[0].eventName, 'Written');
  assert.deepEqual([...r.logs[0].args], [b.address, 5n]);
  assert.equal(await register.value(), 5n);
});

T('eth_getLogs through ethers filters; eth_newFilter / eth_getFilterChanges', async () => {
  const [a, b, c] = wallets;
  const start = (await provider.getBlockNumber()) + 1;
  const receipts = [];
  receipts.push(await mined(token.connect(a).transfer(b.address, 1n)));
  receipts.push(await mined(token.connect(a).transfer(c.address, 2n)));
  receipts.push(await mined(token.connect(b).transfer(c.address, 3n)));
  receipts.push(await mined(token.connect(a).approve(c.address, 4n)));
  receipts.push(await mined(nft.connect(a).mint(b.address, 8n)));
  const end = receipts.at(-1).blockNumber;
  const tokenAddr = await token.getAddress();
  const nftAddr = await nft.getAddress();
  const transferTopic = topicOf('Transfer(address,address,uint256)');
  const approvalTopic = topicOf('Approval(address,address,uint256)');
  const pad = (addr) => zeroPadValue(addr, 32);

  // By address, event and indexed arguments (null = wildcard).
  let logs = await token.queryFilter(token.filters.Transfer(), start, end);
  assert.deepEqual(logs.map((l) => l.args.value), [1n, 2n, 3n]);
  logs = await token.queryFilter(token.filters.Transfer(a.address), start, end);
  assert.deepEqual(logs.map((l) => l.args.value), [1n, 2n]);
  logs = await token.queryFilter(token.filters.Transfer(null, c.address), start, end);
  assert.deepEqual(logs.map((l) => l.args.value), [2n, 3n]);
  logs = await token.queryFilter(token.filters.Transfer(null, null), start, end);
  assert.equal(logs.length, 3);

  // Topic OR-sets and address lists.
  let raw = await provider.getLogs({
    address: tokenAddr, fromBlock: start, toBlock: end,
    topics: [transferTopic, [pad(a.address), pad(b.address)], pad(c.address)],
  });
  assert.deepEqual(raw.map((l) => BigInt(l.data)), [2n, 3n]);
  raw = await provider.getLogs({
    address: tokenAddr, fromBlock: start, toBlock: end, topics: [[transferTopic, approvalTopic]],
  });
  assert.deepEqual(raw.map((l) => BigInt(l.data)), [1n, 2n, 3n, 4n]);
  raw = await provider.getLogs({ address: [tokenAddr, nftAddr], fromBlock: start, toBlock: end, topics: [transferTopic] });
  assert.equal(raw.length, 4);
  assert.equal(raw[3].address, nftAddr);
  assert.equal(BigInt(raw[3].topics[3]), 8n);
  raw = await provider.getLogs({ fromBlock: start, toBlock: end, topics: [null, null, pad(b.address)] });
  assert.deepEqual(raw.map((l) => l.address), [tokenAddr, nftAddr]);
  raw = await provider.getLogs({ fromBlock: start, toBlock: end, topics: [topicOf('Nothing()')] });
  assert.equal(raw.length, 0);

  // Block ranges: exactly the logs of the blocks in range, in block/log order.
  const mid = receipts[1].blockNumber;
  raw = await provider.getLogs({ address: tokenAddr, fromBlock: mid, toBlock: mid });
  const expected = receipts.filter((r) => r.blockNumber === mid).flatMap((r) => r.logs.map((l) => l.transactionHash));
  assert.deepEqual(raw.map((l) => l.transactionHash), expected);
  raw = await provider.getLogs({ address: tokenAddr, fromBlock: end + 1, toBlock: end + 1 });
  assert.equal(raw.length, 0);
  const byHash = await provider.getLogs({ blockHash: receipts[2].blockHash, address: tokenAddr });
  assert.ok(byHash.some((l) => l.transactionHash === receipts[2].hash));
  for (const l of await provider.getLogs({ address: tokenAddr, fromBlock: start, toBlock: end })) {
    const r = receipts.find((x) => x.hash === l.transactionHash);
    assert.equal(l.blockNumber, r.blockNumber);
    assert.equal(l.blockHash, r.blockHash);
  }

  // Polling filters.
  const fid = await provider.send('eth_newFilter', [{ address: tokenAddr, topics: [transferTopic] }]);
  assert.deepEqual(await provider.send('eth_getFilterChanges', [fid]), []);
  const r1 = await mined(token.connect(a).transfer(b.address, 11n));
  await mined(token.connect(a).approve(b.address, 12n)); // not a Transfer: filtered out
  const changes = await provider.send('eth_getFilterChanges', [fid]);
  assert.equal(changes.length, 1);
  assert.equal(changes[0].transactionHash, r1.hash);
  assert.equal(BigInt(changes[0].data), 11n);
  assert.deepEqual(await provider.send('eth_getFilterChanges', [fid]), []);
  const rangeId = await provider.send('eth_newFilter', [{ address: tokenAddr, fromBlock: qty(start), toBlock: qty(end) }]);
  const all = await provider.send('eth_getFilterLogs', [rangeId]);
  assert.deepEqual(all.map((l) => BigInt(l.data)), [1n, 2n, 3n, 4n]);
  assert.equal(await provider.send('eth_uninstallFilter', [rangeId]), true);
  const bid = await provider.send('eth_newBlockFilter', []);
  const r2 = await mined(token.connect(a).transfer(b.address, 13n));
  const hashes = await provider.send('eth_getFilterChanges', [bid]);
  assert.ok(hashes.includes(r2.blockHash), `block filter missed ${r2.blockHash}: ${hashes}`);
  assert.equal(await provider.send('eth_uninstallFilter', [fid]), true);
  assert.equal(await provider.send('eth_uninstallFilter', [fid]), false);
  assert.equal(await provider.send('eth_uninstallFilter', [bid]), true);
});

T('custom errors and revert strings decoded by ethers (estimateGas, call)', async () => {
  const [, , c, d] = wallets;
  const have = await token.balanceOf(d.address);
  const check = (e, decoded) => {
    assert.equal(e.code, 'CALL_EXCEPTION');
    if (decoded) {
      assert.equal(e.revert?.name, 'ERC20InsufficientBalance');
      assert.deepEqual([...e.revert.args], [d.address, have, have + 5n]);
    }
    const parsed = token.interface.parseError(e.data);
    assert.equal(parsed.name, 'ERC20InsufficientBalance');
    assert.equal(parsed.args[2], have + 5n);
    return true;
  };
  await assert.rejects(token.connect(d).transfer.estimateGas(c.address, have + 5n), (e) => check(e, false));
  await assert.rejects(token.connect(d).transfer.staticCall(c.address, have + 5n), (e) => check(e, true));
  await assert.rejects(token.connect(d).transfer(c.address, have + 5n), (e) => check(e, false));

  const checkString = (e) => {
    assert.equal(e.code, 'CALL_EXCEPTION');
    assert.equal(e.reason, 'checked: amount over balance');
    assert.equal(e.revert?.name, 'Error');
    assert.deepEqual([...e.revert.args], ['checked: amount over balance']);
    return true;
  };
  await assert.rejects(token.connect(d).checked(1n), checkString);
  await assert.rejects(token.connect(d).checked.estimateGas(1n), checkString);
  // Raw provider calls carry the revert data too.
  const data = token.interface.encodeFunctionData('checked', [1n]);
  await assert.rejects(provider.call({ to: await token.getAddress(), from: d.address, data }), checkString);
  // Unknown selector: a revert without data.
  await assert.rejects(provider.call({ to: await token.getAddress(), data: '0x12345678' }), (e) => {
    assert.equal(e.code, 'CALL_EXCEPTION');
    assert.equal(e.data, '0x');
    return true;
  });
});

T('eth_estimateGas, then the transaction succeeds with exactly that gas', async () => {
  const [a] = wallets;
  const fresh = Wallet.createRandom().address; // a new balance slot: the SSTORE from zero
  const gas = await token.connect(a).transfer.estimateGas(fresh, 77n);
  assert.ok(gas > 21000n + 20000n, `estimate ${gas} too low for a fresh slot`);
  let r = await mined(token.connect(a).transfer(fresh, 77n, { gasLimit: gas }));
  assert.ok(r.gasUsed <= gas);
  assert.equal(await token.balanceOf(fresh), 77n);

  const plain = await provider.estimateGas({ from: a.address, to: fresh, value: 1n });
  assert.equal(plain, 21000n);
  r = await mined(a.sendTransaction({ to: fresh, value: 1n, gasLimit: plain }));
  assert.equal(r.gasUsed, 21000n);
  assert.equal(await provider.getBalance(fresh), 1n);

  // A deployment with its estimate.
  const f = new ContractFactory(artifacts.TestNFT.abi, artifacts.TestNFT.bytecode, a);
  const dtx = await f.getDeployTransaction();
  const dgas = await provider.estimateGas({ ...dtx, from: a.address });
  const c = await f.deploy({ gasLimit: dgas });
  r = await c.deploymentTransaction().wait(1, kWaitMs);
  assert.equal(r.status, 1);
  assert.ok(r.gasUsed <= dgas);
  assert.notEqual(await provider.getCode(r.contractAddress), '0x');
  // One gas under a plain transfer's need is refused before execution.
  await assert.rejects(a.sendTransaction({ to: fresh, value: 1n, gasLimit: 20999n }), /intrinsic gas too low/);
});

T('WebSocket subscriptions: block and contract event listeners', async () => {
  const [a, b] = wallets;
  const ws = new WebSocketProvider(node.wsUrl, network, { staticNetwork: network });
  try {
    const wsToken = new Contract(await token.getAddress(), artifacts.TestToken.abi, ws);
    const blocks = [];
    let gotBlock;
    const blockP = new Promise((resolve) => { gotBlock = resolve; });
    let target; // a block number whose newHeads notification the test waits for
    let gotTarget;
    const targetP = new Promise((resolve) => { gotTarget = resolve; });
    await ws.on('block', (n) => {
      blocks.push(n);
      gotBlock(n);
      if (target !== undefined && blocks.includes(target)) gotTarget(true);
    });
    let gotEvent;
    const eventP = new Promise((resolve) => { gotEvent = resolve; });
    await wsToken.on('Transfer', (from, to, value, ev) => {
      if (from === a.address && to === b.address && value === 4242n) gotEvent({ from, to, value, ev });
    });
    // ethers sends eth_subscribe asynchronously, right after the first request below; the node
    // handles a session's messages in order, so once the second answers the subscriptions exist.
    await withTimeout(ws.send('eth_blockNumber', []), kWaitMs, 'eth_blockNumber over WebSocket');
    await withTimeout(ws.send('eth_blockNumber', []), kWaitMs, 'eth_blockNumber over WebSocket');

    const r = await mined(token.connect(a).transfer(b.address, 4242n));
    const ev = await withTimeout(eventP, kWaitMs, 'Transfer event over WebSocket');
    assert.equal(ev.from, a.address);
    assert.equal(ev.to, b.address);
    assert.equal(ev.ev.log.transactionHash, r.hash);
    assert.equal(ev.ev.log.blockNumber, r.blockNumber);
    const n = await withTimeout(blockP, kWaitMs, 'block over WebSocket');
    assert.ok(typeof n === 'number' && n > 0);
    target = r.blockNumber;
    if (blocks.includes(target)) gotTarget(true);
    const seen = await withTimeout(targetP, kWaitMs, `block ${r.blockNumber} over WebSocket`);
    assert.ok(seen);
  } finally {
    ws.destroy();
  }
});

T('eth_call at a past block tag returns the old state', async () => {
  const [a, b] = wallets;
  const before = await provider.getBlockNumber();
  const balBefore = await token.balanceOf(b.address);
  const ethBefore = await provider.getBalance(b.address, before);
  const r = await mined(token.connect(a).transfer(b.address, 5n));
  await mined(a.sendTransaction({ to: b.address, value: 9n }));
  assert.ok(r.blockNumber > before);
  assert.equal(await token.balanceOf(b.address, { blockTag: before }), balBefore);
  assert.equal(await token.balanceOf(b.address, { blockTag: r.blockNumber }), balBefore + 5n);
  assert.equal(await token.balanceOf(b.address), balBefore + 5n);
  assert.equal(await provider.getBalance(b.address, before), ethBefore);
  assert.equal(await provider.getBalance(b.address), ethBefore + 9n);
  // Before the token existed: no code, and a call returns nothing.
  const addr = await token.getAddress();
  assert.equal(await provider.getCode(addr, tokenBlock - 1), '0x');
  assert.notEqual(await provider.getCode(addr, tokenBlock), '0x');
  const data = token.interface.encodeFunctionData('balanceOf', [b.address]);
  assert.equal(await provider.call({ to: addr, data, blockTag: tokenBlock - 1 }), '0x');
  assert.equal(await token.totalSupply({ blockTag: tokenBlock }), kSupply);
  // A block that does not exist yet.
  await assert.rejects(provider.call({ to: addr, data, blockTag: (await provider.getBlockNumber()) + 1000 }));
});

T('eth_getProof verified against the block header stateRoot', async () => {
  const [a] = wallets;
  const tokenAddr = await token.getAddress();
  const num = await provider.getBlockNumber();
  const tag = qty(num);
  const header = await provider.send('eth_getBlockByNumber', [tag, false]);
  const slot = keccak256(AbiCoder.defaultAbiCoder().encode(['address', 'uint256'], [a.address, 0n]));
  const proof = await provider.send('eth_getProof', [tokenAddr, [slot], tag]);

  // The contract account.
  const leaf = verifyProof(header.stateRoot, tokenAddr, proof.accountProof);
  assert.notEqual(leaf, null, 'account missing from the proof');
  const [nonce, balance, storageRoot, codeHash] = decodeRlp(leaf);
  assert.equal(BigInt(nonce === '0x' ? 0 : nonce), BigInt(proof.nonce));
  assert.equal(BigInt(balance === '0x' ? 0 : balance), BigInt(proof.balance));
  assert.equal(storageRoot, proof.storageHash);
  assert.equal(codeHash, proof.codeHash);
  assert.equal(codeHash, keccak256(await provider.getCode(tokenAddr, num)));
  assert.equal(BigInt(proof.nonce), 1n); // EIP-161: a contract starts at nonce 1
  assert.equal(getAddress(proof.address), tokenAddr);

  // The ERC-20 balance slot (mapping at slot 0 of OZ's ERC20).
  const bal = await token.balanceOf(a.address, { blockTag: num });
  assert.equal(proof.storageProof.length, 1);
  const sp = proof.storageProof[0];
  assert.equal(BigInt(sp.key), BigInt(slot));
  assert.equal(BigInt(sp.value), bal);
  const sleaf = verifyProof(proof.storageHash, zeroPadValue(slot, 32), sp.proof);
  assert.equal(hexlify(decodeRlp(sleaf)), quantityBytes(bal));
  assert.equal(BigInt(await provider.getStorage(tokenAddr, slot, num)), bal);

  // An externally owned account.
  const ep = await provider.send('eth_getProof', [a.address, [], tag]);
  const [enonce, ebal] = decodeRlp(verifyProof(header.stateRoot, a.address, ep.accountProof));
  assert.equal(BigInt(enonce), BigInt(await provider.getTransactionCount(a.address, num)));
  assert.equal(BigInt(ebal === '0x' ? 0 : ebal), await provider.getBalance(a.address, num));
  assert.equal(ep.codeHash, keccak256('0x'));

  // An absent account: the proof shows the key is not there.
  const nobody = Wallet.createRandom().address;
  const np = await provider.send('eth_getProof', [nobody, [], tag]);
  assert.equal(verifyProof(header.stateRoot, nobody, np.accountProof), null);
  assert.equal(BigInt(np.balance), 0n);

  // The verifier can fail: a changed node or another root is refused.
  const bad = [...proof.accountProof];
  const last = bad.length - 1;
  bad[last] = bad[last].slice(0, -2) + (bad[last].endsWith('00') ? '01' : '00');
  assert.throws(() => verifyProof(header.stateRoot, tokenAddr, bad), /hashes to/);
  const older = await provider.send('eth_getBlockByNumber', [qty(tokenBlock - 1), false]);
  assert.notEqual(older.stateRoot, header.stateRoot);
  assert.throws(() => verifyProof(older.stateRoot, tokenAddr, proof.accountProof), /hashes to/);
});

T('bad input over HTTP: precise JSON-RPC errors; the node keeps serving', async () => {
  const [a, b] = wallets;
  const post = async (body, headers = {}) => {
    const res = await fetch(node.url, {
      method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body,
      signal: AbortSignal.timeout(kWaitMs),
    });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : null, text };
  };
  const call = (method, params) => post(JSON.stringify({ jsonrpc: '2.0', id: 7, method, params }));
  const alive = async () => {
    const r = await call('eth_blockNumber', []);
    assert.equal(r.status, 200);
    assert.match(r.json.result, /^0x[0-9a-f]+$/);
  };

  let r = await post('{"jsonrpc":"2.0","id":1,"method":');
  assert.equal(r.status, 200);
  assert.equal(r.json.error.code, -32700);
  assert.match(r.json.error.message, /^parse error/);
  assert.equal(r.json.id, null);

  r = await call('eth_foo', []);
  assert.deepEqual(r.json, {
    jsonrpc: '2.0', id: 7, error: { code: -32601, message: 'the method eth_foo does not exist/is not available' },
  });

  r = await call('eth_getBalance', ['0x1234', 'latest']);
  assert.equal(r.json.error.code, -32602);
  assert.equal(r.json.id, 7);
  r = await call('eth_getBalance', [a.address, 'latest', 'extra', 'args']);
  assert.equal(r.json.error.code, -32602);
  r = await call('eth_getBlockByNumber', [{}, false]);
  assert.equal(r.json.error.code, -32602);

  const batch = Array.from({ length: 10000 }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'eth_blockNumber' }));
  r = await post(JSON.stringify(batch));
  assert.equal(r.status, 200);
  assert.equal(r.json.error.code, -32005);
  assert.equal(r.json.error.message, 'batch too large: 10000 > 1000');
  await alive();
  r = await post(JSON.stringify(batch.slice(0, 1000)));
  assert.equal(r.json.length, 1000);
  assert.deepEqual(r.json.map((x) => x.id), batch.slice(0, 1000).map((x) => x.id));

  // 6 MiB body: 413 with a JSON-RPC error.
  const big = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_call', params: ['x'.repeat(6 << 20)] });
  r = await post(big);
  assert.equal(r.status, 413);
  assert.equal(r.json.error.code, -32005);
  assert.match(r.json.error.message, /^request too large: \d+ > 5242880 bytes$/);
  await alive();

  // Invalid raw transactions.
  // Invalid raw transactions (geth's texts).
  r = await call('eth_sendRawTransaction', ['0xdeadbeef']);
  assert.deepEqual(r.json.error, { code: -32000, message: 'rlp: value size exceeds available input length' });
  r = await call('eth_sendRawTransaction', ['0x']);
  assert.deepEqual(r.json.error, { code: -32000, message: 'typed transaction too short' });
  await assert.rejects(provider.broadcastTransaction('0x02c0'), /rlp: too few elements/);

  // Wrong chain id.
  const other = await a.signTransaction({
    type: 2, chainId: 1n, nonce: await a.getNonce(), to: b.address, value: 1n, gasLimit: 21000n,
    maxFeePerGas: 1n, maxPriorityFeePerGas: 0n,
  });
  r = await call('eth_sendRawTransaction', [other]);
  assert.deepEqual(r.json.error, { code: -32000, message: 'invalid chain id for signer' });

  // Nonce too low: ethers' NONCE_EXPIRED.
  await mined(a.sendTransaction({ to: b.address, value: 1n }));
  await assert.rejects(a.sendTransaction({ to: b.address, value: 1n, nonce: 0, gasLimit: 21000n }), (e) => {
    assert.equal(e.code, 'NONCE_EXPIRED', e.message);
    return true;
  });
  r = await call('eth_sendRawTransaction', [await a.signTransaction({
    type: 2, chainId: 1337n, nonce: 0, to: b.address, value: 1n, gasLimit: 21000n, maxFeePerGas: 1n,
    maxPriorityFeePerGas: 0n,
  })]);
  assert.match(r.json.error.message, /^nonce too low/);

  // Insufficient funds: ethers' INSUFFICIENT_FUNDS.
  const poor = Wallet.createRandom().connect(provider);
  await assert.rejects(poor.sendTransaction({ to: b.address, value: 10n ** 18n, gasLimit: 21000n }), (e) => {
    assert.equal(e.code, 'INSUFFICIENT_FUNDS', e.message);
    return true;
  });
  await alive();

  // A client that sends half a request and stalls holds only its own connection; one that
  // disconnects mid-body does no harm.
  const stalled = await rawConnect(node.port);
  stalled.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"jsonrpc"');
  await alive();
  const dropped = await rawConnect(node.port);
  dropped.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{"jsonrpc":"2.0","id":1,');
  dropped.destroy();
  const garbage = await rawConnect(node.port);
  const status = new Promise((resolve) => {
    let got = '';
    garbage.on('data', (d) => { got += d; });
    garbage.on('close', () => resolve(got.split('\r\n')[0]));
  });
  garbage.write('\x00\x01 NOT HTTP AT ALL\r\n\r\n');
  assert.match(await withTimeout(status, kWaitMs, 'answer to garbage'), /^HTTP\/1\.1 400/);
  await alive();
  stalled.destroy();
  await alive();
});

function rawConnect(port) {
  return withTimeout(new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1', () => resolve(sock));
    sock.on('error', reject);
  }), kWaitMs, 'connect');
}

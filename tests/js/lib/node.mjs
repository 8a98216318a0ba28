// SPDX-License-Identifier: Apache-2.0
// Test helper: a fresh single-validator Xinlian node in a temp dir, for one test file.
// startNode() runs `xinlian init` (free ports found by binding port 0) and `xinlian node`,
// waits (bounded) for eth_blockNumber, and returns handles; stop() sends SIGTERM, then
// SIGKILL after 5 s, and removes the directory. The node's stderr is kept in memory and
// printed by logged() when a test fails. Not shared between workers: one node per file.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const XINLIAN = process.env.XINLIAN;
if (!XINLIAN) throw new Error('set XINLIAN to the path of the xinlian binary');

const kStartTimeoutMs = 20000;
const kKillAfterMs = 5000;
const kLogTailBytes = 64 * 1024;
const kLogTailLines = 40; // printed when a test fails

// A port that was free a moment ago (the listener is closed before returning).
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// Resolves with `promise`, or rejects with `what` after `ms`.
export function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timeout after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export async function rpc(url, method, params = [], timeoutMs = 10000) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  return res.json();
}

// Runs the CLI synchronously with a timeout; returns { status, stdout, stderr }.
export function cli(args, timeoutMs = 60000) {
  const r = spawnSync(XINLIAN, args, { encoding: 'utf8', timeout: timeoutMs });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

// Runs the CLI without blocking the event loop (the node's log pipes keep draining); kills it
// after timeoutMs. Resolves { status, stdout, stderr }.
export function cliAsync(args, timeoutMs = 60000) {
  return new Promise((resolve, reject) => {
    const child = spawn(XINLIAN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => { stdout += c; });
    child.stderr.on('data', (c) => { stderr += c; });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      if (signal) reject(new Error(`xinlian ${args.join(' ')}: killed by ${signal}\n${stderr}`));
      else resolve({ status, stdout, stderr });
    });
  });
}

export async function startNode({ crypto = 'ecdsa', devAccounts = 4, blockIntervalMs = 200 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'xl-js-'));
  const out = join(dir, 'net');
  const port = await freePort();
  let p2pPort = await freePort();
  while (p2pPort === port) p2pPort = await freePort();
  const init = cli([
    'init', '--validators', '1', '--out', out, '--dev-accounts', String(devAccounts),
    '--crypto', crypto, '--base-port', String(port), '--p2p-base-port', String(p2pPort),
    '--block-interval-ms', String(blockIntervalMs),
  ]);
  if (init.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`xinlian init failed (${init.status}): ${init.stderr}${init.stdout}`);
  }
  const accounts = JSON.parse(readFileSync(join(out, 'dev-accounts.json'), 'utf8'));
  accounts.forEach((a, i) => {
    a.keyFile = join(dir, `dev${i}.key`);
    writeFileSync(a.keyFile, a.privateKey + '\n', { mode: 0o600 });
  });

  let log = '';
  const child = spawn(XINLIAN, ['node', '--config', join(out, 'node0', 'config.toml')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const append = (chunk) => {
    log += chunk.toString();
    if (log.length > 2 * kLogTailBytes) log = log.slice(-kLogTailBytes);
  };
  child.stdout.on('data', append);
  child.stderr.on('data', append);
  const exited = new Promise((resolve) => child.on('exit', (code, sig) => resolve({ code, sig })));
  let exitInfo = null;
  exited.then((e) => { exitInfo = e; });

  const url = `http://127.0.0.1:${port}`;
  const node = {
    dir, url, wsUrl: `ws://127.0.0.1:${port}`, port, crypto, accounts, child,
    log: () => log.split('\n').slice(-kLogTailLines).join('\n'),
    async stop() {
      if (!exitInfo) {
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), kKillAfterMs);
        await exited;
        clearTimeout(killer);
      }
      rmSync(dir, { recursive: true, force: true });
      return exitInfo;
    },
    // Wraps a test body: on failure, prints the node's log before rethrowing.
    logged(fn) {
      return async (t) => {
        try {
          await fn(t);
        } catch (e) {
          console.error(`---- node log (${t?.name ?? 'test'}) ----\n${node.log()}\n---- end of node log ----`);
          throw e;
        }
      };
    },
  };

  const deadline = Date.now() + kStartTimeoutMs;
  for (;;) {
    if (exitInfo) {
      await node.stop();
      throw new Error(`xinlian node exited (${JSON.stringify(exitInfo)}) before answering:\n${log}`);
    }
    try {
      const r = await rpc(url, 'eth_blockNumber', [], 1000);
      if (typeof r.result === 'string') break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) {
      await node.stop();
      throw new Error(`xinlian node did not answer eth_blockNumber within ${kStartTimeoutMs} ms:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return node;
}

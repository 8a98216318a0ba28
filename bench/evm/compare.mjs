// SPDX-License-Identifier: Apache-2.0
// EVM speed comparison (issue 3, "Speed"): the same bytecode and calldata run by
// `xinlian evm run` and by @ethereumjs/evm (evm.runCall), with output and execution gas
// checked equal, then a table of gas/s and the ratio. Workloads: the vmPerformance state tests
// (contract code and calldata taken from the test files), a minimal ERC-20 transfer, SHA-256
// in Solidity and a quicksort over memory (contracts/bench/*.sol, compiled here with solc-js).
// Usage: node compare.mjs [path/to/xinlian]   (default ../../build/xinlian; env XINLIAN too)
// Each side repeats a call until it has run for at least MIN_SECONDS (env XL_BENCH_MIN_SECONDS).
import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import solc from 'solc'
import { EVM } from '@ethereumjs/evm'
import { Chain, Common, Hardfork } from '@ethereumjs/common'
import { Account, Address, bytesToHex, hexToBytes } from '@ethereumjs/util'
import { keccak256 } from 'ethereum-cryptography/keccak.js'

const here = dirname(fileURLToPath(import.meta.url))
const root = resolve(here, '../..')
const xinlian = resolve(process.argv[2] ?? process.env.XINLIAN ?? join(root, 'build/xinlian'))
const testdata = process.env.XL_TESTDATA ?? '/work/shared/testdata'
const MIN_SECONDS = Number(process.env.XL_BENCH_MIN_SECONDS ?? '0.5')
const CALLER = '0x1000000000000000000000000000000000000001'
const CONTRACT = '0x2000000000000000000000000000000000000002'
const GAS = 1_000_000_000n
const tmp = mkdtempSync(join(tmpdir(), 'xl-bench-evm-'))

function compile(file, name) {
  const input = {
    language: 'Solidity',
    sources: { [file]: { content: readFileSync(join(root, 'contracts/bench', file), 'utf8') } },
    settings: { optimizer: { enabled: true, runs: 200 }, viaIR: true, evmVersion: 'cancun',
                outputSelection: { '*': { '*': ['evm.bytecode.object'] } } },
  }
  const out = JSON.parse(solc.compile(JSON.stringify(input)))
  for (const e of out.errors ?? []) if (e.severity === 'error') throw new Error(e.formattedMessage)
  return '0x' + out.contracts[file][name].evm.bytecode.object
}

const word = (v) => BigInt(v).toString(16).padStart(64, '0')
const selector = (sig) => bytesToHex(keccak256(new TextEncoder().encode(sig))).slice(2, 10)

async function newEvm() {
  const common = new Common({ chain: Chain.Mainnet, hardfork: Hardfork.Cancun })
  const evm = await EVM.create({ common })
  const acc = new Account(0n, 1n << 200n)
  await evm.stateManager.putAccount(Address.fromString(CALLER), acc)
  return evm
}

// ethereumjs: deploy (or place) the code, then call it until MIN_SECONDS have passed; the state
// is checkpointed and reverted around each call so every call starts from the same state.
async function runEthereumjs(code, input, deploy) {
  const evm = await newEvm()
  let to = Address.fromString(CONTRACT)
  const caller = Address.fromString(CALLER)
  if (deploy) {
    const r = await evm.runCall({ caller, data: hexToBytes(code), gasLimit: GAS })
    const err = r.execResult.exceptionError
    if (err) throw new Error('ethereumjs deploy: ' + err.error)
    to = r.createdAddress
  } else {
    await evm.stateManager.putAccount(to, new Account(1n, 0n))
    await evm.stateManager.putContractCode(to, hexToBytes(code))
  }
  const data = hexToBytes(input)
  let n = 0, last, seconds = 0
  const start = process.hrtime.bigint()
  while (seconds < MIN_SECONDS) {
    await evm.stateManager.checkpoint()
    evm.journal.cleanup?.()
    last = await evm.runCall({ caller, origin: caller, to, data, gasLimit: GAS })
    await evm.stateManager.revert()
    n++
    seconds = Number(process.hrtime.bigint() - start) / 1e9
  }
  const r = last.execResult
  return { n, seconds, gas: Number(r.executionGasUsed), output: bytesToHex(r.returnValue),
           error: r.exceptionError?.error }
}

function runXinlian(code, input, deploy, repeat) {
  const file = join(tmp, 'code.hex')
  writeFileSync(file, code)
  const args = ['evm', 'run', '--code-file', file, '--input', input, '--gas', String(GAS),
                '--repeat', String(repeat)]
  if (deploy) args.push('--deploy')
  return JSON.parse(execFileSync(xinlian, args).toString())
}

async function measure(name, code, input, deploy) {
  const theirs = await runEthereumjs(code, input, deploy)
  // Size our run: estimate from one call, then aim for MIN_SECONDS as well.
  const probe = runXinlian(code, input, deploy, 1)
  const perCall = Math.max(probe.seconds, 1e-7)
  const repeat = Math.max(1, Math.min(10_000_000, Math.ceil(MIN_SECONDS / perCall)))
  const ours = runXinlian(code, input, deploy, repeat)
  const same = ours.output === theirs.output && ours.gasUsed === theirs.gas && !theirs.error
  const ourGps = ours.gasUsed * ours.repeat / ours.seconds
  const theirGps = theirs.gas * theirs.n / theirs.seconds
  return { name, gas: ours.gasUsed, theirGas: theirs.gas, same, status: ours.status,
           ourUs: ours.seconds / ours.repeat * 1e6, theirUs: theirs.seconds / theirs.n * 1e6,
           ourGps, theirGps, ratio: ourGps / theirGps }
}

const workloads = []
// loopMul's calldata asks for 10M/2M loop iterations (1e9 gas, ~40 s per call in ethereumjs);
// its last word is the iteration count, which we divide by LOOPMUL_SCALE to keep the run short.
const LOOPMUL_SCALE = 100n
const perf = [['loopMul.json', 0], ['loopMul.json', 1], ['loopMul.json', 2], ['loopExp.json', 0],
              ['loopExp.json', 7], ['performanceTester.json', 0], ['performanceTester.json', 2]]
for (const [file, idx] of perf) {
  const t = Object.values(JSON.parse(readFileSync(
    join(testdata, 'ethereum/GeneralStateTests/VMTests/vmPerformance', file), 'utf8')))[0]
  const to = t.transaction.to.toLowerCase()
  const code = Object.entries(t.pre).find(([a]) => a.toLowerCase() === to)[1].code
  let input = t.transaction.data[idx]
  let name = `vmPerformance/${file.replace('.json', '')} d=${idx}`
  if (file === 'loopMul.json') {
    const count = BigInt('0x' + input.slice(-64)) / LOOPMUL_SCALE
    input = input.slice(0, -64) + word(count)
    name += ` (${count} iterations)`
  }
  workloads.push({ name, code, input, deploy: false })
}
const token = compile('Token.sol', 'Token')
workloads.push({ name: 'ERC-20 transfer', code: token, deploy: true,
                 input: '0x' + selector('transfer(address,uint256)') + word(0x3000) + word(12345) })
const sha = compile('Sha256Loop.sol', 'Sha256Loop')
const shaN = Number(process.env.XL_BENCH_SHA_N ?? '50')
workloads.push({ name: `Sha256Loop run(seed, ${shaN})`, code: sha, deploy: true,
                 input: '0x' + selector('run(bytes32,uint256)') + word(0xabc) + word(shaN) })
const sortN = Number(process.env.XL_BENCH_SORT_N ?? '2000')
const sortCode = compile('Sort.sol', 'Sort')
workloads.push({ name: `Sort run(${sortN})`, code: sortCode, deploy: true,
                 input: '0x' + selector('run(uint256,uint256)') + word(sortN) + word(42) })

const only = process.env.XL_BENCH_ONLY
const rows = []
for (const w of workloads) {
  if (only && !w.name.includes(only)) continue
  const r = await measure(w.name, w.code, w.input, w.deploy)
  rows.push(r)
  console.error(`done: ${w.name}`)
}
const fmt = (x) => x >= 1e6 ? (x / 1e6).toFixed(1) + 'M'
  : x >= 1e3 ? (x / 1e3).toFixed(1) + 'k' : x.toFixed(1)
console.log('| workload | gas | same out+gas | ours µs/call | ethereumjs µs/call | ' +
            'ours gas/s | ' +
            'ethereumjs gas/s | ratio |')
console.log('|---|---:|:---:|---:|---:|---:|---:|---:|')
let ok = true
for (const r of rows) {
  ok &&= r.same
  const gas = `${r.gas}${r.same ? '' : ` (ejs ${r.theirGas})`}`
  console.log(`| ${r.name} | ${gas} | ${r.same ? 'yes' : 'NO'} | ` +
              `${r.ourUs.toFixed(1)} | ${r.theirUs.toFixed(1)} | ` +
              `${fmt(r.ourGps)} | ${fmt(r.theirGps)} | ` +
              `${r.ratio.toFixed(1)}x |`)
}
process.exitCode = ok ? 0 : 1

// SPDX-License-Identifier: Apache-2.0
// Test helper: compiles Solidity with npm solc 0.8.26 (standard JSON input, Cancun, optimizer
// on), imports of `@openzeppelin/...` read from tests/js/node_modules. compile() throws with
// solc's messages on any error; it returns { Name: { abi, bytecode } } for every contract of
// the given sources. Synchronous and stateless (solc's wasm runs on the calling thread).
import { readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import solc from 'solc';

const here = dirname(fileURLToPath(import.meta.url));
export const JS_DIR = join(here, '..');
const NODE_MODULES = join(JS_DIR, 'node_modules');

function findImports(path) {
  const p = normalize(path);
  if (p.startsWith('..')) return { error: `import outside node_modules: ${path}` };
  try {
    return { contents: readFileSync(join(NODE_MODULES, p), 'utf8') };
  } catch {
    try {
      return { contents: readFileSync(join(JS_DIR, 'contracts', p), 'utf8') };
    } catch {
      return { error: `file not found: ${path}` };
    }
  }
}

// sources: { 'Name.sol': 'source text' }
export function compile(sources) {
  const input = {
    language: 'Solidity',
    sources: Object.fromEntries(Object.entries(sources).map(([k, v]) => [k, { content: v }])),
    settings: {
      evmVersion: 'cancun',
      optimizer: { enabled: true, runs: 200 },
      outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
    },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }));
  const errors = (output.errors ?? []).filter((e) => e.severity === 'error');
  if (errors.length) throw new Error(errors.map((e) => e.formattedMessage).join('\n'));
  const out = {};
  for (const file of Object.keys(sources)) {
    for (const [name, c] of Object.entries(output.contracts[file] ?? {})) {
      out[name] = { abi: c.abi, bytecode: '0x' + c.evm.bytecode.object };
    }
  }
  return out;
}

// Compiles tests/js/contracts/<file>.
export function compileFile(file) {
  return compile({ [file]: readFileSync(join(JS_DIR, 'contracts', file), 'utf8') });
}

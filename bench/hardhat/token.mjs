// SPDX-License-Identifier: Apache-2.0
// Prints the init code (0x-hex) of contracts-bench/BenchToken.sol, compiled with npm solc
// 0.8.26 (Cancun, optimizer on, 200 runs, as tests/js) against npm @openzeppelin/contracts.
// Usage: node token.mjs > token.hex   (run `npm install` in this folder first)
import { readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import solc from 'solc';

const here = dirname(fileURLToPath(import.meta.url));

function findImports(path) {
  const p = normalize(path);
  if (p.startsWith('..')) return { error: `import outside node_modules: ${path}` };
  try {
    return { contents: readFileSync(join(here, 'node_modules', p), 'utf8') };
  } catch {
    return { error: `file not found: ${path}` };
  }
}

const file = 'BenchToken.sol';
const input = {
  language: 'Solidity',
  sources: { [file]: { content: readFileSync(join(here, 'contracts-bench', file), 'utf8') } },
  settings: {
    evmVersion: 'cancun',
    optimizer: { enabled: true, runs: 200 },
    outputSelection: { '*': { '*': ['evm.bytecode.object'] } },
  },
};
const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }));
const errors = (output.errors ?? []).filter((e) => e.severity === 'error');
if (errors.length) {
  console.error(errors.map((e) => e.formattedMessage).join('\n'));
  process.exit(1);
}
process.stdout.write('0x' + output.contracts[file].BenchToken.evm.bytecode.object + '\n');

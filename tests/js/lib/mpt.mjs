// SPDX-License-Identifier: Apache-2.0
// Test helper: a Merkle Patricia Trie proof verifier (Ethereum's secure trie, keccak-256),
// independent of the node's C++ trie: it checks an EIP-1186 proof (a list of RLP nodes from
// the root) for key = keccak256(raw key) against a root hash. Returns the leaf's value as hex,
// or null when the proof shows the key is absent; throws when the proof is inconsistent.
// Pure functions, no state.
import { decodeRlp, getBytes, hexlify, keccak256 } from 'ethers';

const kEmptyRoot = keccak256('0x80');

function nibbles(hex) {
  const b = getBytes(hex);
  const out = [];
  for (const x of b) out.push(x >> 4, x & 15);
  return out;
}

// Hex-prefix encoding (Yellow Paper appendix C): returns { leaf, path } of a 2-item node.
function decodeHexPrefix(hex) {
  const n = nibbles(hex);
  if (n.length === 0) throw new Error('empty hex-prefix path');
  const flag = n[0];
  if (flag > 3) throw new Error(`bad hex-prefix flag ${flag}`);
  const odd = (flag & 1) === 1;
  if (!odd && n[1] !== 0) throw new Error('bad hex-prefix padding');
  return { leaf: flag >= 2, path: n.slice(odd ? 1 : 2) };
}

// proof: array of 0x-hex RLP nodes, root first. key: 0x-hex raw key (address or 32-byte slot).
export function verifyProof(rootHash, key, proof) {
  const path = nibbles(keccak256(key));
  let pos = 0;
  let expect = rootHash.toLowerCase(); // a hash (hex string) or an inline node (array)
  let i = 0;
  if (proof.length === 0) {
    if (expect === kEmptyRoot) return null;
    throw new Error('empty proof for a non-empty root');
  }
  for (;;) {
    let node;
    if (typeof expect === 'string') {
      if (i >= proof.length) throw new Error(`proof ends before the path (node ${i})`);
      const raw = proof[i++];
      if (keccak256(raw) !== expect) {
        throw new Error(`proof node ${i - 1} hashes to ${keccak256(raw)}, expected ${expect}`);
      }
      node = decodeRlp(raw);
    } else {
      node = expect; // embedded node (RLP under 32 bytes), already decoded
    }
    if (!Array.isArray(node)) throw new Error('trie node is not a list');
    if (node.length === 17) {
      if (pos === path.length) return node[16] === '0x' ? null : node[16];
      const child = node[path[pos++]];
      if (child === '0x') return null;
      expect = Array.isArray(child) ? child : child.toLowerCase();
      if (typeof expect === 'string' && getBytes(expect).length !== 32) {
        throw new Error('branch child is neither a hash nor an embedded node');
      }
    } else if (node.length === 2) {
      const { leaf, path: seg } = decodeHexPrefix(node[0]);
      const rest = path.slice(pos, pos + seg.length);
      const match = rest.length === seg.length && rest.every((x, k) => x === seg[k]);
      if (leaf) {
        if (!match || pos + seg.length !== path.length) return null;
        return node[1];
      }
      if (!match) return null;
      pos += seg.length;
      expect = Array.isArray(node[1]) ? node[1] : node[1].toLowerCase();
    } else {
      throw new Error(`trie node with ${node.length} items`);
    }
    if (typeof expect === 'string' && expect === '0x') throw new Error('empty child reference');
  }
}

// Minimal big-endian hex of a quantity as the trie stores it (RLP of the integer's bytes).
export function quantityBytes(q) {
  const v = BigInt(q);
  if (v === 0n) return '0x';
  let h = v.toString(16);
  if (h.length % 2) h = '0' + h;
  return hexlify('0x' + h);
}

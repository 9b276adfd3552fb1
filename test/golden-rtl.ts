/**
 * Golden files of emitted RTL: a few small decoders and layers whose whole generated folder is
 * committed under test/golden/rtl/<name>/. `make golden` rewrites them after an intended change;
 * `make golden-check` (and the test suite) fails when they are stale.
 *
 *   node dist/test/golden-rtl.js --check     compare, exit 1 on any difference
 *   node dist/test/golden-rtl.js --update    rewrite the committed files
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateDecoder, type DecoderOptions } from '../generator/rtl/decoder.js';
import type { GeneratedFile } from '../generator/rtl/design.js';
import { generateLayer, type LayerGenOptions } from '../generator/rtl/layer/generate.js';

const GOLDEN_ROOT = fileURLToPath(new URL('../../test/golden/rtl/', import.meta.url));

export type GoldenCase =
  | { readonly name: string; readonly decoder: DecoderOptions }
  | { readonly name: string; readonly layer: LayerGenOptions };

export const GOLDEN_CASES: readonly GoldenCase[] = [
  { name: 'dec_6x8_t3_s1', decoder: { nIn: 6, nOut: 8, nTap: 3, seed: 1 } },
  { name: 'dec_6x8_t3_s1_reg_verilog_async', decoder: { nIn: 6, nOut: 8, nTap: 3, seed: 1, registered: true, hdl: 'verilog', reset: 'async' } },
  { name: 'dec_5x7_dense_s2_reg', decoder: { nIn: 5, nOut: 7, dense: true, seed: 2, registered: true } },
  { name: 'layer_4x3x2x2_oi_p2g5', layer: { shape: [4, 3, 2, 2], nIn: 4, nOut: 5, nTap: 2, seed: 1, lanes: 2, simd: 5, vectors: 2 } },
  { name: 'layer_4x3x2x2_oi_p2g5_block_verilog', layer: { shape: [4, 3, 2, 2], nIn: 4, nOut: 5, nTap: 2, seed: 1, lanes: 2, simd: 5, vectors: 2, romStyle: 'block', actStyle: 'block', hdl: 'verilog' } },
  // The collector's columns of shift registers (rows = lanes = 2) and the phased gearbox window.
  { name: 'layer_4x20_oi_p2g4_columns', layer: { shape: [4, 20], nIn: 4, nOut: 5, nTap: 2, seed: 3, lanes: 2, simd: 4, vectors: 2 } },
  { name: 'layer_6x8_io_q2_stream_verilog', layer: { shape: [6, 8], nIn: 3, nOut: 4, nTap: 2, seed: 2, planes: 2, layout: 'io', lanes: 3, simd: 2, weights: 'stream', bias: true, requantShift: 6, outBits: 8, hdl: 'verilog', reset: 'async', vectors: 2 } },
];

/** The files the generator emits now for a golden configuration. */
export function goldenFiles(c: GoldenCase): readonly GeneratedFile[] {
  return 'decoder' in c ? generateDecoder(c.decoder).files : generateLayer(c.layer).files;
}

/** Differences between what the generator emits now and the committed files, one line each. */
export function goldenDifferences(): string[] {
  const differences: string[] = [];
  for (const c of GOLDEN_CASES) {
    const dir = join(GOLDEN_ROOT, c.name);
    const emitted = new Map(goldenFiles(c).map((f) => [f.path, f.contents]));
    const committed = existsSync(dir) ? listFiles(dir) : [];
    for (const [path, contents] of emitted) {
      const file = join(dir, path);
      if (!existsSync(file)) differences.push(`${c.name}/${path}: missing from test/golden/rtl`);
      else if (!readFileSync(file).equals(Buffer.from(contents))) differences.push(`${c.name}/${path}: differs from what the generator emits`);
    }
    for (const path of committed) if (!emitted.has(path)) differences.push(`${c.name}/${path}: no longer emitted`);
  }
  return differences;
}

export function updateGolden(): void {
  for (const c of GOLDEN_CASES) {
    const dir = join(GOLDEN_ROOT, c.name);
    rmSync(dir, { recursive: true, force: true });
    for (const f of goldenFiles(c)) {
      mkdirSync(dirname(join(dir, f.path)), { recursive: true });
      writeFileSync(join(dir, f.path), f.contents);
    }
  }
}

function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d)) {
      const path = join(d, entry);
      if (statSync(path).isDirectory()) walk(path);
      else out.push(relative(dir, path).split('\\').join('/'));
    }
  };
  walk(dir);
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const mode = process.argv[2];
  if (mode === '--update') {
    updateGolden();
    console.log(`rewrote ${GOLDEN_CASES.length} golden designs under test/golden/rtl/`);
  } else if (mode === '--check') {
    const differences = goldenDifferences();
    for (const d of differences) console.log(d);
    console.log(differences.length === 0 ? 'golden RTL up to date' : "golden RTL stale: run 'make golden' if the change is intended");
    process.exitCode = differences.length === 0 ? 0 : 1;
  } else {
    console.error('usage: node dist/test/golden-rtl.js --check | --update');
    process.exitCode = 2;
  }
}

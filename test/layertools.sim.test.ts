/**
 * Trained layers through the simulators (see layertools.test.ts): flexor sim equals the golden
 * model bit for bit in Icarus and Verilator, and a generated network verifies and is lint-clean.
 */
import { expect } from 'chai';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseNpy, writeNpy } from '../generator/formats/npy.js';
import { LAYER_FIXTURES as LAYERS, layerSidecar as sidecar, runCliOk as ok, tempDir } from './helpers.js';

function npy(path: string) {
  return parseNpy(readFileSync(path), path);
}

/** Seeded activations [V, K] as int16 .npy, full range with both extremes. */
function writeActs(path: string, vectors: number, k: number, bits = 8): number[][] {
  const rows: number[][] = [];
  let state = 12345;
  for (let v = 0; v < vectors; v++) {
    rows.push(
      Array.from({ length: k }, (_, i) => {
        if (v === 0) return 2 ** (bits - 1) - 1;
        if (v === 1) return -(2 ** (bits - 1));
        state = (Math.imul(state, 1103515245) + 12345) >>> 0;
        return (state >>> 8) % 2 ** bits - 2 ** (bits - 1) + (i & 0);
      }),
    );
  }
  writeFileSync(path, writeNpy({ dtype: 'int16', shape: [vectors, k], data: Int16Array.from(rows.flat()) }));
  return rows;
}

const kOf = (shape: number[]) => shape.slice(1).reduce((a, b) => a * b, 1);

describe('trained layers: decode, golden, generate --from, sim', function () {
  for (const name of ['conv_io_q2', 'linear_q2_bias', 'conv_deflated']) {
    it(`${name}: golden agrees with numpy's W, and sim equals golden bit for bit in Icarus and Verilator`, async function () {
      const dir = tempDir('golden');
      const expected = sidecar(name);
      const k = kOf(expected.shape);
      const acts = writeActs(join(dir, 'acts.npy'), 4, k);
      const layer = join(LAYERS, `${name}.npz`);
      ok(['golden', layer, '--inputs', join(dir, 'acts.npy'), '-o', join(dir, 'golden.npy')]);
      ok(['golden', layer, '--inputs', join(dir, 'acts.npy'), '--float', '-o', join(dir, 'golden_float.npy')]);
      const golden = npy(join(dir, 'golden.npy'));
      const real = npy(join(dir, 'golden_float.npy'));
      expect(golden.dtype).to.equal('int64');
      expect(golden.shape).to.deep.equal([4, expected.shape[0]]);
      // float = int * 2^-12; against W @ a the only difference is the scales' rounding to 12
      // fraction bits (half a unit each) and the bias's.
      const bound = expected.q * k * 128 * 2 ** -13 + 2 ** -13;
      acts.forEach((a, v) => {
        expected.weights.forEach((row, c) => {
          const exact = row.reduce((sum, w, kk) => sum + w * a[kk], 0) + (expected.bias ? expected.bias[c] : 0);
          const i = v * expected.shape[0] + c;
          expect(real.data[i] as number).to.equal(Number(golden.data[i] as bigint) * 2 ** -12);
          expect(Math.abs((real.data[i] as number) - exact), `vector ${v} channel ${c}`).to.be.at.most(bound);
        });
      });

      ok(['generate', 'layer', '--from', layer, '--lanes', '2', '--simd', '3', '-o', join(dir, 'rtl')]);
      for (const simulator of ['iverilog', 'verilator']) {
        const r = ok(['sim', join(dir, 'rtl'), '--inputs', join(dir, 'acts.npy'), '--simulator', simulator, '-o', join(dir, `${simulator}.npy`)]);
        expect(r.stdout).to.match(new RegExp(`^${simulator}: \\d+ passed, 0 failed against the golden model -- PASS$`, 'm'));
        expect(readFileSync(join(dir, `${simulator}.npy`)).equals(readFileSync(join(dir, 'golden.npy'))), `${simulator} output equals golden`).to.equal(true);
      }
    });
  }
});

describe('flexor network', function () {
  it('generates a mixed-precision network (Nin 19, 16, 7 and an imported layer) that verifies and reports its storage', async function () {
    const dir = tempDir('network');
    mkdirSync(join(dir, 'layers'));
    copyFileSync(join(LAYERS, 'linear_q2_bias.npz'), join(dir, 'layers', 'fc.npz'));
    writeFileSync(
      join(dir, 'net.yaml'),
      [
        'name: tiny',
        'defaults: {nOut: 20, nTap: 2, seed: 3, vectors: 2}',
        'layers:',
        '  - {name: stage1, shape: [4, 4, 3, 3], nIn: 19, lanes: 2, simd: 9}',
        '  - {name: stage2, shape: [8, 4, 3, 3], nIn: 16, lanes: 4, simd: 12, layout: io}',
        '  - {name: stage3, shape: [8, 8, 1, 1], nIn: 7, lanes: 8, simd: 8, weights: stream, hdl: verilog}',
        '  - {name: fc, from: layers/fc.npz, lanes: 5, simd: 4}',
        '',
      ].join('\n'),
    );
    const r = ok(['network', join(dir, 'net.yaml'), '-o', join(dir, 'out')]);
    expect(r.stdout).to.match(/stage1: 144 weights, 152 encrypted bits, 1\.056 bits\/weight/);
    const storage = JSON.parse(readFileSync(join(dir, 'out', 'storage.json'), 'utf8')) as { layers: { name: string; encryptedBits: number; bitsPerWeight: number; compressionVsFloat: number }[]; total: { weights: number; encryptedBits: number } };
    expect(storage.layers.map((l) => l.name)).to.deep.equal(['stage1', 'stage2', 'stage3', 'fc']);
    // q * ceil(N*K / Nout) * Nin per layer.
    expect(storage.layers.map((l) => l.encryptedBits)).to.deep.equal([Math.ceil(144 / 20) * 19, Math.ceil(288 / 20) * 16, Math.ceil(64 / 20) * 7, 2 * Math.ceil(120 / 16) * 6]);
    expect(storage.total.weights).to.equal(144 + 288 + 64 + 120);
    expect(storage.layers[2].compressionVsFloat).to.be.closeTo((32 * 64) / 28, 1e-9);
    const networkList = readFileSync(join(dir, 'out', 'network.f'), 'utf8');
    expect(networkList).to.include('stage1/rtl/flexor_tiny_stage1.sv').and.include('stage3/rtl/flexor_tiny_stage3.v').and.include('fc/rtl/flexor_tiny_fc.sv');
    const verify = ok(['verify', join(dir, 'out')]);
    expect(verify.stdout.match(/-- PASS$/gm)).to.have.length(8);
    const lint = ok(['lint', join(dir, 'out')]);
    expect(lint.stdout.match(/: clean$/gm)).to.have.length(4);
  });
});

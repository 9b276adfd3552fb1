/**
 * Trained layers in, RTL out: flexor decode, golden, generate layer --from, sim and network, run
 * as a user would, against fixtures written by real numpy (test/fixtures/layers/).
 */
import { expect } from 'chai';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseNpy, writeNpy } from '../generator/formats/npy.js';
import { LAYER_FIXTURES as LAYERS, readTree, runCli, runCliOk as ok, tempDir } from './helpers.js';

interface Sidecar {
  shape: number[];
  layout: 'oi' | 'io';
  q: number;
  alpha: number[][];
  bias: number[] | null;
  codes: number[][];
  weights: number[][];
}

function sidecar(name: string): Sidecar {
  return JSON.parse(readFileSync(join(LAYERS, `${name}.json`), 'utf8')) as Sidecar;
}

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
  for (const name of ['conv_stored', 'conv_deflated', 'conv_io_q2', 'linear_q2_bias', 'minimal']) {
    it(`${name}: flexor decode gives numpy's codes in PyTorch order`, function () {
      const dir = tempDir('decode');
      const expected = sidecar(name);
      ok(['decode', join(LAYERS, `${name}.npz`), '-o', join(dir, 'codes.npy')]);
      const codes = npy(join(dir, 'codes.npy'));
      expect(codes.dtype).to.equal('int8');
      expect(codes.shape).to.deep.equal([expected.q, ...expected.shape]);
      const n = expected.shape[0];
      const k = kOf(expected.shape);
      for (let p = 0; p < expected.q; p++) {
        for (let c = 0; c < n; c++) {
          for (let kk = 0; kk < k; kk++) {
            // The stream position of weight (c, k): oi c*K + k; io (i, j, cin)-major with c fastest.
            let pos = c * k + kk;
            if (expected.layout === 'io') {
              const [, cin, kh, kw] = [...expected.shape, 1, 1].slice(0, 4);
              const j = kk % kw;
              const i = Math.floor(kk / kw) % kh;
              const ci = Math.floor(kk / (kh * kw));
              pos = ((i * kw + j) * cin + ci) * n + c;
            }
            expect(codes.data[p * n * k + c * k + kk], `plane ${p} (${c}, ${kk})`).to.equal(expected.codes[p][pos] ? 1 : -1);
          }
        }
      }
    });
  }

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

  it('round trip: a seeded layer, exported as the layer.npz of its folder, imports to the same hardware', function () {
    const dir = tempDir('roundtrip');
    const settings = ['--lanes', '3', '--simd', '4', '--bias', '--requant-shift', '8', '--out-bits', '10'];
    ok(['generate', 'layer', '--shape', '7,2,3,3', '--nin', '6', '--nout', '9', '--ntap', '3', '--planes', '2', '--seed', '5', ...settings, '-o', join(dir, 'seeded')]);
    ok(['generate', 'layer', '--from', join(dir, 'seeded', 'layer.npz'), '--seed', '5', ...settings, '-o', join(dir, 'imported')]);
    const a = readTree(join(dir, 'seeded'));
    const b = readTree(join(dir, 'imported'));
    const topA = (JSON.parse(a.get('manifest.json')!.toString()) as { top: string }).top;
    const topB = (JSON.parse(b.get('manifest.json')!.toString()) as { top: string }).top;
    expect(topB).to.match(/_m[0-9a-f]{8}$/);
    // Same layer data, memory images, vectors and expected results; the same RTL but for the
    // module names and the header lines that name the command.
    expect(b.get('layer.npz')!.equals(a.get('layer.npz')!)).to.equal(true);
    for (const [path, bytes] of a) {
      const other = b.get(path.split(topA).join(topB));
      expect(other, path).to.not.equal(undefined);
      if (/\.(hex|npz)$/.test(path)) expect(other!.equals(bytes), path).to.equal(true);
      if (/\.(sv|v)$/.test(path)) {
        const normalize = (text: string, top: string) =>
          text.split(top).join('TOP').split('\n').filter((l) => !/^\/\/ (Command|Configuration sha256|Layer):/.test(l)).join('\n');
        expect(normalize(other!.toString(), topB)).to.equal(normalize(bytes.toString(), topA));
      }
    }
  });

  describe('bad input: exit 2, a message naming the array or flag', function () {
    const cases: { name: string; args: (dir: string) => string[]; field: string | RegExp }[] = [
      { name: 'decode of a truncated zip', args: (d) => ['decode', join(LAYERS, 'bad_truncated.npz'), '-o', join(d, 'x.npy')], field: 'bad_truncated.npz' },
      { name: 'decode with NaN alpha', args: (d) => ['decode', join(LAYERS, 'bad_alpha_nan.npz'), '-o', join(d, 'x.npy')], field: 'bad_alpha_nan.npz:alpha' },
      { name: 'golden with packed too short', args: (d) => ['golden', join(LAYERS, 'bad_packed_short.npz'), '--inputs', join(d, 'acts.npy'), '-o', join(d, 'x.npy')], field: 'bad_packed_short.npz:packed' },
      { name: 'golden with activations of the wrong K', args: (d) => ['golden', join(LAYERS, 'conv_stored.npz'), '--inputs', join(d, 'acts.npy'), '-o', join(d, 'x.npy')], field: /acts\.npy.*K = \d+/ },
      { name: 'golden with activations out of range', args: (d) => ['golden', join(LAYERS, 'conv_stored.npz'), '--inputs', join(d, 'big.npy'), '-o', join(d, 'x.npy')], field: /big\.npy\[0\]\[0\].*-128 to 127/ },
      { name: 'generate layer --from with --shape', args: (d) => ['generate', 'layer', '--from', join(LAYERS, 'conv_stored.npz'), '--shape', '4,4', '-o', join(d, 'out')], field: '--shape' },
      { name: 'sim on a decoder folder', args: (d) => ['sim', join(d, 'dec'), '--inputs', join(d, 'acts.npy'), '-o', join(d, 'x.npy')], field: /not a layer/ },
    ];
    for (const c of cases) {
      it(c.name, function () {
        const dir = tempDir('bad-layer');
        writeFileSync(join(dir, 'acts.npy'), writeNpy({ dtype: 'int8', shape: [1, 5], data: new Int8Array(5) }));
        const k = kOf(sidecar('conv_stored').shape);
        writeFileSync(join(dir, 'big.npy'), writeNpy({ dtype: 'int16', shape: [1, k], data: new Int16Array(k).fill(300) }));
        ok(['generate', 'decoder', '--nin', '3', '--nout', '4', '--ntap', '2', '-o', join(dir, 'dec')]);
        const r = runCli(c.args(dir));
        expect(r.status, r.stderr).to.equal(2);
        if (typeof c.field === 'string') expect(r.stderr).to.include(c.field);
        else expect(r.stderr).to.match(c.field);
        expect(r.stderr.trim().split('\n')).to.have.length(1);
      });
    }
  });
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

  it('rejects an unknown key, naming the layer and the key, and writes nothing', function () {
    const dir = tempDir('network-bad');
    writeFileSync(join(dir, 'net.json'), JSON.stringify({ layers: [{ name: 'a', shape: [4, 4], nIn: 3, nOut: 4, nTap: 2 }, { name: 'b', shape: [4, 4], nIn: 3, nOut: 4, nTap: 2, lane: 2 }] }));
    const r = runCli(['network', join(dir, 'net.json'), '-o', join(dir, 'out')]);
    expect(r.status).to.equal(2);
    expect(r.stderr).to.include('layers[1].lane').and.include('lanes');
    expect(readTree(dir).has('out/manifest.json')).to.equal(false);
  });
});

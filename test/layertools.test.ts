/**
 * Trained layers in, RTL out: flexor decode, golden, generate layer --from, sim and network, run
 * as a user would, against fixtures written by real numpy (test/fixtures/layers/). The runs of sim
 * and of a network's verify and lint are in layertools.sim.test.ts.
 */
import { expect } from 'chai';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseNpy, writeNpy } from '../generator/formats/npy.js';
import { LAYER_FIXTURES as LAYERS, layerSidecar as sidecar, readTree, runCli, runCliOk as ok, tempDir } from './helpers.js';

function npy(path: string) {
  return parseNpy(readFileSync(path), path);
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
    // module names and the header (up to its first empty line), which names the command.
    expect(b.get('layer.npz')!.equals(a.get('layer.npz')!)).to.equal(true);
    for (const [path, bytes] of a) {
      const other = b.get(path.split(topA).join(topB));
      expect(other, path).to.not.equal(undefined);
      if (/\.(hex|npz)$/.test(path)) expect(other!.equals(bytes), path).to.equal(true);
      if (/\.(sv|v)$/.test(path)) {
        const normalize = (text: string, top: string) =>
          text.slice(text.indexOf('\n\n')).split(top).join('TOP');
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
  it('rejects an unknown key, naming the layer and the key, and writes nothing', function () {
    const dir = tempDir('network-bad');
    writeFileSync(join(dir, 'net.json'), JSON.stringify({ layers: [{ name: 'a', shape: [4, 4], nIn: 3, nOut: 4, nTap: 2 }, { name: 'b', shape: [4, 4], nIn: 3, nOut: 4, nTap: 2, lane: 2 }] }));
    const r = runCli(['network', join(dir, 'net.json'), '-o', join(dir, 'out')]);
    expect(r.status).to.equal(2);
    expect(r.stderr).to.include('layers[1].lane').and.include('lanes');
    expect(readTree(dir).has('out/manifest.json')).to.equal(false);
  });
});

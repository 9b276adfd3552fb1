/**
 * `flexor synth` and `flexor prove` on the small CNN's accelerator folder (Yosys): the per-block
 * table and the engines' targets, every engine's decoders proven, and the generator's LUT estimate
 * against Yosys' LUTs on xilinx: every engine within ENGINE_BAND, the whole accelerator within
 * TOTAL_BAND (docs/NETWORK.md, "LUT estimate", gives the measured errors). One Yosys synthesis of
 * the whole accelerator, about a minute.
 */
import { expect } from 'chai';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { testRandom } from '../generator/core/prng.js';
import type { AcceleratorBlockRow } from '../generator/evidence/netsynth.js';
import { writeNpy } from '../generator/formats/npy.js';
import { LUT_MODEL } from '../generator/rtl/network/estimate.js';
import { PROJECT_ROOT, runCli, runCliOk, tempDir } from './helpers.js';

/** Largest error of an engine's estimate against Yosys' LUTs (with its submodules), percent. */
const ENGINE_BAND = 20;
/** Largest error of the whole accelerator's estimate, percent. */
const TOTAL_BAND = 10;

/** The rows whose estimate is outside the band: each engine, and the total. */
function outsideBand(rows: readonly AcceleratorBlockRow[], totalLuts: number): string[] {
  const out: string[] = [];
  const error = (estimate: number, measured: number) => ((estimate - measured) / measured) * 100;
  for (const r of rows.filter((x) => x.kind === 'engine')) {
    const e = error(r.lutEstimate, r.luts!);
    if (Math.abs(e) > ENGINE_BAND) out.push(`${r.block}: estimate ${r.lutEstimate}, Yosys ${r.luts} (${e.toFixed(1)}%)`);
  }
  const estimate = rows.reduce((n, r) => n + r.lutEstimate, 0);
  const e = error(estimate, totalLuts);
  if (Math.abs(e) > TOTAL_BAND) out.push(`total: estimate ${estimate}, Yosys ${totalLuts} (${e.toFixed(1)}%)`);
  return out;
}

describe('flexor synth and prove on an accelerator folder (small CNN, Yosys)', function () {
  this.timeout(600_000);
  let dir: string;
  let json: { blocks: AcceleratorBlockRow[]; total: { luts: number }; targets: { name: string; status: string }[]; ok: boolean };
  let stdout: string;
  let engines: { block: string; config: { planes: number; lanes: number; simd: number; actBits: number } }[];

  before(() => {
    const root = tempDir('netsynth');
    const rng = testRandom(3, 0);
    const images = join(root, 'images.npy');
    writeFileSync(images, writeNpy({ dtype: 'float32', shape: [4, 1, 12, 12], data: Float32Array.from({ length: 4 * 144 }, () => rng.nextUint32() / 2 ** 32) }));
    dir = join(root, 'cnn');
    runCliOk(['network', join(PROJECT_ROOT, 'docs/examples/small-cnn.yaml'), '--calibrate', images, '-o', dir]);
    stdout = runCliOk(['synth', dir, '--json', join(root, 'synth.json')]).stdout;
    json = JSON.parse(readFileSync(join(root, 'synth.json'), 'utf8'));
    engines = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')).engines;
  });

  it('prints a row per block and the total, and every engine meets its decoder and memory targets', () => {
    expect(json.ok).to.equal(true);
    expect(json.blocks.map((b) => b.block)).to.deep.equal(['conv1_win', 'conv1', 'conv1_fifo', 'conv1_tail', 'maxpool2', 'conv2_win', 'conv2', 'conv2_fifo', 'conv2_tail', 'fc_flat', 'fc', 'fork', 'argmax']);
    // The blocks are every instance of the top: their LUTs and flip-flops add up to the total.
    expect(json.blocks.reduce((n, b) => n + b.luts!, 0)).to.equal(json.total.luts);
    expect(stdout).to.match(/^per block \(an instance of the top/m).and.match(/^conv2 +engine +\d+ +\d+ /m).and.match(/^total +\d+ /m);
    for (const e of ['conv1', 'conv2', 'fc']) {
      for (const check of ['decoder p0 LUTs', 'decoder p0 LUT levels', 'trained weight bits', 'weight memory bits']) {
        expect(json.targets.find((c) => c.name === `${e}: ${check}`)?.status, `${e}: ${check}`).to.equal('met');
      }
    }
  });

  it(`the LUT estimate is within ${ENGINE_BAND}% of Yosys per engine and ${TOTAL_BAND}% in total`, () => {
    expect(outsideBand(json.blocks, json.total.luts)).to.deep.equal([]);
  });

  it('a wrong coefficient (2 LUTs per MAC per activation bit instead of 1) falls outside the band', () => {
    expect(LUT_MODEL.macPerBit).to.equal(1);
    const wrong = json.blocks.map((r) => {
      const e = engines.find((x) => x.block === r.block);
      if (e === undefined) return r;
      const c = e.config;
      return { ...r, lutEstimate: r.lutEstimate + c.planes * c.lanes * c.simd * c.actBits };
    });
    expect(outsideBand(wrong, json.total.luts)).to.have.length.above(0);
  });

  it('prove: every engine\'s decoder proven, a line each; a moved tap is refuted (exit 1)', () => {
    const proven = runCliOk(['prove', dir]).stdout.trim().split('\n');
    expect(proven).to.deep.equal(['conv1', 'conv2', 'fc'].map((e) => `engine ${e}: flexor_small_cnn_${e}_dec_p0 (plane 0): proven, y = M x for all inputs`));
    const rtl = join(dir, 'rtl', 'flexor_small_cnn_conv2_dec_p0.sv');
    const text = readFileSync(rtl, 'utf8');
    const line = /assign (x\d+_1_0) = enc_i\[(\d+)\] \^ enc_i\[(\d+)\];/.exec(text)!;
    const other = [0, 1, 2].find((i) => String(i) !== line[2] && String(i) !== line[3])!;
    writeFileSync(rtl, text.replace(line[0], `assign ${line[1]} = enc_i[${line[2]}] ^ enc_i[${other}];`));
    const r = runCli(['prove', dir]);
    expect(r.status).to.equal(1);
    expect(r.stdout).to.match(/^engine conv2: flexor_small_cnn_conv2_dec_p0 \(plane 0\): REFUTED: input/m);
    expect(r.stdout).to.match(/^engine fc: .*proven/m);
  });
});

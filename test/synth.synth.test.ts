/**
 * flexor synth: the embedded Yosys on small generated designs. Each Yosys run takes seconds, so a
 * few runs answer many questions: decoders of several tap counts share one design.
 */
import { expect } from 'chai';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateDecoder } from '../generator/rtl/decoder.js';
import type { GeneratedDesign } from '../generator/rtl/design.js';
import { InputError } from '../generator/core/errors.js';
import { writeDesignFiles } from '../generator/rtl/output.js';
import { baseModuleName, synthesizeDesign, synthReportText, type ModuleFigures, type SynthReport } from '../generator/eda/synth.js';
import { freshSynthCache, runCli, tempDir } from './helpers.js';

/** How many different rows the design's matrix has: Yosys shares the logic of equal rows. */
function distinctRows(design: GeneratedDesign): number {
  const file = design.files.find((f) => f.path === 'matrix.json');
  const matrix = JSON.parse(String(file?.contents)) as { planes: number[][][] };
  return new Set(matrix.planes[0].map((row) => row.join(''))).size;
}

function moduleNamed(report: SynthReport, name: string): ModuleFigures {
  const found = report.modules.find((m) => m.module === name || m.module.endsWith(`\\${name}`));
  expect(found, `module ${name} in ${report.modules.map((m) => m.module).join(', ')}`).to.not.equal(undefined);
  return found!;
}

/** A design folder of our own: RTL files, a file list and the manifest fields flexor synth reads. */
function writeDesign(dir: string, top: string, rtl: Record<string, string>): string {
  mkdirSync(join(dir, 'rtl'), { recursive: true });
  for (const [name, text] of Object.entries(rtl)) writeFileSync(join(dir, 'rtl', name), text);
  writeFileSync(join(dir, `${top}.f`), Object.keys(rtl).map((name) => `rtl/${name}\n`).join(''));
  const manifest = { kind: 'test', top, rtlFileList: `${top}.f`, testbench: { top: `tb_${top}`, fileList: `${top}.f`, vectors: 0 }, files: [] };
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
  return dir;
}

const LATCH_RTL = `module latchy(input wire clk, input wire en, input wire [3:0] d, input wire a, input wire b,
              output reg [3:0] q, output reg [3:0] r, output wire y);
  always @* if (en) q = d;
  always @(posedge clk) r <= q;
  assign y = a;
  assign y = b;
endmodule
`;

describe('flexor synth (embedded Yosys)', function () {
  // Every figure below from a real Yosys run, whatever other test files synthesized before.
  freshSynthCache();
  const N_IN = 14;
  const N_OUT = 16;

  it('a registered decoder on xilinx: one LUT per decoded bit, Nout + 1 flip-flops, one LUT level; the text shows it', async function () {
    // A seed whose 16 rows all differ, so no two decoded bits share a LUT.
    let seed = 1;
    while (distinctRows(generateDecoder({ nIn: N_IN, nOut: N_OUT, nTap: 2, seed })) < N_OUT) seed++;
    const design = generateDecoder({ nIn: N_IN, nOut: N_OUT, nTap: 2, seed, registered: true });
    const dir = join(tempDir('synth-reg'), 'dec');
    writeDesignFiles(dir, design.files, false);

    const r = await synthesizeDesign(dir, { target: 'xilinx' });
    expect(r.errors, r.yosysLog.slice(-2000)).to.deep.equal([]);
    expect(r.ok).to.equal(true);
    expect(r.cached).to.equal(false);
    expect(r.top).to.equal(design.top);
    expect(r.modules.map((m) => m.module).at(-1), 'top last').to.equal(design.top);
    const decoder = moduleNamed(r, `flexor_dec_${N_IN}x${N_OUT}_t2_s${seed}`);
    expect(decoder.luts).to.equal(N_OUT);
    expect(decoder.flipFlops).to.equal(0);
    expect(decoder.lutLevels).to.equal(1);
    expect(r.total.flipFlops).to.equal(N_OUT + 1); // the data register and the valid flag
    expect(r.total.memoryBits).to.equal(0);
    expect(r.total.luts).to.be.at.least(N_OUT);
    expect(r.lutLevels).to.equal(1);
    expect(r.total.cellTypes.FDRE ?? 0).to.be.at.least(N_OUT);
    expect(Object.keys(r.total.cellTypes).filter((t) => /^LD/.test(t))).to.deep.equal([]);
    expect(r.seconds).to.be.above(0);

    const text = synthReportText(r);
    expect(text).to.contain(design.top);
    expect(text).to.contain('xilinx');
    expect(text).to.match(new RegExp(`^total \\(all instances\\)\\s+1\\s+${r.total.luts}\\s+${N_OUT + 1}\\s`, 'm'));
    expect(text).to.match(new RegExp(`^flexor_dec_${N_IN}x${N_OUT}_t2_s${seed}.*\\s${N_OUT}\\s+0\\s+0\\s+0\\s+0\\s+0\\s+1\\s+\\d+$`, 'm'));
  });

  it('decoders of 6, 7 and 12 taps on xilinx: one LUT per distinct row up to 6 taps, at most ceil((nTap-1)/5) per row beyond', async function () {
    const rtl: Record<string, string> = {};
    const taps = [6, 7, 12];
    const designs = taps.map((nTap) => generateDecoder({ nIn: N_IN, nOut: N_OUT, nTap, seed: 3 }));
    for (const d of designs) for (const f of d.files) if (f.role === 'rtl') rtl[f.path.replace(/^rtl\//, '')] = String(f.contents);
    const ports = taps.map((t) => `input wire [${N_IN - 1}:0] e${t}, output wire [${N_OUT - 1}:0] d${t}`).join(', ');
    const body = designs.map((d, i) => `  ${d.top} u${taps[i]} (.enc_i(e${taps[i]}), .dec_o(d${taps[i]}));`).join('\n');
    rtl['decoders.v'] = `module decoders(${ports});\n${body}\nendmodule\n`;
    const dir = writeDesign(tempDir('synth-taps'), 'decoders', rtl);

    const r = await synthesizeDesign(dir, { target: 'xilinx' });
    expect(r.errors, r.yosysLog.slice(-2000)).to.deep.equal([]);
    expect(r.cached).to.equal(false);
    taps.forEach((nTap, i) => {
      const m = moduleNamed(r, designs[i].top);
      const rows = distinctRows(designs[i]);
      if (nTap <= 6) {
        expect(m.luts, `nTap ${nTap}`).to.equal(rows);
        expect(m.lutLevels, `nTap ${nTap}`).to.equal(1);
      } else {
        expect(m.luts, `nTap ${nTap}`).to.be.within(rows, N_OUT * Math.ceil((nTap - 1) / 5));
        // 7 or 8 inputs fit two or four LUT6 joined by MUXF7/MUXF8 in one slice: still one level.
        expect(m.lutLevels, `nTap ${nTap}`).to.equal(nTap <= 8 ? 1 : 2);
      }
      expect(m.flipFlops).to.equal(0);
    });
    expect(r.lutLevels).to.equal(2);
    expect(r.total.luts).to.equal(taps.reduce((n, _, i) => n + moduleNamed(r, designs[i].top).luts, 0));
  });

  it('a small layer on generic and xilinx: LUTs, flip-flops, and the memory bits of the weight memory and the scale ROM', async function () {
    const dir = join(tempDir('synth-layer'), 'layer');
    const gen = runCli(['generate', 'layer', '--shape', '8,32', '--nin', '12', '--nout', '16', '--ntap', '2', '--lanes', '2', '--simd', '8', '--bias', '-o', dir]);
    expect(gen.status, gen.stderr).to.equal(0);
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as {
      top: string;
      plan: { memoryBits: number; units: number; stepsPerRow: number; capacity: number; group: number };
      gearbox: { window: 'phases' | 'shift'; ringBits: number; positions: number[] };
      config: { lanes: number; planes: number; alphaBits: number; biasBits: number; simd: number; actBits: number };
      memoryFiles: string[];
    };
    // The scale ROM: one line per emission, each LANES slots of (planes alphas, then the bias).
    const scales = manifest.memoryFiles.find((f) => f.endsWith('_scales.hex'))!;
    const scaleLines = readFileSync(join(dir, scales), 'utf8').split('\n').filter((l) => l.trim() !== '').length;
    const c = manifest.config;
    // oi activations: two banks of T chunks of SIMD * A bits (distributed RAM); T = 1 takes 2.
    const bankDepth = Math.max(2, manifest.plan.stepsPerRow);
    const scaleBits = scaleLines * c.lanes * (c.planes * c.alphaBits + c.biasBits);
    const topBits = manifest.plan.memoryBits + scaleBits;
    const actBits = 2 * bankDepth * c.simd * c.actBits;
    // Each gearbox: a ring of NG groups, NG the power of two at or above capacity / group; a
    // memory where its window shifts, flip-flops where it picks among the read positions.
    const ringBits = 2 ** Math.ceil(Math.log2(Math.ceil(manifest.plan.capacity / manifest.plan.group))) * manifest.plan.group;
    expect(manifest.gearbox.ringBits).to.equal(ringBits);
    expect(manifest.gearbox.window).to.equal('phases');
    expect(manifest.gearbox.positions.length).to.be.within(1, 16);
    const ringMemoryBits = manifest.gearbox.window === 'shift' ? ringBits : 0;

    for (const target of ['generic', 'xilinx'] as const) {
      const r = await synthesizeDesign(dir, { target });
      expect(r.errors, `${target}: ${r.yosysLog.slice(-2000)}`).to.deep.equal([]);
      expect(r.cached, target).to.equal(false);
      expect(r.total.luts, target).to.be.above(0);
      expect(r.total.flipFlops, target).to.be.above(0);
      expect(r.total.memoryBits, target).to.equal(topBits + actBits + manifest.plan.units * c.planes * ringMemoryBits);
      // The scale ROM in the top, the weight memory in the units' ROMs (<top>_rom instances).
      expect(moduleNamed(r, manifest.top).memoryBits, target).to.equal(scaleBits);
      const roms = r.modules.filter((m) => baseModuleName(m.module) === `${manifest.top}_rom`);
      expect(roms.reduce((n, m) => n + m.memoryBits * m.instances, 0), target).to.equal(manifest.plan.memoryBits);
      expect(r.modules.find((m) => m.module.endsWith('_acts'))?.memoryBits, target).to.equal(actBits);
      expect(r.lutLevels, target).to.be.above(1);
      // decoders and gearboxes below the top, each counted once per unit
      const decoders = r.modules.filter((m) => m.module.endsWith('_dec_p0'));
      expect(decoders, target).to.have.length(1);
      expect(decoders[0].instances, target).to.equal(manifest.plan.units);
      expect(r.modules.some((m) => /_gearbox$/.test(baseModuleName(m.module))), target).to.equal(true);
      const sum = r.modules.reduce((n, m) => n + m.luts * m.instances, 0);
      expect(r.total.luts, target).to.equal(sum);
      if (target === 'xilinx') expect(r.total.carryCells).to.be.above(0);
    }
  });

  it('a latch and a wire with two drivers are errors', async function () {
    const dir = writeDesign(tempDir('synth-latch'), 'latchy', { 'latchy.v': LATCH_RTL });
    const r = await synthesizeDesign(dir, { target: 'generic' });
    expect(r.ok).to.equal(false);
    expect(r.errors.some((e) => /latch inferred for latchy\.q/.test(e)), r.errors.join('\n')).to.equal(true);
    expect(r.errors.some((e) => /latch cell/.test(e)), r.errors.join('\n')).to.equal(true);
    expect(r.errors.some((e) => /multiple conflicting drivers/.test(e)), r.errors.join('\n')).to.equal(true);
    expect(synthReportText(r)).to.match(/^error: latch inferred for latchy\.q$/m);
  });

  describe('--yosys system', function () {
    let savedPath: string | undefined;
    beforeEach(() => (savedPath = process.env.PATH));
    afterEach(() => (process.env.PATH = savedPath));

    it('without yosys on PATH: a clear input error', async function () {
      const dir = writeDesign(tempDir('synth-nosys'), 'latchy', { 'latchy.v': LATCH_RTL });
      process.env.PATH = tempDir('synth-empty-path');
      let error: unknown;
      try {
        await synthesizeDesign(dir, { yosys: 'system' });
      } catch (e) {
        error = e;
      }
      expect(error).to.be.instanceOf(InputError);
      expect((error as Error).message).to.match(/^--yosys: .*no 'yosys' on PATH/);
    });

    it('runs a yosys from PATH on the same script (here a shim around the embedded one)', async function () {
      const bin = tempDir('synth-shim');
      const bundle = import.meta.resolve('@yowasp/yosys');
      writeFileSync(
        join(bin, 'yosys'),
        `#!${process.execPath}
(async () => {
  const fs = await import('node:fs');
  const path = await import('node:path');
  const { runYosys } = await import(${JSON.stringify(bundle)});
  if (!process.argv.includes('-s')) return void (await runYosys(process.argv.slice(2))); // yosys -V: no files to pass
  const read = (d) => Object.fromEntries(fs.readdirSync(d).map((n) => { const p = path.join(d, n); return [n, fs.statSync(p).isDirectory() ? read(p) : fs.readFileSync(p)]; }));
  const write = (d, t) => { for (const [n, v] of Object.entries(t)) { const p = path.join(d, n); if (typeof v === 'string' || v instanceof Uint8Array) fs.writeFileSync(p, v); else { fs.mkdirSync(p, { recursive: true }); write(p, v); } } };
  try { write('.', await runYosys(process.argv.slice(2), read('.'))); } catch (e) { if (e.files) write('.', e.files); process.exit(e.code ?? 1); }
})();
`,
      );
      chmodSync(join(bin, 'yosys'), 0o755);
      const dir = writeDesign(tempDir('synth-sys'), 'latchy', { 'latchy.v': LATCH_RTL });
      process.env.PATH = `${bin}:${savedPath}`;
      const r = await synthesizeDesign(dir, { target: 'generic', yosys: 'system' });
      expect(r.yosys).to.equal('system');
      expect(r.errors.some((e) => /latch inferred for latchy\.q/.test(e)), r.errors.join('\n') + r.yosysLog.slice(-1000)).to.equal(true);
      expect(r.total.flipFlops).to.equal(4);
    });
  });
});

/**
 * Hardware cost targets (generator/targets.ts, docs/SYNTH.md "Targets"): the arithmetic of each
 * target, checks against hand-made synthesis results that meet and miss them, the facts read from
 * design folders, and the targets in flexor compare's text and the HTML report. The targets in
 * flexor synth's text and JSON and in a decoder's report, which run Yosys, are in
 * targets.synth.test.ts.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { comparisonText, type Comparison } from '../generator/evidence/compare.js';
import { generateDecoder } from '../generator/rtl/decoder.js';
import { drawMatrix } from '../generator/core/matrix.js';
import { writeDesignFiles } from '../generator/rtl/output.js';
import { htmlReport } from '../generator/evidence/report.js';
import { baseModuleName, inclusiveFigures, type ModuleFigures, type SynthReport, type SynthTarget } from '../generator/eda/synth.js';
import { decoderLevelBound, decoderLutBound, finnMacLuts, readTargetFacts, rowLutBound, targetChecks, targetsText, weightMemoryTarget, type TargetCheck, type TargetFacts } from '../generator/evidence/targets.js';
import { tempDir } from './helpers.js';
import { TOP, writeLayerFolder } from './targets-folder.js';

// ---------------------------------------------------------------------------------------- hand-made inputs

function mod(module: string, luts: number, over: Partial<ModuleFigures> = {}): ModuleFigures {
  return { module, cells: luts, luts, flipFlops: 0, carryCells: 0, memoryBits: 0, lutLevels: 1, dsps: 0, blockRams: 0, instances: 1, cellTypes: { LUT6: luts }, submodules: {}, ...over };
}

function synthOf(top: string, modules: ModuleFigures[], target: SynthTarget = 'xilinx'): SynthReport {
  return {
    target, top, total: mod(top, modules.reduce((n, m) => n + m.luts * m.instances, 0)), modules, lutLevels: 3, warnings: [], errors: [],
    memoryMapping: [], memories: [], ok: true, yosys: 'embedded', yosysVersion: '0.55', script: '', yosysLog: '', seconds: 1, cached: false,
  };
}

const ADD = `$paramod\\${TOP}_mac_add\\W=s32'00000000000000000000000000001101`;

/** A layer: N = 16, K = 144, Nout = 20, Nin = 16, q = 1, 4 lanes x 16 simd = 64 MACs, nTap 2. */
function layerFacts(over: Partial<TargetFacts> = {}, actBits = 8): TargetFacts {
  return {
    kind: 'layer',
    top: TOP,
    baseline: false,
    decoders: [{ module: `${TOP}_dec_p0`, plane: 0, rowTaps: new Array(20).fill(2) }],
    layer: { n: 16, k: 144, nIn: 16, nOut: 20, planes: 1, lanes: 4, simd: 16, actBits, weights: 'rom' },
    // 1 x ceil(2304/20) x 16 = 1856 trained bits, 3 duplicate slices: 48 bits more.
    storage: { memoryBits: 1904, trainedBits: 1856, duplicateSlicesPerPlane: 3 },
    ...over,
  };
}

/**
 * The layer's synthesis: decoder (4 instances), the MAC array of 1 + 32 pairs + 4 adders, the top
 * (200 LUTs and 16 RAM32M, 64 LUT sites): 64 + 629 + 200 = 893 LUTs as logic for 64 MACs, 957 all in.
 */
function layerSynth(o: { decLuts?: number; decLevels?: number; macLuts?: number; pairLuts?: number; topLuts?: number; ramCells?: number; target?: SynthTarget; withMac?: boolean } = {}): SynthReport {
  const modules = [mod(`${TOP}_dec_p0`, o.decLuts ?? 16, { instances: 4, lutLevels: o.decLevels ?? 1 })];
  const mac = o.withMac ?? true;
  if (mac) {
    modules.push(
      mod(`${TOP}_mac_pair`, o.pairLuts ?? 12, { instances: 32 }),
      mod(ADD, 13, { instances: 4 }),
      mod(`$paramod$8563d476\\${TOP}_mac`, o.macLuts ?? 193, { submodules: { [`${TOP}_mac_pair`]: 32, [ADD]: 4 } }),
    );
  }
  // RAM32M: 4 LUT sites each (16 cells: 64 LUT sites used as RAM).
  modules.push(mod(TOP, o.topLuts ?? 200, { cellTypes: { LUT6: o.topLuts ?? 200, RAM32M: o.ramCells ?? 16 }, submodules: { [`${TOP}_dec_p0`]: 4, ...(mac ? { [`$paramod$8563d476\\${TOP}_mac`]: 1 } : {}) } }));
  return synthOf(TOP, modules, o.target ?? 'xilinx');
}

function named(checks: readonly TargetCheck[], name: string): TargetCheck {
  const c = checks.find((x) => x.name === name);
  expect(c, `check ${name} in ${checks.map((x) => x.name).join(', ')}`).to.not.equal(undefined);
  return c!;
}

// ---------------------------------------------------------------------------------------- arithmetic

describe('targets: the arithmetic', function () {
  it('decoder LUTs: one per row up to 6 taps, ceil((t - 1)/5) beyond, none for 0 or 1 tap', function () {
    expect([0, 1, 2, 6, 7, 11, 12, 16, 17].map(rowLutBound)).to.deep.equal([0, 0, 1, 1, 2, 2, 3, 3, 4]);
    const rows = (nTap: number) => new Array(20).fill(nTap);
    // Uniform nTap: Nout x ceil((nTap - 1)/5).
    expect(decoderLutBound(rows(2))).to.equal(20);
    expect(decoderLutBound(rows(6))).to.equal(20);
    expect(decoderLutBound(rows(7))).to.equal(40);
    expect(decoderLutBound(rows(11))).to.equal(40);
    // A dense, irregular matrix: every row counts by its own taps.
    expect(decoderLutBound([0, 1, 2, 6, 7, 11, 12, 36, 37])).to.equal(0 + 0 + 1 + 1 + 2 + 2 + 3 + 7 + 8);
  });

  it('decoder LUT levels: the least L with 6^L >= the widest row', function () {
    expect(decoderLevelBound(new Array(20).fill(2))).to.equal(1);
    expect(decoderLevelBound(new Array(20).fill(6))).to.equal(1);
    expect(decoderLevelBound(new Array(20).fill(7))).to.equal(2);
    expect(decoderLevelBound(new Array(20).fill(11))).to.equal(2);
    expect(decoderLevelBound([0, 1, 2, 6, 7, 11, 12, 36, 2])).to.equal(2); // 36 = 6^2
    expect(decoderLevelBound([0, 1, 2, 6, 7, 11, 12, 37, 2])).to.equal(3);
    expect(decoderLevelBound([1, 1, 0])).to.equal(0); // wires only
  });

  it("FINN's binary-weight MAC: 27 LUTs for 8-bit activations, 5 for 4, 21 for 6, 85 for 16", function () {
    expect(finnMacLuts(8)).to.equal(27);
    expect(finnMacLuts(4)).to.equal(5); // (2 ceil(5/6) - 1) x 5
    expect(finnMacLuts(6)).to.equal(21); // W + A = 7 needs two LUT6 stages: 3 x 7
    expect(finnMacLuts(16)).to.equal(85);
    expect(finnMacLuts(8, 2)).to.equal(30);
  });

  it('weight memory: q x ceil(N*K/Nout) x Nin trained bits, q x duplicates x Nin more in memory', function () {
    // q = 2, N = 4, K = 24: 96 weights per plane, 12 slices of Nout = 8, each kept as Nin = 6 bits.
    expect(weightMemoryTarget({ planes: 2, n: 4, k: 24, nIn: 6, nOut: 8 }, 1)).to.deep.equal({ slices: 12, trainedBits: 144, duplicateBits: 12, memoryBits: 156 });
    // 30 weights in slices of 8: the last slice is partial and still stored whole.
    expect(weightMemoryTarget({ planes: 1, n: 3, k: 10, nIn: 5, nOut: 8 }, 0)).to.deep.equal({ slices: 4, trainedBits: 20, duplicateBits: 0, memoryBits: 20 });
  });
});

// ---------------------------------------------------------------------------------------- checks

describe('targets: checks against synthesis results', function () {
  it('inclusiveFigures: one instance with every submodule instance below it, nested', function () {
    const r = synthOf('top', [
      mod('leaf', 5, { instances: 6, flipFlops: 1, memoryBits: 2 }),
      mod('mid', 10, { instances: 2, submodules: { leaf: 3 } }),
      mod('top', 100, { submodules: { mid: 2 } }),
    ]);
    const mid = inclusiveFigures(r, 'mid')!;
    expect([mid.luts, mid.flipFlops, mid.memoryBits, mid.instances]).to.deep.equal([10 + 3 * 5, 3, 6, 2]);
    expect(mid.cellTypes).to.deep.equal({ LUT6: 25 });
    expect(inclusiveFigures(r, 'top')!.luts).to.equal(100 + 2 * (10 + 3 * 5));
    expect(inclusiveFigures(r, 'leaf')!.luts).to.equal(5);
    expect(inclusiveFigures(r, 'none')).to.equal(undefined);
    expect(baseModuleName(ADD)).to.equal('t_mac_add');
    expect(baseModuleName('$paramod$8563d476\\t_mac')).to.equal('t_mac');
    expect(baseModuleName('t_mac')).to.equal('t_mac');
  });

  it('a layer that meets every target', function () {
    const checks = targetChecks(layerFacts(), layerSynth());
    expect(checks.map((c) => c.name)).to.deep.equal(['decoder p0 LUTs', 'decoder p0 LUT levels', 'MAC array LUTs per MAC', 'LUTs per MAC, whole layer', 'trained weight bits', 'weight memory bits']);
    expect(checks.map((c) => c.status)).to.deep.equal(['met', 'met', 'met', 'met', 'met', 'met']);
    expect(checks.every((c) => c.met === true && c.missedBy === 0)).to.equal(true);
    expect(named(checks, 'decoder p0 LUTs')).to.include({ measured: 16, target: 20 });
    expect(named(checks, 'decoder p0 LUT levels')).to.include({ measured: 1, target: 1 });
    // 193 + 32 x 12 + 4 x 13 = 629 LUTs for 64 MACs.
    const mac = named(checks, 'MAC array LUTs per MAC');
    expect(mac).to.include({ measured: 629 / 64, target: 13 });
    expect(mac.reference).to.deep.equal({ name: 'FINN', value: 27 });
    expect(mac.detail).to.contain('629 LUTs').and.contain('64 MACs');
    expect(named(checks, 'trained weight bits')).to.include({ measured: 1856, target: 1856 });
    expect(named(checks, 'weight memory bits')).to.include({ measured: 1904, target: 1904 });
    const whole = named(checks, 'LUTs per MAC, whole layer');
    // 893 LUTs as logic and 64 LUT sites as RAM: 957 LUTs, 14.95 per MAC.
    expect(whole).to.include({ measured: 957 / 64, target: 15, bound: 'at most' });
    expect(whole.detail).to.equal('957 LUTs in t with everything below it (893 as logic, 64 as RAM; the MAC array 629, the rest 328) / 64 MACs');
    expect(targetsText([whole])).to.match(/^ {2}LUTs per MAC, whole layer +14\.95 LUTs per MAC +at most 15 +met$/m);
    // Exactly 15 per MAC is met: 960 LUTs for 64 MACs.
    expect(named(targetChecks(layerFacts(), layerSynth({ topLuts: 960 - 64 - 629 - 64 })), 'LUTs per MAC, whole layer')).to.include({ measured: 15, met: true });
    // The LUT sites used as RAM count: one RAM32M more (4 LUT sites) misses by 4 LUTs.
    expect(named(targetChecks(layerFacts(), layerSynth({ topLuts: 960 - 64 - 629 - 64, ramCells: 17 })), 'LUTs per MAC, whole layer')).to.include({ measured: 964 / 64, met: false, missedBy: 4 / 64 });
    // Exactly 13 per MAC is met: 832 LUTs for 64 MACs.
    expect(named(targetChecks(layerFacts(), layerSynth({ macLuts: 832 - 384 - 52 })), 'MAC array LUTs per MAC')).to.include({ measured: 13, met: true });
  });

  it('a layer that misses every target, by exact amounts', function () {
    const facts = layerFacts({ storage: { memoryBits: 1920, trainedBits: 1860, duplicateSlicesPerPlane: 3 } });
    // 896 LUTs for 64 MACs: 14 per MAC.
    // The top of the layer before its collector was read in place: 1652 LUTs in all, 25.81 per MAC.
    const checks = targetChecks(facts, layerSynth({ decLuts: 23, decLevels: 2, macLuts: 896 - 384 - 52, topLuts: 1652 - 4 * 23 - 896, ramCells: 0 }));
    expect(checks.map((c) => c.status)).to.deep.equal(['missed', 'missed', 'missed', 'missed', 'missed', 'missed']);
    expect(checks.map((c) => c.met)).to.deep.equal([false, false, false, false, false, false]);
    expect(checks.map((c) => c.missedBy)).to.deep.equal([3, 1, 1, (1652 - 960) / 64, 4, 16]);
    const text = targetsText(checks);
    expect(text).to.match(/^ {2}decoder p0 LUTs +23 LUTs +at most 20 +MISSED by 3 LUTs \(15\.0%\)$/m);
    expect(text).to.match(/^ {2}decoder p0 LUT levels +2 LUT levels +at most 1 +MISSED by 1 LUT level \(100\.0%\)$/m);
    expect(text).to.match(/^ {2}MAC array LUTs per MAC +14 LUTs per MAC +at most 13 \(FINN: 27\) +MISSED by 1 LUT per MAC \(7\.7%\)$/m);
    expect(text).to.match(/^ {2}LUTs per MAC, whole layer +25\.81 LUTs per MAC +at most 15 +MISSED by 10\.81 LUTs per MAC \(72\.1%\)$/m);
    // One LUT over 15 per MAC is a miss.
    expect(named(targetChecks(layerFacts(), layerSynth({ topLuts: 961 - 64 - 629, ramCells: 0 })), 'LUTs per MAC, whole layer')).to.include({ met: false, missedBy: 1 / 64 });
    expect(text).to.match(/^ {2}trained weight bits +1860 bits +exactly 1856 +MISSED by 4 bits \(0\.2%\)$/m);
    expect(text).to.match(/^ {2}weight memory bits +1920 bits +exactly 1904 +MISSED by 16 bits \(0\.8%\)$/m);
    // A fraction of a LUT per MAC: 864 LUTs for 64 MACs.
    const half = named(targetChecks(facts, layerSynth({ macLuts: 864 - 384 - 52 })), 'MAC array LUTs per MAC');
    expect(half).to.include({ measured: 13.5, met: false, missedBy: 0.5 });
    expect(targetsText([half])).to.contain('13.50 LUTs per MAC').and.contain('MISSED by 0.50 LUTs per MAC (3.8%)');
    // Memory below an exact target is a miss too.
    const below = named(targetChecks(layerFacts({ storage: { memoryBits: 1900, trainedBits: 1856, duplicateSlicesPerPlane: 3 } }), layerSynth()), 'weight memory bits');
    expect(below).to.include({ met: false, missedBy: -4 });
    expect(targetsText([below])).to.contain('MISSED: 4 bits below (0.2%)');
  });

  it('every variant of a decoder is checked: the worst one counts', function () {
    const r = layerSynth();
    r.modules.unshift(mod(`$paramod$abc\\${TOP}_dec_p0`, 21, { lutLevels: 1 }));
    expect(named(targetChecks(layerFacts(), r), 'decoder p0 LUTs')).to.include({ measured: 21, met: false, missedBy: 1 });
  });

  it('targets on LUTs are for xilinx only: one line on other targets, the memory checks still made', function () {
    for (const target of ['generic', 'ice40', 'ecp5'] as const) {
      const checks = targetChecks(layerFacts(), layerSynth({ target }));
      expect(checks.map((c) => c.status), target).to.deep.equal(['not checked', 'met', 'met']);
      expect(checks[0].detail).to.equal(`defined for --target xilinx (6-input LUTs); this synthesis is for ${target}`);
      const lines = targetsText(checks).split('\n').filter((l) => /xilinx/.test(l));
      expect(lines).to.deep.equal([`  decoder LUTs and LUT levels, MAC array LUTs per MAC, LUTs per MAC, whole layer: not checked, defined for --target xilinx (6-input LUTs); this synthesis is for ${target}`]);
    }
  });

  it('a layer without a <top>_mac module, a failed synthesis, other activation widths: said, not crashed', function () {
    const noMac = named(targetChecks(layerFacts(), layerSynth({ withMac: false })), 'MAC array LUTs per MAC');
    expect(noMac).to.include({ status: 'not measurable', met: null, measured: null, target: 13 });
    expect(noMac.detail).to.contain('the design has no t_mac module');
    expect(targetsText([noMac])).to.match(/MAC array LUTs per MAC +- +at most 13 \(FINN: 27\) +not measurable/);

    const failed = { ...layerSynth(), modules: [], ok: false, errors: ['yosys failed'] };
    const checks = targetChecks(layerFacts(), failed);
    expect(checks.map((c) => c.status)).to.deep.equal(['not measurable', 'not measurable', 'not measurable', 'not measurable', 'met', 'met']);
    expect(named(checks, 'LUTs per MAC, whole layer')).to.include({ target: 15, measured: null });
    expect(named(checks, 'LUTs per MAC, whole layer').detail).to.equal('not measurable: synthesis failed');
    expect(checks[0].detail).to.match(/^not measurable: synthesis failed; target 20 rows of 2 tap\(s\)/);

    // 4-bit activations: measured and printed beside FINN's figure, no 13-LUT target.
    const four = named(targetChecks(layerFacts({}, 4), layerSynth()), 'MAC array LUTs per MAC');
    expect(four).to.include({ status: 'no target', met: null, target: null, measured: 629 / 64 });
    expect(four.reference).to.deep.equal({ name: 'FINN', value: 5 });
    expect(four.detail).to.contain('the 13-LUT target is defined for 8-bit activations, this layer has 4');
    expect(targetsText([four])).to.match(/MAC array LUTs per MAC +9\.83 LUTs per MAC +none \(FINN: 5\) +no target/);
    const fourWhole = named(targetChecks(layerFacts({}, 4), layerSynth()), 'LUTs per MAC, whole layer');
    expect(fourWhole).to.include({ status: 'no target', target: null, measured: 957 / 64 });
    expect(fourWhole.detail).to.contain('the 15-LUT target is defined for 8-bit activations, this layer has 4');
  });

  it('a baseline gets the MAC and memory targets, a decoder design the decoder targets only', function () {
    const base = targetChecks(layerFacts({ baseline: true, decoders: [], top: TOP }), layerSynth());
    expect(base.map((c) => c.name)).to.deep.equal(['MAC array LUTs per MAC', 'LUTs per MAC, whole layer', 'trained weight bits', 'weight memory bits']);
    const dec: TargetFacts = { kind: 'decoder', top: 'd', baseline: false, decoders: [{ module: 'd', plane: 0, rowTaps: [7, 7, 12, 2] }] };
    const checks = targetChecks(dec, synthOf('d', [mod('d', 7, { lutLevels: 2 })]));
    expect(checks.map((c) => [c.name, c.measured, c.target, c.status])).to.deep.equal([
      ['decoder LUTs', 7, 2 + 2 + 3 + 1, 'met'],
      ['decoder LUT levels', 2, 2, 'met'],
    ]);
    expect(targetsText(targetChecks({ kind: 'test', top: 'x', baseline: false, decoders: [] }, synthOf('x', [mod('x', 1)])))).to.equal('targets: none apply to this design\n');
  });

  it('compare prints the FleXOR design targets; the HTML report shows them, met and missed marked', function () {
    const checks = targetChecks(layerFacts({ storage: { memoryBits: 1920, trainedBits: 1856, duplicateSlicesPerPlane: 3 } }), layerSynth());
    const side = { dir: 'a', memoryBits: 1920, trainedBits: 1856, synth: layerSynth(), decoderLuts: 64, targets: checks };
    const c: Comparison = { flexor: side, baseline: { ...side, dir: 'b', decoderLuts: 0, targets: [] } };
    const text = comparisonText(c);
    expect(text).to.contain('FleXOR design t, targets (docs/SYNTH.md, Targets):');
    expect(text).to.match(/^ {2}weight memory bits +1920 bits +exactly 1904 +MISSED by 16 bits \(0\.8%\)$/m);

    const html = htmlReport({ title: 'layer', synth: side.synth, targets: checks });
    expect(html).to.contain('<h2>Hardware cost targets</h2>');
    expect(html).to.contain('<td class="missed">MISSED by 16 bits (0.8%)</td>');
    expect(html.match(/<td class="met">met<\/td>/g)).to.have.length(5);
    expect(html).to.contain('<td>at most 13 (FINN: 27)</td>');
    expect(html).to.match(/td\.missed \{[^}]*#b00020/);
    expect(htmlReport({ title: 'x', targets: [] })).to.contain('No target applies to this design.');
    expect(htmlReport({ title: 'x' })).to.not.contain('Hardware cost targets');
  });
});

// ---------------------------------------------------------------------------------------- folders

describe('targets: design folders', function () {
  it('readTargetFacts: each decoder module and its row taps, the layer config and storage; baselines and edited matrices', function () {
    const parent = tempDir('targets-facts');
    const facts = readTargetFacts(writeLayerFolder(join(parent, 'layer')));
    const matrix = drawMatrix({ nIn: 16, nOut: 20, nTap: 2, seed: 1 });
    expect(facts).to.deep.include({ kind: 'layer', top: TOP, baseline: false });
    expect(facts.decoders).to.deep.equal([{ module: `${TOP}_dec_p0`, plane: 0, rowTaps: new Array(matrix.nOut).fill(2) }]);
    expect(facts.layer).to.deep.equal({ n: 4, k: 24, nIn: 16, nOut: 20, planes: 1, lanes: 1, simd: 4, actBits: 8, weights: 'rom' });
    expect(facts.storage).to.deep.equal({ memoryBits: 100, trainedBits: 80, duplicateSlicesPerPlane: 1 });

    const base = readTargetFacts(writeLayerFolder(join(parent, 'base'), { baseline: true }));
    expect(base).to.deep.include({ baseline: true, decoders: [] });

    const edited = readTargetFacts(writeLayerFolder(join(parent, 'edited'), { editMatrix: true }));
    expect(edited.decoders).to.deep.equal([]);
    expect(edited.decoderError).to.match(/matrix\.json: was edited since generation/);
    expect(targetChecks(edited, layerSynth())[0]).to.include({ name: 'decoder LUTs', status: 'not measurable' });

    // A dense decoder design: the rows of its own matrix.
    const dense = generateDecoder({ nIn: 9, nOut: 12, dense: true, seed: 5, registered: true });
    const denseDir = join(parent, 'dense');
    writeDesignFiles(denseDir, dense.files, false);
    const denseFacts = readTargetFacts(denseDir);
    const taps = (JSON.parse(readFileSync(join(denseDir, 'matrix.json'), 'utf8')) as { planes: number[][][] }).planes[0].map((row) => row.reduce((a, b) => a + b, 0));
    expect(denseFacts.decoders).to.deep.equal([{ module: dense.top.replace(/_reg$/, ''), plane: 0, rowTaps: taps }]);
    expect(new Set(taps).size, 'an irregular matrix').to.be.above(1);
  });
});

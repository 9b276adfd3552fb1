/**
 * Post-route figures beside the synthesis (--pnr on synth, compare, sweep, report) without the
 * tools: the figures of a place-and-route report given as an object (nextpnr's JSON report from
 * the fixture of pnr.test.ts), their text and JSON, a design that does not fit, and the flags
 * (exit 2 naming the flag, before any tool runs). The run itself is in pnr.pnr.test.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { logUtilization, mainClock, parseNextpnrReport, pnrReportText, type PnrReport } from '../generator/eda/pnr.js';
import type { ModuleFigures, SynthReport } from '../generator/eda/synth.js';
import { comparisonJson, comparisonText, type Comparison } from '../generator/evidence/compare.js';
import { checkPnrSettings, fmaxRatio, fmaxText, pnrComparisonText, pnrFigures, pnrFiguresText, type PnrFigures } from '../generator/evidence/pnrfigures.js';
import { sweepCsv, sweepKey, type SweepResult } from '../generator/evidence/sweep.js';
import { synthesisJson } from '../generator/evidence/targets.js';
import { PROJECT_ROOT, runCli } from './helpers.js';

const FIXTURES = join(PROJECT_ROOT, 'test/fixtures/pnr');
const figuresOfFixture = parseNextpnrReport(readFileSync(join(FIXTURES, 'nextpnr-report.json'), 'utf8'));

function moduleFigures(module: string, luts: number, flipFlops: number, dsps = 0): ModuleFigures {
  return { module, cells: luts + flipFlops, luts, flipFlops, carryCells: 0, memoryBits: 0, lutLevels: 1, dsps, blockRams: 0, instances: 1, cellTypes: {} };
}

function synthOf(top: string, luts: number, dsps = 0): SynthReport {
  return {
    target: 'ice40', top, total: moduleFigures(top, luts, 40, dsps), modules: [moduleFigures(top, luts, 40, dsps)], lutLevels: 3, warnings: [], errors: [],
    memoryMapping: [], memories: [], ok: true, yosys: 'embedded', yosysVersion: '0.55', script: '', yosysLog: '', seconds: 1, cached: false,
  };
}

/** A routed report: the fixture's utilization and post-route clock (58.60 MHz against 100). */
function routed(over: Partial<PnrReport> = {}): PnrReport {
  const clock = mainClock(figuresOfFixture)!;
  return {
    device: 'hx8k', package: 'ct256', top: 'dut', clockMhz: 100, seed: 1, router: 'router1', fmaxMhz: figuresOfFixture.fmax[clock].achievedMhz, met: false,
    wrapper: { module: 'dut_ooc', inputBits: 64, outputBits: 32, pins: { clk: 'J3', sin: 'B10', shift: 'B7', sout: 'B12' }, luts: 32, flipFlops: 96 },
    utilization: figuresOfFixture.utilization, overused: [], dsp: false, figures: figuresOfFixture, synth: synthOf('dut_ooc', 1300),
    nextpnrVersion: '0.8.621', nextpnrLog: '', pcf: '', wrapperText: '', errors: [], ok: true, seconds: 12.5, cached: false, ...over,
  };
}

const TOO_LARGE_LOG = [
  'Info: Device utilisation:',
  'Info: \t         ICESTORM_LC:   10173/   7680   132%',
  'Info: \t        ICESTORM_RAM:       0/     32     0%',
  'Info: \t               SB_IO:       4/    256     1%',
  '',
].join('\n');

/** What placeAndRoute returns when nextpnr stops because the design does not fit. */
function tooLarge(): PnrReport {
  return routed({
    fmaxMhz: undefined, met: undefined, utilization: logUtilization(TOO_LARGE_LOG), overused: ['ICESTORM_LC 10173 of 7680 (132%)'],
    figures: { utilization: {}, fmax: {} }, errors: ["nextpnr-ice40 failed (exit status -1): the design does not fit: ICESTORM_LC 10173 of 7680 (132%) (nextpnr's log)"], ok: false,
  });
}

describe('post-route figures (--pnr): from a place-and-route report', () => {
  it('takes the post-route Fmax, the LCs, block RAMs and the wrapper from the report', () => {
    const f = pnrFigures(routed());
    expect(f.fits).to.equal(true);
    expect(f.ok).to.equal(true);
    expect(f.fmaxMhz).to.equal(figuresOfFixture.fmax[mainClock(figuresOfFixture)!].achievedMhz);
    expect(f.fmaxMhz!.toFixed(2)).to.equal('58.60');
    expect(f.met).to.equal(false);
    expect(f.lcs).to.deep.equal({ used: 1423, available: 7680 });
    expect(f.ebrs).to.deep.equal({ used: 0, available: 32 });
    expect(f.dsps).to.equal(null);
    expect(f.wrapperLcs).to.equal(96);
    expect(f.designLcs).to.equal(1423 - 96);
    expect(f.errors).to.deep.equal([]);
  });

  it('a design that does not fit is a figure with the LCs it needs, not a failure', () => {
    const f = pnrFigures(tooLarge());
    expect(f).to.include({ fits: false, fmaxMhz: null, met: null, ok: true });
    expect(f.lcs).to.deep.equal({ used: 10173, available: 7680 });
    expect(f.errors).to.deep.equal([]);
    expect(fmaxText(f)).to.equal('does not fit: 10173 of 7680 LCs');
    const text = pnrFiguresText(f);
    expect(text).to.include('post-route Fmax: does not fit: 10173 of 7680 LCs');
    expect(text).to.not.include('MHz (');
    expect(text).to.not.include('error:');
  });

  it('a place and route that fails otherwise is not ok and says why', () => {
    const f = pnrFigures(routed({ fmaxMhz: undefined, met: undefined, utilization: {}, errors: ['nextpnr-ice40 failed (exit status 1): bad netlist'], ok: false }));
    expect(f).to.include({ fits: true, ok: false, fmaxMhz: null, lcs: null });
    expect(fmaxText(f)).to.equal('failed');
    expect(pnrFiguresText(f)).to.include('error: nextpnr-ice40 failed (exit status 1): bad netlist');
  });

  it('the text and synth --json say the same: the Fmax, the LCs, the device', () => {
    const f = pnrFigures(routed());
    const text = pnrFiguresText(f);
    const json = JSON.parse(synthesisJson([{ dir: 'd', synth: synthOf('dut', 10), targets: [], pnr: f }])) as { pnr: PnrFigures; yosysLog?: string };
    expect(json.pnr).to.deep.equal(JSON.parse(JSON.stringify(f)));
    expect(text).to.include(`post-route Fmax: ${json.pnr.fmaxMhz!.toFixed(2)} MHz (MISSED ${json.pnr.clockMhz} MHz)`);
    expect(text).to.include(`LCs: ${json.pnr.lcs!.used} of ${json.pnr.lcs!.available} (18.5%), of which the wrapper about ${json.pnr.wrapperLcs}: the design about ${json.pnr.designLcs}`);
    expect(text).to.include('iCE40 HX8K ct256, nextpnr-ice40 0.8.621, aimed at 100 MHz, seed 1, router1');
    // Without --pnr the JSON has no pnr section.
    expect(JSON.parse(synthesisJson([{ dir: 'd', synth: synthOf('dut', 10), targets: [] }]))).to.not.have.property('pnr');
  });

  it('the UP5K maps multipliers to DSPs: the DSP count in the figures and the text', () => {
    const utilization = { ...figuresOfFixture.utilization, ICESTORM_DSP: { used: 2, available: 8 } };
    const r = routed({ device: 'up5k', package: 'sg48', dsp: true, utilization, synth: synthOf('dut_ooc', 900, 2) });
    const f = pnrFigures(r);
    expect(f.dsps).to.deep.equal({ used: 2, available: 8 });
    expect(f.dspMapping).to.equal(true);
    expect(pnrFiguresText(f)).to.include('DSP (SB_MAC16): 2 of 8 (25.0%)');
    expect(pnrFiguresText(f)).to.include('multipliers in DSPs (synth_ice40 -dsp)');
    expect(pnrReportText(r)).to.include('multipliers in DSP blocks (synth_ice40 -dsp): 2 SB_MAC16');
  });
});

describe('post-route figures in flexor compare', () => {
  const side = (dir: string, top: string, pnr: PnrFigures) => ({ dir, memoryBits: 100, trainedBits: 80, synth: synthOf(top, 500), decoderLuts: dir === 'a' ? 16 : 0, pnr });

  it('sets the Fmax side by side with FleXOR over the baseline, in the text and the JSON', () => {
    const flexor = pnrFigures(routed({ fmaxMhz: 50, met: false }));
    const baseline = pnrFigures(routed({ fmaxMhz: 40, met: false, utilization: { ...figuresOfFixture.utilization, ICESTORM_LC: { used: 1000, available: 7680 } } }));
    const c: Comparison = { flexor: side('a', 'top', flexor), baseline: side('b', 'top_bin', baseline) };
    expect(fmaxRatio(flexor, baseline)).to.equal(1.25);
    const text = comparisonText(c);
    expect(text).to.match(/^post-route Fmax\s+50\.00 MHz\s+40\.00 MHz\s+1\.250$/m);
    expect(text).to.match(/^LCs\s+1423 of 7680\s+1000 of 7680\s+1\.423$/m);
    expect(text, 'no DSP row on the HX8K, which has none').to.not.include('SB_MAC16');
    const json = JSON.parse(comparisonJson(c)) as { fmaxRatio: number; flexor: { pnr: PnrFigures }; baseline: { pnr: PnrFigures } };
    expect(json.fmaxRatio).to.equal(1.25);
    expect(json.flexor.pnr.fmaxMhz).to.equal(50);
    expect(json.baseline.pnr.fmaxMhz).to.equal(40);
  });

  it('a side that does not fit has no ratio; without --pnr nothing changes', () => {
    const flexor = pnrFigures(tooLarge());
    const baseline = pnrFigures(routed({ fmaxMhz: 40 }));
    expect(fmaxRatio(flexor, baseline)).to.equal(null);
    expect(pnrComparisonText(flexor, baseline)).to.match(/^post-route Fmax\s+does not fit: 10173 of 7680 LCs\s+40\.00 MHz\s+-$/m);
    const c: Comparison = { flexor: side('a', 'top', flexor), baseline: side('b', 'top_bin', baseline) };
    expect(JSON.parse(comparisonJson(c)).fmaxRatio).to.equal(null);
    const plain: Comparison = { flexor: { ...c.flexor, pnr: undefined }, baseline: { ...c.baseline, pnr: undefined } };
    expect(comparisonText(plain)).to.not.include('place and route');
    expect(JSON.parse(comparisonJson(plain))).to.not.have.property('fmaxRatio');
  });
});

describe('post-route figures in flexor sweep', () => {
  const base: SweepResult = {
    nIn: 4, nOut: 8, nTap: 2, planes: 1, lanes: 1, simd: 1, key: 'k', bitsPerWeight: 0.5, memoryBits: 32, trainedBits: 32,
    luts: 100, flipFlops: 50, lutLevels: 4, decoderLuts: 5, macLuts: 20, lutsPerMac: 20, cyclesPerVector: 64, seconds: 1,
  };

  it('adds the place-and-route columns before seconds only when a point has them', () => {
    const plain = sweepCsv([base]).split('\n')[0];
    expect(plain).to.equal('key,nIn,nOut,nTap,planes,lanes,simd,bitsPerWeight,memoryBits,trainedBits,luts,flipFlops,lutLevels,decoderLuts,macLuts,lutsPerMac,cyclesPerVector,seconds,error');
    const rows = sweepCsv([{ ...base, key: 'a', pnr: pnrFigures(routed({ fmaxMhz: 123.5 })) }, { ...base, key: 'b', pnr: pnrFigures(tooLarge()) }, { ...base, key: 'c', error: 'x' }]).trim().split('\n');
    expect(rows[0]).to.equal(plain.replace('cyclesPerVector,seconds', 'cyclesPerVector,pnrDevice,fits,fmaxMhz,lcs,lcsAvailable,ebrs,dsps,seconds'));
    const column = (name: string) => rows.slice(1).map((r) => r.split(',')[rows[0].split(',').indexOf(name)]);
    expect(column('fmaxMhz')).to.deep.equal(['123.5', '', '']);
    expect(column('fits')).to.deep.equal(['true', 'false', '']);
    expect(column('lcs')).to.deep.equal(['1423', '10173', '']);
    expect(column('pnrDevice')).to.deep.equal(['hx8k', 'hx8k', '']);
    expect(column('error')).to.deep.equal(['', '', 'x']);
  });

  it('keys a point with its place-and-route settings, and without them as before', () => {
    const p = { nIn: 4, nOut: 8, nTap: 2, planes: 1, lanes: 1, simd: 1 };
    expect(sweepKey([4, 16], 1, 'xilinx', p)).to.equal('4x16/s1/xilinx/i4-o8-t2-q1-p1-g1');
    expect(sweepKey([4, 16], 1, 'xilinx', p, { device: 'up5k', clockMhz: 12, seed: 3, router: 'router1' })).to.equal('4x16/s1/xilinx/i4-o8-t2-q1-p1-g1/pnr-up5k-f12-s3');
    expect(sweepKey([4, 16], 1, 'xilinx', p, { device: 'up5k', clockMhz: 12, seed: 3, router: 'router2' })).to.equal('4x16/s1/xilinx/i4-o8-t2-q1-p1-g1/pnr-up5k-f12-s3-router2');
  });
});

describe('--pnr and its settings: bad values exit 2 naming the flag, before any tool runs', () => {
  const dir = join(PROJECT_ROOT, 'rtl-out', 'no-such-design');
  const sweep = ['sweep', '--shape', '4,16', '--nin', '4', '--nout', '8', '-o', join(dir, 'sw')];
  const cases: [string[], RegExp][] = [
    [['synth', dir, '--pnr', 'xc7a35t'], /--pnr: must be one of hx8k, up5k; got "xc7a35t"/],
    [['synth', dir, '--pnr', 'hx8k', '--pnr-clock-mhz', '0'], /--pnr-clock-mhz: must be a number of MHz/],
    [['synth', dir, '--pnr-clock-mhz', '50'], /--pnr-clock-mhz: applies to place and route: give --pnr hx8k or --pnr up5k/],
    [['compare', dir, '--pnr', 'up5k', '--pnr-seed', '1.5'], /--pnr-seed: must be an integer/],
    [['compare', dir, '--pnr-seed', '2'], /--pnr-seed: applies to place and route/],
    [['compare', dir, '--pnr-router', 'router2'], /--pnr-router: applies to place and route/],
    [['synth', dir, '--pnr', 'hx8k', '--pnr-router', 'r'], /--pnr-router: must be one of router1, router2; got "r"/],
    [[...sweep, '--pnr', 'ecp5'], /--pnr: must be one of hx8k, up5k/],
    [[...sweep, '--pnr', 'hx8k', '--pnr-clock-mhz', 'fast'], /--pnr-clock-mhz: must be a number of MHz/],
    [['report', dir, '--pnr', 'HX8K', '-o', join(dir, 'r.html')], /--pnr: must be one of hx8k, up5k; got "HX8K"/],
    [['report', dir, '--pnr-clock-mhz', '12', '-o', join(dir, 'r.html')], /--pnr-clock-mhz: applies to place and route/],
  ];
  for (const [args, message] of cases) {
    it(`flexor ${args[0]} ${args.slice(args[0] === 'sweep' ? 9 : 2).join(' ')}`, () => {
      const r = runCli(args);
      expect(r.status, r.stderr).to.equal(2);
      expect(r.stderr).to.match(message);
      expect(r.stdout).to.equal('');
    });
  }

  it('checkPnrSettings: the library names the same flags', () => {
    expect(() => checkPnrSettings({ device: 'ecp5' as 'hx8k' })).to.throw(/^--pnr: /);
    expect(() => checkPnrSettings({ device: 'hx8k', clockMhz: -1 })).to.throw(/^--pnr-clock-mhz: /);
    expect(() => checkPnrSettings({ device: 'hx8k', seed: 0 })).to.throw(/^--pnr-seed: /);
    expect(() => checkPnrSettings({ device: 'hx8k', router: 'router3' as 'router1' })).to.throw(/^--pnr-router: must be one of router1, router2; got "router3"/);
    expect(checkPnrSettings({ device: 'up5k' })).to.deep.equal({ device: 'up5k', clockMhz: 100, seed: 1, router: 'router1' });
  });
});

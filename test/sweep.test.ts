/**
 * flexor sweep and the HTML report: the sweep's points, the CSV and SVG it writes, and the
 * report. A tiny sweep synthesized in parallel worker processes and resumed from its state file
 * is in sweep.synth.test.ts.
 */
import { expect } from 'chai';
import type { Comparison } from '../generator/evidence/compare.js';
import { drawMatrix } from '../generator/core/matrix.js';
import { htmlReport } from '../generator/evidence/report.js';
import { decoderNetworkSvg, sweepSvg } from '../generator/evidence/svg.js';
import { planSweep, sweepCsv, sweepPoints, type SweepAxes, type SweepResult } from '../generator/evidence/sweep.js';
import type { ModuleFigures, SynthReport } from '../generator/eda/synth.js';
import type { PnrFigures } from '../generator/evidence/pnrfigures.js';

const VOID_HTML = new Set(['meta', 'br', 'hr', 'img', 'link', 'input']);

/**
 * A small well-formedness check: every tag closed in order (self-closing ones too), attribute
 * values quoted, no stray < or unescaped & in text. Returns the element names in document order.
 */
function checkMarkup(text: string): string[] {
  const names: string[] = [];
  const stack: string[] = [];
  const tag = /<(!--[\s\S]*?--|!DOCTYPE[^>]*|\/?)([A-Za-z][\w:-]*)?((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/gy;
  let at = 0;
  while (at < text.length) {
    const lt = text.indexOf('<', at);
    const chunk = text.slice(at, lt === -1 ? text.length : lt);
    expect(chunk, `text before offset ${lt}`).to.not.match(/&(?!(amp|lt|gt|quot|#\d+);)/);
    expect(chunk).to.not.include('>');
    if (lt === -1) break;
    tag.lastIndex = lt;
    const m = tag.exec(text);
    expect(m, `malformed tag at ${lt}: ${text.slice(lt, lt + 80)}`).to.not.equal(null);
    const [whole, kind, name, , selfClose] = m!;
    if (kind.startsWith('!')) {
      at = lt + whole.length;
      continue;
    }
    expect(name, `tag at ${lt}`).to.be.a('string');
    if (kind === '/') {
      expect(stack.pop(), `closing </${name}> at ${lt}`).to.equal(name);
    } else {
      names.push(name);
      if (selfClose !== '/' && !VOID_HTML.has(name)) stack.push(name);
    }
    at = lt + whole.length;
  }
  expect(stack, 'unclosed elements').to.deep.equal([]);
  return names;
}

function result(over: Partial<SweepResult>): SweepResult {
  return {
    nIn: 4, nOut: 8, nTap: 2, planes: 1, lanes: 1, simd: 1, key: 'k', bitsPerWeight: 0.5, memoryBits: 32, trainedBits: 32,
    luts: 100, flipFlops: 50, lutLevels: 4, decoderLuts: 5, macLuts: 20, lutsPerMac: 20, cyclesPerVector: 64, seconds: 1, ...over,
  };
}

function figures(module: string, luts: number, instances = 1): ModuleFigures {
  return { module, cells: luts, luts, flipFlops: 2, carryCells: 0, memoryBits: 0, lutLevels: 1, dsps: 0, blockRams: 0, instances, cellTypes: {} };
}

function fakeSynth(top: string, luts: number): SynthReport {
  const modules = [figures(`${top}_dec_p0`, 5, 2), figures(top, luts)];
  return {
    target: 'generic', top, total: { ...figures(top, luts + 10), memoryBits: 64 }, modules, lutLevels: 6, warnings: ['a <warning> & more'], errors: [],
    memoryMapping: [], memories: [], ok: true, yosys: 'embedded', yosysVersion: '0.55', script: '', yosysLog: '', seconds: 1.5, cached: false,
  };
}

describe('flexor sweep', function () {
  it('sweepPoints: the cartesian product, skipping Nin > Nout, nTap > Nin, lanes > N and simd > K', function () {
    const axes: SweepAxes = { nIn: [4, 8, 12], nOut: [8], nTap: [2, 6], planes: [1, 2], lanes: [1, 8], simd: [4, 32] };
    const all = sweepPoints(axes);
    // Of the 6 (Nin, nTap) pairs, Nin 12 > Nout 8 drops two and nTap 6 > Nin 4 one: 3 left, times 2 * 2 * 2.
    expect(all.length).to.equal(3 * 2 * 2 * 2);
    expect(all.skipped).to.equal(3 * 1 * 2 * 2 * 2 * 2 - all.length);
    const points = sweepPoints(axes, [4, 16]);
    // N = 4 rules out lanes 8, K = 16 rules out simd 32.
    expect(points.length).to.equal(3 * 2);
    expect(points.every((p) => p.nIn <= p.nOut && p.nTap <= p.nIn && p.lanes <= 4 && p.simd <= 16)).to.equal(true);
    expect(points[0]).to.deep.equal({ nIn: 4, nOut: 8, nTap: 2, planes: 1, lanes: 1, simd: 4 });
    const plan = planSweep(axes, [4, 16]);
    expect(plan.skipped.length).to.equal(points.skipped);
    expect(plan.skipped.map((s) => s.reason)).to.include.members(['Nin 12 > Nout 8', 'nTap 6 > Nin 4', 'lanes 8 > N 4', 'simd 32 > K 16']);
    expect(() => sweepPoints({ ...axes, simd: [] })).to.throw(/--simd/);
    expect(() => sweepPoints({ ...axes, nTap: [1.5] })).to.throw(/--ntap/);
  });

  it('sweepCsv quotes fields with commas and quotes', function () {
    const csv = sweepCsv([result({ error: 'yosys said "no", twice' })]);
    expect(csv.trimEnd().split('\n')[1]).to.match(/,"yosys said ""no"", twice"$/);
  });

  it('sweepSvg: well-formed, one line per nTap in each panel, a legend entry per nTap, errors left out', function () {
    const results = [
      result({ key: 'a', nTap: 1, nIn: 4, bitsPerWeight: 0.5, luts: 90 }),
      result({ key: 'b', nTap: 1, nIn: 6, bitsPerWeight: 0.75, luts: 95, memoryBits: 48 }),
      result({ key: 'c', nTap: 2, nIn: 4, bitsPerWeight: 0.5, luts: 100 }),
      result({ key: 'd', nTap: 3, nIn: 6, bitsPerWeight: 0.75, luts: 120, memoryBits: 48 }),
      result({ key: 'e<&>', nTap: 9, error: 'failed' }),
    ];
    const svg = sweepSvg(results);
    expect(svg.startsWith('<svg')).to.equal(true);
    const names = checkMarkup(svg);
    expect(names[0]).to.equal('svg');
    // Two panels (LUTs, memory bits), each with one polyline per nTap.
    expect(names.filter((n) => n === 'polyline')).to.have.length(2 * 3);
    for (const t of [1, 2, 3]) expect(svg.match(new RegExp(`<polyline[^>]*data-ntap="${t}"`, 'g'))).to.have.length(2);
    const legend = [...svg.matchAll(/class="legend-entry" data-ntap="(\d+)"/g)].map((m) => Number(m[1]));
    expect(legend).to.deep.equal([1, 2, 3]);
    expect(svg).to.include('nTap = 3');
    expect(svg).to.not.include('e<&>');
    expect(svg).to.include('bits per weight');
    expect(svg).to.include('memory bits');
  });

  it('decoderNetworkSvg: one XOR per output row and one wire per tap; a note above 64 outputs', function () {
    const m = drawMatrix({ nIn: 6, nOut: 8, nTap: 2, seed: 3 });
    const svg = decoderNetworkSvg(m);
    const names = checkMarkup(svg);
    expect(names[0]).to.equal('svg');
    expect(svg.match(/class="xor"/g)).to.have.length(8);
    expect(names.filter((n) => n === 'path')).to.have.length(m.bits.reduce((a, b) => a + b, 0));
    for (let i = 0; i < 6; i++) expect(svg).to.include(`>x${i}<`);
    const big = decoderNetworkSvg(drawMatrix({ nIn: 60, nOut: 100, nTap: 2, seed: 1 }));
    checkMarkup(big);
    expect(big).to.match(/too large to draw/);
    expect(big).to.not.include('class="xor"');
  });

  it('htmlReport: one well-formed, self-contained page with the tables and both figures, text escaped', function () {
    const top = 'flexor_<top>&co';
    const comparison: Comparison = {
      flexor: { dir: 'a', memoryBits: 48, trainedBits: 48, synth: fakeSynth(top, 100), decoderLuts: 10 },
      baseline: { dir: 'b', memoryBits: 64, trainedBits: 64, synth: fakeSynth(`${top}_bin`, 80), decoderLuts: 0 },
    };
    const sweep = sweepSvg([result({ key: 'a' }), result({ key: 'b', nTap: 3, bitsPerWeight: 0.75 })]);
    const decoder = decoderNetworkSvg(drawMatrix({ nIn: 4, nOut: 8, nTap: 2, seed: 1 }));
    const html = htmlReport({ title: 'Layer <1> & "friends"', synth: comparison.flexor.synth, comparison, sweepSvg: sweep, decoderSvg: decoder });
    expect(html.startsWith('<!DOCTYPE html>')).to.equal(true);
    const names = checkMarkup(html);
    expect(names.slice(0, 3)).to.deep.equal(['html', 'head', 'meta']);
    expect(names.filter((n) => n === 'svg')).to.have.length(2);
    expect(names).to.not.include('script');
    expect(html).to.not.match(/(src|href)\s*=\s*["']?\s*(https?:|\/\/)/i);
    expect(html).to.not.match(/@import|url\(/);
    expect(html).to.include('<title>Layer &lt;1&gt; &amp; &quot;friends&quot;</title>');
    expect(html).to.include('flexor_&lt;top&gt;&amp;co_dec_p0');
    expect(html).to.include('a &lt;warning&gt; &amp; more');
    expect(html).to.not.include('<top>');
    expect(html).to.include('Memory savings');
    expect(html).to.include('<b>16</b> fewer weight-memory bits');
    expect(html).to.include('class="xor"');
    expect(html).to.include('nTap = 3');
    // Nothing given: still a valid page with a note.
    checkMarkup(htmlReport({ title: 'empty' }));
    expect(html).to.not.include('Place and route');
  });

  it('htmlReport with place and route: the Fmax of a design, FleXOR against its baseline, "does not fit" in red', function () {
    const pnr = (over: Partial<PnrFigures>): PnrFigures => ({
      device: 'hx8k', package: 'ct256', clockMhz: 100, seed: 1, router: 'router1', fits: true, fmaxMhz: 314.66, met: true, lcs: { used: 53, available: 7680 }, ebrs: { used: 0, available: 32 },
      dsps: null, dspMapping: false, wrapperLcs: 36, designLcs: 17, overused: [], utilization: {}, nextpnrVersion: '0.8.621', ok: true, errors: [], seconds: 20, ...over,
    });
    const design = htmlReport({ title: 'decoder', synth: fakeSynth('dec', 16), pnr: pnr({}) });
    checkMarkup(design);
    expect(design).to.include('<h2>Place and route</h2>');
    expect(design).to.include('iCE40 HX8K ct256, nextpnr-ice40 0.8.621, aimed at 100 MHz, seed 1');
    expect(design).to.include('<td>post-route Fmax</td><td class="num">314.66 MHz</td>');
    expect(design).to.include('<td>LCs</td><td class="num">53 of 7680</td>');
    const tooLarge = pnr({ fits: false, fmaxMhz: null, met: null, lcs: { used: 10173, available: 7680 }, overused: ['ICESTORM_LC 10173 of 7680 (132%)'] });
    const comparison: Comparison = {
      flexor: { dir: 'a', memoryBits: 48, trainedBits: 48, synth: fakeSynth('top', 100), decoderLuts: 10, pnr: tooLarge },
      baseline: { dir: 'b', memoryBits: 64, trainedBits: 64, synth: fakeSynth('top_bin', 80), decoderLuts: 0, pnr: pnr({ fmaxMhz: 40 }) },
    };
    const layer = htmlReport({ title: 'layer', synth: comparison.flexor.synth, comparison });
    checkMarkup(layer);
    expect(layer).to.include('<th>FleXOR</th><th>1-bit binary</th><th>FleXOR / binary</th>');
    expect(layer).to.include('<td>post-route Fmax</td><td class="bad">does not fit: 10173 of 7680 LCs</td><td class="num">40.00 MHz</td><td class="num">-</td>');
  });
});

/**
 * The matrix draw modes of docs/MATRIX.md ("Full draw"): `first`, the seed's first matrix (the
 * default, unchanged), and `full`, the first candidate of the seed's sequence with the largest rank
 * its rows allow and every column used. The core function, then how the mode travels: matrix
 * output, decoder and layer designs (command, module name, manifest, warnings), network manifests.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import fc from 'fast-check';
import { resolveLayer, drawLayer } from '../generator/core/layer.js';
import {
  MAX_DRAW_ATTEMPTS,
  candidateRandom,
  checkDraw,
  drawCandidate,
  drawMatrix,
  drawPlanes,
  fullDraw,
  gf2Rank,
  matrixRows,
  matrixWarnings,
  planeRandom,
  targetRank,
  unusedColumns,
  type MatrixSpec,
  type XorMatrix,
} from '../generator/core/matrix.js';
import { resolveNetwork, engineLayers } from '../generator/core/network.js';
import { matrixOutput } from '../generator/formats/matrixoutput.js';
import { readNetwork, readNetworkDescription } from '../generator/formats/networkfile.js';
import { generateDecoder } from '../generator/rtl/decoder.js';
import { generateLayer } from '../generator/rtl/layer/generate.js';
import { expectInputError, PROJECT_ROOT, runCli, tempDir } from './helpers.js';

const SEED1: MatrixSpec = { nIn: 16, nOut: 20, nTap: 2, seed: 1 };

/** The full draw of 20 x 16, nTap 2, seed 1 as printed in docs/MATRIX.md ("Full draw"). */
const SEED1_FULL_ROWS = [
  '0000100001000000', '0100000010000000', '0010000000000010', '0000000010010000', '0010000000000010',
  '1000000000001000', '0000000001000001', '0001000000001000', '0010000000100000', '0001000000000001',
  '0000000000100100', '0000001000000010', '0000010000000001', '0000000000000101', '1000001000000000',
  '0000000101000000', '0000000001001000', '0010000010000000', '0000000010010000', '0001000001000000',
];

function qualifies(m: XorMatrix, spec: MatrixSpec): boolean {
  return gf2Rank(m) === targetRank(spec) && unusedColumns(m).length === 0;
}

describe('full draw (core)', () => {
  it('candidate a starts from a * 2^40 + plane * 2^32 + seed; candidate 0 is the first draw', () => {
    const a = candidateRandom(5, 3, 7);
    const b = candidateRandom(5, 3, 7);
    const c = planeRandom(5, 3);
    const d = candidateRandom(5, 3, 0);
    for (let i = 0; i < 10; i++) {
      expect(a.nextUint32()).to.equal(b.nextUint32());
      expect(c.nextUint32()).to.equal(d.nextUint32());
    }
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }).chain((nIn) =>
          fc.record({ nIn: fc.constant(nIn), nOut: fc.integer({ min: nIn, max: 60 }), nTap: fc.integer({ min: 1, max: nIn }), seed: fc.nat(0xffffffff), plane: fc.nat(63) }),
        ),
        ({ plane, ...spec }) => {
          expect(drawCandidate(spec, plane, 0).bits).to.deep.equal(drawMatrix(spec, plane).bits);
          expect(drawMatrix({ ...spec, draw: 'first' }, plane).bits).to.deep.equal(drawMatrix(spec, plane).bits);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('the target rank is the largest the rows allow', () => {
    expect(targetRank({ nIn: 16, nTap: 2 })).to.equal(15);
    expect(targetRank({ nIn: 16, nTap: 4 })).to.equal(15);
    expect(targetRank({ nIn: 16, nTap: 1 })).to.equal(16);
    expect(targetRank({ nIn: 16, nTap: 3 })).to.equal(16);
    expect(targetRank({ nIn: 16, nTap: 16 })).to.equal(1);
    expect(targetRank({ nIn: 15, nTap: 15 })).to.equal(1);
    expect(targetRank({ nIn: 16, dense: true })).to.equal(16);
    expect(targetRank({ nIn: 1, nTap: 1 })).to.equal(1);
    expect(targetRank({ nIn: 2, nTap: 2 })).to.equal(1);
  });

  it('takes the first qualifying candidate: 20 x 16, nTap 2, seed 1 is candidate 7, rank 15, every column used', () => {
    const { matrix, attempt } = fullDraw(SEED1);
    expect(attempt).to.equal(7);
    for (let a = 0; a < attempt; a++) expect(qualifies(drawCandidate(SEED1, 0, a), SEED1), `candidate ${a}`).to.equal(false);
    expect(gf2Rank(matrix)).to.equal(15);
    expect(unusedColumns(matrix)).to.deep.equal([]);
    expect(matrix.bits).to.deep.equal(drawCandidate(SEED1, 0, 7).bits);
    expect(drawMatrix({ ...SEED1, draw: 'full' }).bits).to.deep.equal(matrix.bits);
    expect(matrixRows(matrix).map((r) => r.join(''))).to.deep.equal(SEED1_FULL_ROWS);
    // The first draw, rank 12 with columns 3, 7 and 11 unused, stays the default.
    expect(gf2Rank(drawMatrix(SEED1))).to.equal(12);
    expect(unusedColumns(drawMatrix(SEED1))).to.deep.equal([3, 7, 11]);
  });

  it('every plane searches its own sequence; a qualifying first draw is kept', () => {
    const spec: MatrixSpec = { ...SEED1, planes: 3, draw: 'full' };
    const planes = drawPlanes(spec);
    planes.forEach((m, p) => {
      expect(m.bits).to.deep.equal(fullDraw(spec, p).matrix.bits);
      expect(qualifies(m, spec)).to.equal(true);
    });
    const small: MatrixSpec = { nIn: 7, nOut: 20, nTap: 2, seed: 1 };
    expect(fullDraw(small).attempt).to.equal(0);
    expect(drawMatrix({ ...small, draw: 'full' }).bits).to.deep.equal(drawMatrix(small).bits);
  });

  it('reaches the target for odd nTap, dense rows and nTap = Nin, and is deterministic', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 16 }).chain((nIn) =>
          fc.record({
            nIn: fc.constant(nIn),
            nOut: fc.integer({ min: Math.max(nIn, 20), max: 40 }),
            rows: fc.oneof(fc.constant<'dense'>('dense'), fc.integer({ min: 1, max: nIn })),
            seed: fc.nat(0xffffffff),
          }),
        ),
        ({ rows, ...sizes }) => {
          const spec: MatrixSpec = { ...sizes, ...(rows === 'dense' ? { dense: true } : { nTap: rows }), draw: 'full' };
          const m = drawMatrix(spec);
          expect(qualifies(m, spec)).to.equal(true);
          expect(drawMatrix(spec).bits).to.deep.equal(m.bits);
          expect(matrixWarnings(m, 0, targetRank(spec))).to.deep.equal([]);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('gives up after MAX_DRAW_ATTEMPTS candidates with an InputError naming the flags', () => {
    expect(MAX_DRAW_ATTEMPTS).to.equal(4096);
    // One tap per row, Nin = Nout = 20: full rank needs the 20 rows to be 20 distinct unit rows,
    // probability 20!/20^20 = 2.3e-8 per candidate.
    expectInputError(() => drawMatrix({ nIn: 20, nOut: 20, nTap: 1, seed: 1, draw: 'full' }), '--draw', 'first 4096 candidates', '--seed 1', '--nin 20 --nout 20 --ntap 1', 'rank 20');
    expectInputError(() => fullDraw(SEED1, 0, 7), '--draw', 'first 7 candidates', 'rank 15');
    expect(fullDraw(SEED1, 0, 8).attempt).to.equal(7);
    expectInputError(() => fullDraw({ ...SEED1, planes: 2 }, 1, 1), '--draw', 'plane 1');
  });

  it('rejects an unknown mode naming --draw', () => {
    expect(checkDraw(undefined)).to.equal('first');
    expect(checkDraw('full')).to.equal('full');
    expectInputError(() => checkDraw('best'), '--draw', 'first', 'full');
    expectInputError(() => drawMatrix({ ...SEED1, draw: 'Full' as never }), '--draw');
  });
});

describe('full draw in designs and manifests', function () {
  this.timeout(120_000);

  it('flexor matrix: JSON records draw full, no rank or unused-column warning', () => {
    const out = matrixOutput({ nIn: 16, nOut: 20, nTap: 2, seed: 1, draw: 'full' }, 'json');
    const json = JSON.parse(out.contents as string) as { draw: string; rank: number[]; planes: number[][][] };
    expect(json.draw).to.equal('full');
    expect(json.rank).to.deep.equal([15]);
    expect(out.warnings).to.deep.equal([]);
    expect(out.summary[0]).to.include('draw=full');
    const first = matrixOutput({ nIn: 16, nOut: 20, nTap: 2, seed: 1 }, 'json');
    expect(JSON.parse(first.contents as string)).to.not.have.property('draw');
    expect(first.warnings).to.have.length(2);
  });

  it('the CLI takes --draw and names it when the value or the search fails', () => {
    const ok = runCli(['matrix', '--nin', '16', '--nout', '20', '--ntap', '2', '--draw', 'full', '--format', 'json']);
    expect(ok.status).to.equal(0);
    expect((JSON.parse(ok.stdout) as { rank: number[] }).rank).to.deep.equal([15]);
    expect(ok.stderr).to.not.include('warning');
    const bad = runCli(['matrix', '--nin', '16', '--nout', '20', '--ntap', '2', '--draw', 'best']);
    expect(bad.status).to.equal(2);
    expect(bad.stderr).to.include('--draw');
    const none = runCli(['matrix', '--nin', '20', '--nout', '20', '--ntap', '1', '--draw', 'full']);
    expect(none.status).to.equal(2);
    expect(none.stderr).to.include('--draw: full: none of the first 4096 candidates');
  });

  it('generate decoder: command, module name, header and manifest record the full draw', () => {
    const design = generateDecoder({ nIn: 16, nOut: 20, nTap: 2, seed: 1, draw: 'full' });
    expect(design.top).to.equal('flexor_dec_16x20_t2_s1f');
    expect(design.warnings).to.deep.equal([]);
    const manifest = JSON.parse(design.files.find((f) => f.path === 'manifest.json')!.contents as string) as Record<string, any>;
    expect(manifest.command).to.include('--ntap 2 --draw full');
    expect(manifest.config.matrix).to.deep.include({ source: 'seeded', nTap: 2, seed: 1, draw: 'full' });
    const rtl = design.files.find((f) => f.path === 'rtl/flexor_dec_16x20_t2_s1f.sv')!.contents as string;
    expect(rtl).to.include('seed 1 (full draw), rank 15 over GF(2)');
    const matrix = JSON.parse(design.files.find((f) => f.path === 'matrix.json')!.contents as string) as { planes: number[][][] };
    expect(Uint8Array.from(matrix.planes[0].flat())).to.deep.equal(fullDraw(SEED1).matrix.bits);
    const first = generateDecoder({ nIn: 16, nOut: 20, nTap: 2, seed: 1 });
    expect(first.top).to.equal('flexor_dec_16x20_t2_s1');
    expectInputError(() => generateDecoder({ matrixFile: join(PROJECT_ROOT, 'test/golden/matrix_20x16_t2_s1.json'), draw: 'full' }), '--matrix', '--draw');
  });

  it('generate layer: the config, command, name and matrices of a full draw', () => {
    const config = resolveLayer({ shape: [8, 9], nIn: 16, nOut: 20, nTap: 2, planes: 2, draw: 'full' });
    expect(config.draw).to.equal('full');
    expect(resolveLayer({ shape: [8, 9], nIn: 16, nOut: 20, nTap: 2 })).to.not.have.property('draw');
    drawLayer(config).matrices.forEach((m, p) => expect(m.bits).to.deep.equal(fullDraw({ ...SEED1, planes: 2 }, p).matrix.bits));
    const design = generateLayer({ shape: [8, 9], nIn: 16, nOut: 20, nTap: 2, planes: 2, draw: 'full', vectors: 1 });
    expect(design.top).to.equal('flexor_layer_8x9_oi_16x20_t2_q2_p1g1_s1f');
    expect(design.warnings).to.deep.equal([]);
    const manifest = JSON.parse(design.files.find((f) => f.path === 'manifest.json')!.contents as string) as Record<string, any>;
    expect(manifest.config.draw).to.equal('full');
    expect(manifest.command).to.include('--ntap 2 --draw full');
    expectInputError(() => resolveLayer({ shape: [8, 9], nIn: 16, nOut: 20, nTap: 2, draw: 'most' as never }), '--draw');
  });

  it('network manifests: draw as an engine key and a default; a trained layer gives its own matrices', () => {
    const dir = tempDir('draw');
    const chained = join(dir, 'net.yaml');
    writeFileSync(
      chained,
      [
        'name: tiny',
        'input: {shape: [6, 6, 1], bits: 8, scale: 0.00392156862745098, layout: nchw}',
        'defaults: {nIn: 16, nOut: 20, nTap: 2, draw: full}',
        'layers:',
        '  - {name: c1, kind: conv, shape: [4, 1, 3, 3], padding: 1, scale: 0.1}',
        '  - {kind: flatten}',
        '  - {name: fc, kind: linear, shape: [3, 144], draw: first, scale: 0.1}',
        '',
      ].join('\n'),
    );
    const engines = engineLayers(resolveNetwork(readNetworkDescription(chained)));
    expect(engines[0].config.draw).to.equal('full');
    expect(engines[0].matrices[0].bits).to.deep.equal(fullDraw(SEED1).matrix.bits);
    expect(engines[1].config).to.not.have.property('draw');
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, ['name: t', 'input: {shape: [6, 6, 1], bits: 8, scale: 0.5, layout: nchw}', 'layers:', '  - {name: c1, kind: conv, shape: [4, 1, 3, 3], nIn: 16, nOut: 20, nTap: 2, draw: all, scale: 0.1}', ''].join('\n'));
    expectInputError(() => resolveNetwork(readNetworkDescription(bad)), `${bad}:layers[0].draw`, 'first', 'full');
    const trained = join(dir, 'trained.yaml');
    writeFileSync(trained, ['name: t', 'input: {shape: [8, 8, 1], bits: 5, scale: 0.0625, layout: nchw}', 'layers:', `  - {name: conv1, kind: conv, from: ${join(PROJECT_ROOT, 'test/fixtures/digits/conv1.npz')}, padding: 1, draw: full, scale: 0.1}`, ''].join('\n'));
    expectInputError(() => resolveNetwork(readNetworkDescription(trained)), `${trained}:layers[0].draw`, 'cannot be combined with from');
    const independent = join(dir, 'layers.yaml');
    writeFileSync(independent, ['name: two', 'defaults: {nIn: 16, nOut: 20, nTap: 2, draw: full}', 'layers:', '  - {name: a, shape: [8, 9]}', '  - {name: b, shape: [8, 9], draw: first}', ''].join('\n'));
    const layers = readNetwork(independent).layers;
    expect(layers.map((l) => l.draw)).to.deep.equal(['full', 'first']);
  });
});

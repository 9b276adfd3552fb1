/**
 * flexor sweep through Yosys (see sweep.test.ts): a tiny sweep synthesized in parallel workers,
 * written as CSV, and resumed from its state file.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runSweep, sweepCsv, type SweepAxes } from '../generator/evidence/sweep.js';
import { freshSynthCache, tempDir } from './helpers.js';

describe('flexor sweep', function () {
  // Yosys must run on these points, even if another test file synthesized them before.
  freshSynthCache();
  it('runs a tiny sweep in parallel workers, writes CSV, and resumes without recomputing', async function () {
    const dir = tempDir('sweep');
    const stateFile = join(dir, 'state.jsonl');
    const axes: SweepAxes = { nIn: [4, 6], nOut: [8], nTap: [2], planes: [1], lanes: [1], simd: [1] };
    const events: { done: number; total: number; cached: boolean | undefined }[] = [];
    const results = await runSweep({ shape: [4, 16], axes, target: 'generic', jobs: 2, stateFile, onProgress: (done, total, _last, cached) => events.push({ done, total, cached }) });
    expect(results.map((r) => r.error)).to.deep.equal([undefined, undefined]);
    expect(results.map((r) => r.nIn)).to.deep.equal([4, 6]);
    expect(events).to.deep.equal([{ done: 1, total: 2, cached: false }, { done: 2, total: 2, cached: false }]);
    for (const r of results) {
      expect(r.luts).to.be.greaterThan(0);
      expect(r.flipFlops).to.be.greaterThan(0);
      expect(r.decoderLuts).to.be.greaterThan(0);
      expect(r.macLuts).to.be.greaterThan(0);
      expect(r.lutsPerMac).to.equal(Number((r.macLuts / (r.lanes * r.simd * r.planes)).toFixed(3)));
      expect(r.cyclesPerVector).to.be.greaterThan(0);
      expect(r.bitsPerWeight).to.equal(r.nIn / 8);
      // 64 weights, 8 slices of Nin encrypted bits.
      expect(r.trainedBits).to.equal(8 * r.nIn);
    }
    expect(readFileSync(stateFile, 'utf8').trim().split('\n')).to.have.length(2);

    const csv = sweepCsv(results).trimEnd().split('\n');
    expect(csv).to.have.length(3);
    expect(csv[0]).to.equal('key,nIn,nOut,nTap,planes,lanes,simd,bitsPerWeight,memoryBits,trainedBits,luts,flipFlops,lutLevels,decoderLuts,macLuts,lutsPerMac,cyclesPerVector,seconds,error');
    expect(csv[1].split(',').slice(1, 7)).to.deep.equal(['4', '8', '2', '1', '1', '1']);
    expect(csv[2]).to.match(/^4x16\/s1\/generic\/i6-o8-t2-q1-p1-g1,6,8,/);

    // Again with one more point: the two done ones come from the state file, only the new one runs.
    const again: (boolean | undefined)[] = [];
    const second = await runSweep({ shape: [4, 16], axes: { ...axes, nIn: [4, 6, 8] }, target: 'generic', jobs: 2, stateFile, onProgress: (_d, _t, _l, cached) => again.push(cached) });
    expect(again).to.deep.equal([true, true, false]);
    expect(second.slice(0, 2)).to.deep.equal(results);
    expect(readFileSync(stateFile, 'utf8').trim().split('\n')).to.have.length(3);
    // And a third time: nothing at all to compute.
    const third: (boolean | undefined)[] = [];
    await runSweep({ shape: [4, 16], axes: { ...axes, nIn: [4, 6, 8] }, target: 'generic', stateFile, onProgress: (_d, _t, _l, cached) => third.push(cached) });
    expect(third).to.deep.equal([true, true, true]);
  });
});

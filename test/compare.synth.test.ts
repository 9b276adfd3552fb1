import { expect } from 'chai';
import { join } from 'node:path';
import { compareWithBaseline, comparisonText } from '../generator/evidence/compare.js';
import { generateLayer } from '../generator/rtl/layer/generate.js';
import { writeDesignFiles } from '../generator/rtl/output.js';
import { tempDir } from './helpers.js';

describe('flexor compare', function () {
  it('sets a layer against its binary twin: fewer memory bits, decoder LUTs, the same datapath', async function () {
    const dir = join(tempDir('compare'), 'layer');
    writeDesignFiles(dir, generateLayer({ shape: [4, 24], nIn: 6, nOut: 8, nTap: 2, seed: 2, lanes: 2, simd: 6 }).files, false);
    const c = await compareWithBaseline(dir, { target: 'xilinx' });
    expect(c.flexor.synth.ok && c.baseline.synth.ok).to.equal(true);
    // 96 weights: 12 slices of 6 stored bits against 12 of 8.
    expect(c.flexor.trainedBits).to.equal(72);
    expect(c.baseline.trainedBits).to.equal(96);
    expect(c.flexor.memoryBits).to.be.below(c.baseline.memoryBits);
    expect(c.flexor.decoderLuts).to.be.greaterThan(0);
    expect(c.baseline.decoderLuts).to.equal(0);
    const text = comparisonText(c);
    expect(text).to.match(/^stored weight bits \(trained\)\s+72\s+96\s+-24 \(-25\.0%\)$/m);
    expect(text).to.match(/The XOR decoders cost \d+ LUTs and save 24 stored weight bits/);
  });
});

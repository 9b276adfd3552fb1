import { expect } from 'chai';
import fc from 'fast-check';
import { StreamDecoder, unpackBits } from '../generator/core/golden.js';
import { drawLayer, resolveLayer, type LayerOptions } from '../generator/core/layer.js';
import { planLayer, unitWeightImages, weightImage } from '../generator/rtl/layerplan.js';

/** Small random layers: conv or linear, both layouts, any lanes/simd, q 1..2. */
const arbitraryLayer = fc
  .record({
    conv: fc.boolean(),
    dims: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 4, maxLength: 4 }),
    nOut: fc.integer({ min: 1, max: 24 }),
    inFraction: fc.double({ min: 0, max: 1, noNaN: true }),
    laneFraction: fc.double({ min: 0, max: 1, noNaN: true }),
    simdFraction: fc.double({ min: 0, max: 1, noNaN: true }),
    io: fc.boolean(),
    planes: fc.integer({ min: 1, max: 2 }),
    seed: fc.nat(),
  })
  .map(({ conv, dims, nOut, inFraction, laneFraction, simdFraction, io, planes, seed }): LayerOptions => {
    const shape = conv ? dims : [dims[0] * dims[1], dims[2] * dims[3]];
    const n = shape[0];
    const k = shape.slice(1).reduce((a, b) => a * b, 1);
    const nIn = 1 + Math.floor(inFraction * (nOut - 1));
    return {
      shape,
      nIn,
      nOut,
      nTap: 1 + Math.floor(inFraction * (nIn - 1)),
      seed,
      planes,
      layout: io ? 'io' : 'oi',
      lanes: 1 + Math.floor(laneFraction * (n - 1)),
      simd: 1 + Math.floor(simdFraction * (k - 1)),
    };
  });

/** A drawn layer, its plan and its full weight image. */
function planned(options: LayerOptions) {
  const config = resolveLayer(options);
  const plan = planLayer(config);
  const data = drawLayer(config);
  const slices = data.encrypted.map((packed) => unpackBits(packed, data.nSlices * config.nIn));
  const words = weightImage(plan, config, (p, s) => slices[p].subarray(s * config.nIn, (s + 1) * config.nIn));
  return { config, plan, data, words };
}

describe('layer plan', function () {
  it('gives every unit its contiguous range of every plane through the memory image', function () {
    fc.assert(
      fc.property(arbitraryLayer, (options) => {
        const { config, plan, data, words } = planned(options);
        expect(words).to.have.length(plan.depth);
        for (let p = 0; p < config.planes; p++) {
          const decoder = new StreamDecoder(data.matrices[p]);
          const stream = unpackBits(decoder.decode(data.encrypted[p], data.nSlices), data.nSlices * config.nOut);
          plan.unitPlans.forEach((unit, u) => {
            // The unit's slices, read word by word as the hardware does, then decoded.
            const unitSlices: number[] = [];
            for (const word of words) {
              for (let d = 0; d < plan.slicesPerFetch; d++) {
                const base = ((p * plan.units + u) * plan.slicesPerFetch + d) * config.nIn;
                unitSlices.push(...word.subarray(base, base + config.nIn));
              }
            }
            const count = plan.depth * plan.slicesPerFetch;
            const packed = new Uint8Array(Math.ceil((count * config.nIn) / 8));
            unitSlices.forEach((bit, i) => (packed[i >> 3] |= bit << (7 - (i & 7))));
            const decoded = unpackBits(decoder.decode(packed, count), count * config.nOut);
            const unitBits = plan.rowsPerUnit * plan.rowBits;
            for (let b = 0; b < unitBits && unit.start + b < config.n * config.k; b++) {
              expect(decoded[unit.offset + b], `plane ${p} unit ${u} bit ${b}`).to.equal(stream[unit.start + b]);
            }
          });
        }
      }),
      { numRuns: 60 },
    );
  });

  it('keeps up: a fetch per step at most, a group at least a chunk, duplicates below one per unit', function () {
    fc.assert(
      fc.property(arbitraryLayer, (options) => {
        const config = resolveLayer(options);
        const plan = planLayer(config);
        expect(plan.stepsPerVector).to.equal(Math.ceil(config.n / config.lanes) * Math.ceil(config.k / config.simd));
        expect(plan.depth).to.be.at.most(plan.stepsPerVector);
        expect(plan.group).to.be.at.least(plan.chunk);
        expect(plan.duplicateSlices).to.be.below(plan.units);
        expect(plan.capacity).to.be.at.least(plan.lastChunk + plan.wrapSkip + plan.group);
        expect(plan.wrapSkip).to.be.at.least(0);
        for (const u of plan.unitPlans) expect(u.offset + plan.rowsPerUnit * plan.rowBits).to.be.at.most(plan.depth * plan.group);
      }),
    );
  });

  it('gives each unit a ROM of exactly its slices: the trained bits plus the duplicates when a fetch is one slice', function () {
    fc.assert(
      fc.property(arbitraryLayer, (options) => {
        const { config, plan, words } = planned(options);
        const roms = unitWeightImages(plan, config, words);
        const fieldBits = plan.slicesPerFetch * config.nIn;
        let readSlices = 0;
        roms.forEach((rom, u) => {
          const unit = plan.unitPlans[u];
          const count = Math.max(0, Math.min(unit.slicesUsed, plan.slices - unit.firstSlice));
          readSlices += count;
          expect(rom).to.have.length(Math.ceil(count / plan.slicesPerFetch));
          rom.forEach((word, a) => {
            for (let p = 0; p < config.planes; p++) {
              expect([...word.subarray(p * fieldBits, (p + 1) * fieldBits)]).to.deep.equal([...words[a].subarray((p * plan.units + u) * fieldBits, (p * plan.units + u + 1) * fieldBits)]);
            }
          });
        });
        expect(readSlices).to.equal(plan.slices + plan.duplicateSlices);
        expect(plan.memoryBits).to.equal(roms.reduce((n, rom) => n + rom.length, 0) * config.planes * fieldBits);
        if (plan.slicesPerFetch === 1) expect(plan.memoryBits).to.equal(config.planes * (plan.slices + plan.duplicateSlices) * config.nIn);
      }),
      { numRuns: 150 },
    );
  });

  it('plans the ResNet-20 layer as documented: 4 units, 30 words of 64 bits, 3 shared slices', function () {
    const plan = planLayer(resolveLayer({ shape: [16, 16, 3, 3], nIn: 16, nOut: 20, nTap: 2, lanes: 4, simd: 16 }));
    expect([plan.units, plan.chunk, plan.stepsPerRow, plan.rowsPerUnit, plan.stepsPerVector]).to.deep.equal([4, 16, 9, 4, 36]);
    expect([plan.slicesPerFetch, plan.group, plan.depth, plan.wordBits, plan.duplicateSlices]).to.deep.equal([1, 20, 30, 64, 3]);
    // A ROM per unit: 29 + 30 + 30 + 30 = 119 slices of 16 bits, the 116 trained and 3 duplicates.
    expect(plan.unitDepths).to.deep.equal([29, 30, 30, 30]);
    expect(plan.memoryBits).to.equal(1904);
    expect(plan.unitPlans.map((u) => [u.start, u.firstSlice, u.offset])).to.deep.equal([
      [0, 0, 0],
      [576, 28, 16],
      [1152, 57, 12],
      [1728, 86, 8],
    ]);
  });
});

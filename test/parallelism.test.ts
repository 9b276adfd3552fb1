import { expect } from 'chai';
import fc from 'fast-check';
import { chooseParallelism, layerCycles, type LayerWork } from '../generator/core/parallelism.js';
import { InputError } from '../generator/core/errors.js';

/** The fewest units over every (lanes, simd) by brute force. */
function fewestUnits(work: LayerWork, target: number): number {
  let best = Infinity;
  for (let lanes = 1; lanes <= work.n; lanes++) {
    for (let simd = 1; simd <= work.k; simd++) {
      if (layerCycles(work, lanes, simd) <= target) best = Math.min(best, lanes * simd);
    }
  }
  return best;
}

describe('parallelism for a throughput target', () => {
  it('LeNet-5 conv2 (64 x 800 at 8x8 positions) in 25,600 cycles per image', () => {
    const p = chooseParallelism({ name: 'conv2', n: 64, k: 800, positions: 64 }, 25_600);
    expect(p.cyclesPerImage).to.be.at.most(25_600);
    expect(p.lanes * p.simd).to.equal(fewestUnits({ name: 'conv2', n: 64, k: 800, positions: 64 }, 25_600));
  });

  it('meets the target with the fewest MAC units (brute force over small layers)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 4000 }), (n, k, positions, target) => {
        const work = { name: 'l', n, k, positions };
        if (positions > target) return;
        const p = chooseParallelism(work, target);
        expect(p.cyclesPerImage).to.equal(layerCycles(work, p.lanes, p.simd));
        expect(p.cyclesPerImage).to.be.at.most(target);
        expect(p.lanes).to.be.within(1, n);
        expect(p.simd).to.be.within(1, k);
        expect(p.lanes * p.simd).to.equal(fewestUnits(work, target));
      }),
      { numRuns: 300, seed: 7 },
    );
  });

  it('one unit when the target allows the whole layer serially', () => {
    expect(chooseParallelism({ name: 'l', n: 10, k: 20, positions: 3 }, 600)).to.deep.equal({ lanes: 1, simd: 1, cyclesPerImage: 600 });
  });

  it('a target below the output positions is an error naming the layer', () => {
    expect(() => chooseParallelism({ name: 'conv1', n: 32, k: 25, positions: 576 }, 500)).to.throw(InputError, /conv1/);
    expect(() => chooseParallelism({ name: 'conv1', n: 32, k: 25, positions: 576 }, 0)).to.throw(InputError, /--cycles-per-image/);
  });
});

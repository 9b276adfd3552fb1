/**
 * Unit tests of the stream blocks: the stream formats of docs/STREAMS.md, each block's
 * behavioural model against a direct reference, the generators' checks and figures, and the
 * generic testbench's files.
 */
import { expect } from 'chai';
import {
  byteBits,
  featureMapBeats,
  featureMapFromBeats,
  makeFeatureMap,
  packValues,
  unpackValues,
  vectorFromBeats,
  vectorStreamBeats,
} from '../generator/core/streams.js';
import { testRandom } from '../generator/core/prng.js';
import { headerView } from '../generator/rtl/design.js';
import { beatLines, streamTestbench, type StreamTestbenchSpec } from '../generator/rtl/stream/testbench.js';
import { generateFifo } from '../generator/rtl/stream/fifo.js';
import { InputError } from '../generator/core/errors.js';

describe('stream formats', function () {
  it('pack value i at bits [i*bits, (i+1)*bits), two\'s complement, and unpack them back', function () {
    expect(packValues([1, -1, 2], 4)).to.equal(0x2f1n);
    expect(unpackValues(0x2f1n, 4, 3, true)).to.deep.equal([1n, -1n, 2n]);
    expect(unpackValues(0x2f1n, 4, 3, false)).to.deep.equal([1n, 15n, 2n]);
    const rng = testRandom(5, 0);
    for (let t = 0; t < 50; t++) {
      const bits = 1 + rng.below(33);
      const values = Array.from({ length: 1 + rng.below(7) }, () => BigInt(rng.below(2 ** Math.min(bits, 32))) - (bits > 1 ? 1n << BigInt(Math.min(bits, 32) - 1) : 0n));
      expect(unpackValues(packValues(values, bits), bits, values.length, bits > 1)).to.deep.equal(values);
    }
    expect(byteBits(1)).to.equal(8);
    expect(byteBits(24)).to.equal(24);
  });

  it('carry a feature map in raster order, channels fastest, ceil(C/P) beats per pixel, tlast at the end', function () {
    // 1 x 2 x 3, P = 2: pixel 0 = channels (0,1) then (2, zero); pixel 1 likewise.
    const fm = makeFeatureMap(1, 2, 3, (_y, x, c) => 10 * x + c - 5);
    const beats = featureMapBeats(fm, 2, 8);
    expect(beats.map((b) => b.data)).to.deep.equal([packValues([-5, -4], 8), packValues([-3], 8), packValues([5, 6], 8), packValues([7], 8)]);
    expect(beats.map((b) => b.last)).to.deep.equal([false, false, false, true]);
    expect(featureMapFromBeats(beats, fm, 2, 8, true)).to.deep.equal(fm);
  });

  it('carry a vector in ceil(K/S) beats, element b*S + i in slot i, tlast on the last beat', function () {
    const vector = [1, 2, 3, 4, 5];
    const beats = vectorStreamBeats(vector, 2, 3);
    expect(beats).to.deep.equal([
      { data: packValues([1, 2], 3), last: false },
      { data: packValues([3, 4], 3), last: false },
      { data: packValues([5], 3), last: true },
    ]);
    expect(vectorFromBeats(beats, 5, 2, 3, false)).to.deep.equal(vector.map(BigInt));
  });
});

describe('the generic stream testbench', function () {
  const header = headerView('test', { test: 1 });
  const beat = (data: bigint, last = false) => ({ data, last });
  const spec = (over: Partial<StreamTestbenchSpec> = {}): StreamTestbenchSpec => ({
    header,
    module: 'tb_dut',
    dut: 'dut',
    reset: 'sync',
    input: { prefix: 's_axis_in', dataBits: 8 },
    output: { prefix: 'm_axis_out', dataBits: 12 },
    images: Array.from({ length: 4 }, () => ({ input: [beat(1n), beat(2n, true)], output: [beat(0xabcn, true)] })),
    stallImages: 1,
    seed: 1,
    ...over,
  });

  it('writes one beat per line: tdata in hex at the port width, a space, tlast', function () {
    expect(beatLines([beat(0x5n), beat(0xabcn, true)], 12, 'x')).to.equal('005 0\nabc 1\n');
    expect(beatLines([beat(1n)], 1, 'x')).to.equal('1 0\n');
    expect(() => beatLines([beat(0x100n)], 8, 'x')).to.throw(RangeError, /does not fit 8 bits/);
    const tb = streamTestbench(spec());
    expect(tb.files.map((f) => f.path)).to.deep.equal(['tb/tb_dut.sv', 'tb/in.hex', 'tb/expected.hex']);
    expect(tb.files[1].contents).to.equal('01 0\n02 1\n'.repeat(4));
    expect(tb.files[2].contents).to.equal('abc 1\n'.repeat(4));
    expect(tb.manifest).to.include({ top: 'tb_dut', fileList: 'tb_dut.f', vectors: 4, images: 4, stallImages: 1, inBeatsPerImage: 2, outBeatsPerImage: 1 });
  });

  it('adds describe.hex and the mismatch format when the generator describes beats', function () {
    const tb = streamTestbench(spec({ describeBeat: { format: 'pixel (%0d, %0d)', values: (b) => [b, 26] } }));
    expect(tb.files.map((f) => f.path)).to.include('tb/describe.hex');
    expect(tb.files.find((f) => f.path === 'tb/describe.hex')!.contents).to.equal('0 1a\n');
    expect(tb.files[0].contents).to.contain('pixel (%0d, %0d)').and.contain('desc_mem[base + 1]');
    expect(() => streamTestbench(spec({ describeBeat: { format: 'pixel %0d', values: () => [1, 2] } }))).to.throw(/one %0d per number/);
  });

  it('refuses images of different lengths and fewer than 2 full-speed images', function () {
    expect(() => streamTestbench(spec({ stallImages: 2 }))).to.throw(/fewer than 3 at full speed/);
    const images = [...spec().images, { input: [beat(1n)], output: [beat(1n)] }];
    expect(() => streamTestbench(spec({ images }))).to.throw(/image 4 has 1\/1 beats/);
  });
});

describe('generateFifo', function () {
  it('checks its options, naming them', function () {
    expect(() => generateFifo({ dataBits: 8, depth: 1 })).to.throw(InputError, /^depth: must be an integer from 2 to 65536; got 1$/);
    expect(() => generateFifo({ dataBits: 0, depth: 4 })).to.throw(InputError, /^dataBits: /);
    expect(() => generateFifo({ dataBits: 8, depth: 4, hdl: 'vhdl' as 'sv' })).to.throw(InputError, /^hdl: must be sv or verilog/);
    expect(() => generateFifo({ dataBits: 8, depth: 4, name: '9x' })).to.throw(InputError, /^name: /);
  });

  it('reports its figures and passes its vectors through unchanged', function () {
    const design = generateFifo({ dataBits: 8, depth: 6, beatsPerImage: 10 });
    expect(design.figures).to.deep.equal({ idealCyclesPerImage: 10, bufferBits: 7 * 9, latencyBound: 7 });
    const file = (path: string) => design.files.find((f) => f.path === path)!.contents as string;
    expect(file('tb/in.hex')).to.equal(file('tb/expected.hex'));
    expect(file('tb/in.hex').split('\n')[0]).to.equal('ff 0');
    const manifest = JSON.parse(file('manifest.json')) as { kind: string; testbench: { vectors: number }; figures: object };
    expect(manifest.kind).to.equal('stream-fifo');
    expect(manifest.testbench.vectors).to.equal(60);
    expect(design.top).to.equal('flexor_fifo_w8_d6');
    expect(generateFifo({ dataBits: 8, depth: 6, name: 'q0' }).top).to.equal('flexor_q0');
  });
});

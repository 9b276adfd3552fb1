import { expect } from 'chai';
import fc from 'fast-check';
import { bitsToHex } from '../generator/rtl/design.js';
import { decodeSlice } from '../generator/core/golden.js';
import { clog2 } from '../generator/rtl/hdl.js';
import { drawMatrix, matrixFromRows, rowTaps, type XorMatrix } from '../generator/core/matrix.js';
import { buildXorNetlist, evaluateNetlist } from '../generator/rtl/netlist.js';
import { canonicalJson } from '../generator/core/hash.js';

/** A random matrix: nIn <= nOut <= 40, nTap rows or dense, any seed. */
const arbitraryMatrix = fc
  .record({ nOut: fc.integer({ min: 1, max: 40 }), inFraction: fc.double({ min: 0, max: 1, noNaN: true }), tapFraction: fc.double({ min: 0, max: 1, noNaN: true }), dense: fc.boolean(), seed: fc.nat() })
  .map(({ nOut, inFraction, tapFraction, dense, seed }) => {
    const nIn = 1 + Math.floor(inFraction * (nOut - 1));
    const nTap = 1 + Math.floor(tapFraction * (nIn - 1));
    return dense ? drawMatrix({ nIn, nOut, dense: true, seed }) : drawMatrix({ nIn, nOut, nTap, seed });
  });

function bitsOf(value: number, width: number): Uint8Array {
  return Uint8Array.from({ length: width }, (_, i) => Math.floor(value / 2 ** i) % 2);
}

describe('XOR netlist', function () {
  it('computes y = M x: the netlist evaluated gate by gate equals the golden model', function () {
    fc.assert(
      fc.property(arbitraryMatrix, fc.array(fc.nat(), { minLength: 8, maxLength: 8 }), (m: XorMatrix, seeds) => {
        const net = buildXorNetlist(m);
        for (const s of seeds) {
          const x = Uint8Array.from({ length: m.nIn }, (_, i) => (s >> i % 30) & 1);
          expect(Array.from(evaluateNetlist(net, x))).to.deep.equal(Array.from(decodeSlice(m, x)));
        }
      }),
    );
  });

  it('builds one balanced tree per row: taps - 1 gates, ceil(log2 taps) levels', function () {
    fc.assert(
      fc.property(arbitraryMatrix, (m: XorMatrix) => {
        const net = buildXorNetlist(m);
        for (let j = 0; j < m.nOut; j++) {
          const taps = rowTaps(m, j).length;
          expect(net.gates.filter((g) => g.row === j)).to.have.length(Math.max(0, taps - 1));
          expect(net.outputs[j].depth).to.equal(clog2(Math.max(1, taps)));
          expect(net.outputs[j].taps).to.deep.equal(rowTaps(m, j));
        }
        expect(net.depth).to.equal(Math.max(...net.outputs.map((o) => o.depth)));
      }),
    );
  });

  it('pairs taps left to right and passes an odd one up (5 taps: 3 levels, 4 gates)', function () {
    const m = matrixFromRows([[1, 1, 1, 1, 1], [1, 0, 0, 0, 0], [0, 1, 0, 0, 0], [0, 0, 1, 0, 0], [0, 0, 0, 1, 0]], 'test');
    const net = buildXorNetlist(m);
    expect(net.gates.map((g) => [g.level, g.position, g.a, g.b])).to.deep.equal([
      [1, 0, { kind: 'input', index: 0 }, { kind: 'input', index: 1 }],
      [1, 1, { kind: 'input', index: 2 }, { kind: 'input', index: 3 }],
      [2, 0, { kind: 'gate', id: 0 }, { kind: 'gate', id: 1 }],
      [3, 0, { kind: 'gate', id: 2 }, { kind: 'input', index: 4 }],
    ]);
    expect(net.depth).to.equal(3);
  });

  it('drives a row without taps with constant zero and reports unused inputs', function () {
    const net = buildXorNetlist(matrixFromRows([[1, 0, 0], [0, 0, 0], [1, 1, 0]], 'test'));
    expect(net.outputs[1].driver).to.deep.equal({ kind: 'zero' });
    expect(net.outputs[0].driver).to.deep.equal({ kind: 'input', index: 0 });
    expect(net.unusedInputs).to.deep.equal([2]);
    expect(Array.from(evaluateNetlist(net, [1, 1, 1]))).to.deep.equal([1, 0, 0]);
  });
});

describe('hex and configuration helpers', function () {
  it('bitsToHex puts bit i of the value at bits[i], most significant digit first', function () {
    expect(bitsToHex([1, 0, 0, 0])).to.equal('1');
    expect(bitsToHex([0, 0, 0, 0, 1])).to.equal('10');
    expect(bitsToHex(bitsOf(0xbeef, 16))).to.equal('beef');
    expect(bitsToHex(bitsOf(0x5, 20))).to.equal('00005');
    expect(bitsToHex([1])).to.equal('1');
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 48 }), fc.nat(), (width, v) => {
        const value = v % 2 ** Math.min(width, 31);
        expect(parseInt(bitsToHex(bitsOf(value, width)), 16)).to.equal(value);
        expect(bitsToHex(bitsOf(value, width))).to.have.length(Math.ceil(width / 4));
      }),
    );
  });

  it('canonicalJson sorts keys at every level and leaves out undefined', function () {
    expect(canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 0 }], c: undefined } })).to.equal('{"a":{"d":[2,{"e":0,"f":1}]},"b":1}');
  });
});

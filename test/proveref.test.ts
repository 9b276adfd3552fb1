/**
 * `flexor prove` without Yosys: the reference module written from the matrix, and the bad input
 * refused before any proof. The proofs themselves are in prove.synth.test.ts.
 */
import { expect } from 'chai';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../generator/core/errors.js';
import { type XorMatrix } from '../generator/core/matrix.js';
import { proveDesign, referenceModule } from '../generator/eda/prove.js';
import { tempDir, writeDecoder } from './helpers.js';

describe('prove: formal equivalence of the XOR decoders with y = M x (Yosys SAT)', function () {
  let root: string;
  before(() => {
    root = tempDir('prove');
  });

  it('referenceModule writes each row as a constant mask, a zero row as an empty one', () => {
    const m: XorMatrix = { nIn: 5, nOut: 3, bits: Uint8Array.from([1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0]) };
    const text = referenceModule('ref_m', m);
    expect(text).to.match(/module ref_m \(/);
    expect(text).to.contain('input  wire [4:0] x');
    expect(text).to.contain('output wire [2:0] y');
    expect(text).to.contain("assign y[0] = ^(x & 5'h19);"); // columns 0, 3, 4
    expect(text).to.contain("assign y[1] = ^(x & 5'h00);");
    expect(text).to.contain("assign y[2] = ^(x & 5'h02);");
  });

  it('rejects a folder without manifest.json, and an edited matrix.json, as bad input', async () => {
    const empty = tempDir('prove-empty');
    let error: unknown;
    try {
      await proveDesign(empty);
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(InputError);
    expect((error as Error).message).to.match(/manifest\.json/);

    const good = writeDecoder(root, 'good3', { nIn: 8, nOut: 10, nTap: 2, seed: 2 });
    const matrixPath = join(good, 'matrix.json');
    writeFileSync(matrixPath, readFileSync(matrixPath, 'utf8').replace('"rank"', '"rank" ').replace('[1,', '[1 ,'));
    error = undefined;
    try {
      await proveDesign(good);
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(InputError);
    expect((error as Error).message).to.match(/matrix\.json.*edited/);
  });
});

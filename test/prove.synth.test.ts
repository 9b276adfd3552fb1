/**
 * `proveDesign`: Yosys (WebAssembly) proves generated decoders equal to y = M x for every input,
 * and refutes a decoder with one tap changed by a counterexample that the matrix confirms.
 * Each proveDesign call is one Yosys run (about a second), so the designs are kept small.
 */
import { expect } from 'chai';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeSlice } from '../generator/core/golden.js';
import { generateLayer } from '../generator/rtl/layer/generate.js';
import { generateNetwork } from '../generator/rtl/network/layers.js';
import { rowTaps } from '../generator/core/matrix.js';
import { readMatrices } from '../generator/formats/matrixfile.js';
import { writeDesignFiles } from '../generator/rtl/output.js';
import { proveDesign, type DecoderProof } from '../generator/eda/prove.js';
import { tempDir, writeDecoder } from './helpers.js';

/** Hex (bit i = value bit i, MSB digit first) to `width` bits. */
function hexToBits(hex: string, width: number): Uint8Array {
  return Uint8Array.from({ length: width }, (_, i) => {
    const digit = hex.length - 1 - Math.floor(i / 4);
    return digit >= 0 ? (parseInt(hex[digit], 16) >> (i % 4)) & 1 : 0;
  });
}

function expectProven(proofs: readonly DecoderProof[], modules: readonly string[]): void {
  expect(proofs.map((p) => p.module)).to.deep.equal(modules);
  for (const p of proofs) {
    expect(p.proven, `${p.module}: ${p.error ?? ''}\n${p.log}`).to.equal(true);
    expect(p.counterexample).to.equal(undefined);
    expect(p.error).to.equal(undefined);
    expect(p.log).to.match(/SUCCESS/);
  }
}

describe('prove: formal equivalence of the XOR decoders with y = M x (Yosys SAT)', function () {
  let root: string;
  before(() => {
    root = tempDir('prove');
  });

  it('proves a combinational SystemVerilog decoder and reports its file', async () => {
    const dir = writeDecoder(root, 'sv', { nIn: 16, nOut: 20, nTap: 2, seed: 1 });
    const proofs = await proveDesign(dir);
    expectProven(proofs, ['flexor_dec_16x20_t2_s1']);
    expect(proofs[0].file).to.equal(join(dir, 'rtl/flexor_dec_16x20_t2_s1.sv'));
    expect(proofs[0].plane).to.equal(0);
  });

  it('proves the core of a registered Verilog-2005 decoder (async reset)', async () => {
    const dir = writeDecoder(root, 'reg-v', { nIn: 12, nOut: 24, nTap: 3, seed: 5, registered: true, reset: 'async', hdl: 'verilog' });
    const proofs = await proveDesign(dir);
    expectProven(proofs, ['flexor_dec_12x24_t3_s5']);
    expect(proofs[0].file).to.equal(join(dir, 'rtl/flexor_dec_12x24_t3_s5.v'));
  });

  it('proves a dense decoder', async () => {
    const dir = writeDecoder(root, 'dense', { nIn: 24, nOut: 32, dense: true, seed: 7 });
    expectProven(await proveDesign(dir), ['flexor_dec_24x32_dense_s7']);
  });

  it('proves a dense 64 x 256 decoder (Nout 256)', async () => {
    const dir = writeDecoder(root, 'wide', { nIn: 64, nOut: 256, dense: true, seed: 1 });
    expectProven(await proveDesign(dir), ['flexor_dec_64x256_dense_s1']);
  });

  it('proves an imported matrix with a zero row, a one-tap row and an unused column', async () => {
    const file = join(root, 'mixed.json');
    const rows = [
      [1, 0, 1, 0, 0],
      [0, 0, 0, 0, 0],
      [0, 1, 0, 0, 0],
      [1, 1, 1, 0, 1],
      [0, 0, 1, 0, 1],
      [1, 1, 0, 0, 0],
    ];
    writeFileSync(file, JSON.stringify(rows));
    const dir = writeDecoder(root, 'mixed', { matrixFile: file });
    const proofs = await proveDesign(dir);
    expect(proofs).to.have.length(1);
    expectProven(proofs, [proofs[0].module]);
    expect(proofs[0].module).to.match(/^flexor_dec_5x6_mixed_m[0-9a-f]{8}$/);
  });

  it('proves both planes of a q = 2 layer (Verilog-2005), one module per plane', async () => {
    const dir = join(root, 'layer');
    const design = generateLayer({ shape: [8, 8, 3, 3], nIn: 16, nOut: 20, nTap: 2, planes: 2, lanes: 4, simd: 8, hdl: 'verilog', vectors: 1 });
    writeDesignFiles(dir, design.files, false);
    const proofs = await proveDesign(dir);
    expectProven(proofs, [`${design.top}_dec_p0`, `${design.top}_dec_p1`]);
    expect(proofs.map((p) => p.plane)).to.deep.equal([0, 1]);
    expect(proofs[1].file).to.equal(join(dir, `rtl/${design.top}_dec_p1.v`));
  });

  it('proves every layer of a network folder', async () => {
    const manifest = join(root, 'net.json');
    writeFileSync(
      manifest,
      JSON.stringify({
        name: 'tiny',
        defaults: { nOut: 20, nTap: 2, seed: 3, vectors: 1 },
        layers: [
          { name: 'a', shape: [4, 4, 3, 3], nIn: 16, lanes: 2, simd: 4, planes: 2 },
          { name: 'b', shape: [8, 36], nIn: 7, lanes: 2, simd: 4 },
        ],
      }),
    );
    const dir = join(root, 'net');
    writeDesignFiles(dir, generateNetwork(manifest).files, false);
    const proofs = await proveDesign(dir);
    const top = (layer: string) => (JSON.parse(readFileSync(join(dir, layer, 'manifest.json'), 'utf8')) as { top: string }).top;
    expectProven(proofs, [`${top('a')}_dec_p0`, `${top('a')}_dec_p1`, `${top('b')}_dec_p0`]);
    expect(proofs.map((p) => p.file.split('/').slice(-3, -2)[0])).to.deep.equal(['a', 'a', 'b']);
  });

  it('refutes a decoder with one tap changed, with a counterexample the matrix confirms', async () => {
    const good = writeDecoder(root, 'good', { nIn: 16, nOut: 20, nTap: 2, seed: 1 });
    const dir = join(root, 'broken');
    cpSync(good, dir, { recursive: true });
    const m = readMatrices(join(dir, 'matrix.json'))[0];
    const rtlPath = join(dir, 'rtl/flexor_dec_16x20_t2_s1.sv');
    const rtl = readFileSync(rtlPath, 'utf8');

    // Row 0's gate: replace its first tap by a column row 0 does not use.
    const row = 0;
    const taps = rowTaps(m, row);
    const gate = new RegExp(`assign x${row}_1_0 = enc_i\\[${taps[0]}\\] \\^ enc_i\\[${taps[1]}\\];`);
    expect(rtl).to.match(gate);
    const other = Array.from({ length: m.nIn }, (_, i) => i).find((i) => !taps.includes(i))!;
    writeFileSync(rtlPath, rtl.replace(gate, `assign x${row}_1_0 = enc_i[${other}] ^ enc_i[${taps[1]}];`));

    const [proof] = await proveDesign(dir);
    expect(proof.proven).to.equal(false);
    expect(proof.error).to.equal(undefined);
    const cex = proof.counterexample!;
    expect(cex, proof.log).to.not.equal(undefined);
    const x = hexToBits(cex.input, m.nIn);
    const expected = hexToBits(cex.expected, m.nOut);
    const got = hexToBits(cex.got, m.nOut);
    // expected is M x; the edited row differs, and it alone: the taps are not shared.
    expect(Array.from(expected)).to.deep.equal(Array.from(decodeSlice(m, x)));
    expect(cex.differingBits).to.deep.equal([row]);
    expect(got[row]).to.not.equal(expected[row]);
    expect(x[taps[0]] ^ x[other]).to.equal(1);
    // got is what the edited decoder computes: M with that one tap moved.
    const edited = { ...m, bits: Uint8Array.from(m.bits) };
    edited.bits[row * m.nIn + taps[0]] = 0;
    edited.bits[row * m.nIn + other] = 1;
    expect(Array.from(got)).to.deep.equal(Array.from(decodeSlice(edited, x)));
    expect(cex.input).to.have.length(4);
    expect(cex.expected).to.have.length(5);
  });

  it('reports a decoder Yosys cannot read as not proven, with the error', async () => {
    const good = writeDecoder(root, 'good2', { nIn: 8, nOut: 10, nTap: 2, seed: 2 });
    const dir = join(root, 'unreadable');
    cpSync(good, dir, { recursive: true });
    const rtlPath = join(dir, 'rtl/flexor_dec_8x10_t2_s2.sv');
    writeFileSync(rtlPath, readFileSync(rtlPath, 'utf8').replace('assign dec_o[0]', 'assign dec_o[0] ='));
    const [proof] = await proveDesign(dir);
    expect(proof.proven).to.equal(false);
    expect(proof.counterexample).to.equal(undefined);
    expect(proof.error).to.match(/ERROR/);
  });

});

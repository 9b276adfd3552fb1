/** The hand-made layer folder of the targets tests (targets.test.ts, targets.synth.test.ts). */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256 } from '../generator/core/hash.js';
import { drawMatrix } from '../generator/core/matrix.js';
import { matricesToJson } from '../generator/formats/matrixfile.js';
import { generateDecoder } from '../generator/rtl/decoder.js';

/** The top module of the hand-made layer. */
export const TOP = 't';

/** A layer folder of our own: the decoder of `matrix` as <top>_dec_p0, a <top>_mac hierarchy, a manifest. */
export function writeLayerFolder(dir: string, o: { baseline?: boolean; editMatrix?: boolean } = {}): string {
  const decoder = generateDecoder({ nIn: 16, nOut: 20, nTap: 2, seed: 1 });
  const decoderRtl = String(decoder.files.find((f) => f.path === `rtl/${decoder.top}.sv`)!.contents).split(decoder.top).join(`${TOP}_dec_p0`);
  const rtl: Record<string, string> = {
    [`${TOP}_dec_p0.sv`]: decoderRtl,
    [`${TOP}_mac_pair.v`]: `module ${TOP}_mac_pair(input wire [7:0] a, input wire [7:0] b, input wire wa, input wire wb, output wire [9:0] s);
  wire signed [9:0] x = {{2{a[7]}}, a};
  wire signed [9:0] y = {{2{b[7]}}, b};
  assign s = (wa ? x : -x) + (wb ? y : -y);
endmodule
`,
    [`${TOP}_mac_add.v`]: `module ${TOP}_mac_add(input wire [9:0] a, input wire [9:0] b, output wire [10:0] s);
  assign s = {a[9], a} + {b[9], b};
endmodule
`,
    [`${TOP}_mac.v`]: `module ${TOP}_mac(input wire clk, input wire [31:0] act, input wire [3:0] w, output reg [10:0] acc);
  wire [9:0] p0, p1;
  wire [10:0] s;
  ${TOP}_mac_pair u_p0(.a(act[7:0]), .b(act[15:8]), .wa(w[0]), .wb(w[1]), .s(p0));
  ${TOP}_mac_pair u_p1(.a(act[23:16]), .b(act[31:24]), .wa(w[2]), .wb(w[3]), .s(p1));
  ${TOP}_mac_add u_add(.a(p0), .b(p1), .s(s));
  always @(posedge clk) acc <= s;
endmodule
`,
    [`${TOP}.v`]: `module ${TOP}(input wire clk, input wire [15:0] enc, input wire [31:0] act, output wire [10:0] y, output wire [19:0] dec);
  ${TOP}_dec_p0 u_dec(.enc_i(enc), .dec_o(dec));
  ${TOP}_mac u_mac(.clk(clk), .act(act), .w(dec[3:0]), .acc(y));
endmodule
`,
  };
  mkdirSync(join(dir, 'rtl'), { recursive: true });
  for (const [name, text] of Object.entries(rtl)) writeFileSync(join(dir, 'rtl', name), text);
  writeFileSync(join(dir, `${TOP}.f`), Object.keys(rtl).map((name) => `rtl/${name}\n`).join(''));
  const matrixJson = matricesToJson([drawMatrix({ nIn: 16, nOut: 20, nTap: 2, seed: 1 })]);
  writeFileSync(join(dir, 'matrix.json'), o.editMatrix ? matrixJson.replace('"nIn"', '"nIn" ') : matrixJson);
  const manifest = {
    kind: 'layer',
    command: `flexor generate layer --shape 4,24 --nin 16 --nout 20 --ntap 2${o.baseline ? ' --baseline' : ''}`,
    top: TOP,
    rtlFileList: `${TOP}.f`,
    testbench: { top: `tb_${TOP}`, fileList: `${TOP}.f`, vectors: 0 },
    // 4 x 24 weights: ceil(96/20) = 5 slices of 16 bits = 80 trained bits, 16 more stored twice.
    config: { shape: [4, 24], n: 4, k: 24, layout: 'oi', planes: 1, nIn: 16, nOut: 20, nTap: 2, seed: 1, lanes: 1, simd: 4, actBits: 8 },
    weights: 'rom',
    storage: { memoryBits: 100, trainedBits: 80, duplicateSlicesPerPlane: 1 },
    files: [
      ...Object.keys(rtl).map((name) => ({ path: `rtl/${name}`, role: 'rtl', sha256: sha256(rtl[name]) })),
      { path: 'matrix.json', role: 'matrix', sha256: sha256(matrixJson) },
    ],
  };
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
  return dir;
}

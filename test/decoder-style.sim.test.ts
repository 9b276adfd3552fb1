/**
 * Layout of the generated decoders (test/rtlstyle.ts, its own tests in test/layerstyle.test.ts):
 * every line of every RTL and testbench file
 * within 100 columns, no unsized literal outside localparam values, loop bounds and indices; the
 * Verilog-2005 flavour is Verilog-2005. Several configurations, the widest and densest included,
 * and the decoder modules of a layer.
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateDecoder, type DecoderOptions } from '../generator/rtl/decoder.js';
import type { GeneratedFile } from '../generator/rtl/design.js';
import { generateLayer } from '../generator/rtl/layer/generate.js';
import { lintDesign } from '../generator/eda/simulate.js';
import { wrapCommand } from '../generator/rtl/textwrap.js';
import { longLines, unsizedLiterals } from './rtlstyle.js';
import { tempDir, writeDecoder } from './helpers.js';

const isHdl = (f: GeneratedFile) => /\.(sv|v)$/.test(f.path);

function violationsOf(files: readonly GeneratedFile[]): string[] {
  return files.filter(isHdl).flatMap((f) => [...longLines(String(f.contents)), ...unsizedLiterals(String(f.contents))].map((p) => `${f.path}:${p.line}: ${p.text}`));
}

/** An imported 40 x 36 matrix that uses only columns 0 and 1, with a zero row: long unused lists. */
function sparseMatrixFile(dir: string): string {
  const rows = Array.from({ length: 40 }, (_, j) => Array.from({ length: 36 }, (_, i) => (j > 0 && i === j % 2 ? 1 : 0)));
  const file = join(dir, 'sparse.json');
  writeFileSync(file, JSON.stringify(rows));
  return file;
}

const CONFIGURATIONS: readonly { readonly name: string; readonly options: DecoderOptions }[] = [
  { name: '16x20, combinational, SystemVerilog', options: { nIn: 16, nOut: 20, nTap: 2, seed: 1 } },
  { name: '16x20, registered, SystemVerilog', options: { nIn: 16, nOut: 20, nTap: 2, seed: 1, registered: true } },
  { name: '16x20, combinational, Verilog-2005', options: { nIn: 16, nOut: 20, nTap: 2, seed: 1, hdl: 'verilog' } },
  { name: '16x20, registered, Verilog-2005, async reset, largest seed', options: { nIn: 16, nOut: 20, nTap: 2, seed: 4294967295, registered: true, hdl: 'verilog', reset: 'async' } },
  { name: '1x1, one tap', options: { nIn: 1, nOut: 1, nTap: 1, seed: 3 } },
  { name: 'Nout = 256, registered', options: { nIn: 3, nOut: 256, nTap: 2, seed: 15, registered: true } },
  { name: 'dense 64x256, registered, Verilog-2005, async reset', options: { nIn: 64, nOut: 256, dense: true, seed: 1, registered: true, hdl: 'verilog', reset: 'async' } },
  { name: 'dense 13x26', options: { nIn: 13, nOut: 26, dense: true, seed: 16 } },
  { name: '100x128, 9 taps, Verilog-2005', options: { nIn: 100, nOut: 128, nTap: 9, seed: 18, hdl: 'verilog' } },
];

describe('layout of the generated decoders', function () {
  const root = tempDir('style');
  const sparse = sparseMatrixFile(root);
  const configurations = [
    ...CONFIGURATIONS,
    { name: 'imported, 34 unused columns, a zero row, registered', options: { matrixFile: sparse, registered: true } },
    { name: 'imported, 34 unused columns, a zero row, Verilog-2005', options: { matrixFile: sparse, hdl: 'verilog' as const } },
  ];

  for (const c of configurations) {
    it(`${c.name}: lines of at most 100 columns, every literal sized`, function () {
      const files = generateDecoder(c.options).files;
      expect(files.filter(isHdl).length).to.be.greaterThan(1);
      expect(violationsOf(files).join('\n')).to.equal('');
    });
  }

  it('the decoder modules of a layer (a long header line) keep the same layout', function () {
    const design = generateLayer({ shape: [8, 8, 3, 3], nIn: 16, nOut: 20, nTap: 2, planes: 2, lanes: 4, simd: 8, hdl: 'verilog', reset: 'async', vectors: 1 });
    const decoders = design.files.filter((f) => /_dec_p\d+\.v$/.test(f.path));
    expect(decoders).to.have.length(2);
    expect(violationsOf(decoders).join('\n')).to.equal('');
  });

  it('Verilog-2005 flavour: iverilog -g2005 compiles the RTL, including the wrapped lists', function () {
    for (const [name, options] of [
      ['reg', { nIn: 16, nOut: 20, nTap: 2, seed: 1, registered: true, hdl: 'verilog', reset: 'async' }],
      ['sparse', { matrixFile: sparse, registered: true, hdl: 'verilog' }],
    ] as const) {
      const dir = writeDecoder(root, `v2005-${name}`, options);
      const top = generateDecoder(options).top;
      const r = spawnSync('iverilog', ['-g2005', '-o', join(dir, 'a.vvp'), '-c', `${top}.f`], { cwd: dir, encoding: 'utf8' });
      expect(r.status, `${r.stdout}${r.stderr}`).to.equal(0);
      expect(`${r.stdout}${r.stderr}`).to.equal('');
    }
  });

  it('the wrapped lists of an imported sparse matrix are lint-clean (SystemVerilog, registered)', function () {
    const dir = writeDecoder(root, 'sparse-sv', { matrixFile: sparse, registered: true });
    const lint = lintDesign(dir);
    expect(lint.ok, `${lint.command}\n${lint.output}`).to.equal(true);
  });
});

describe('the layout check on a decoder', function () {
  it('rejects a decoder with an unsized literal and an overlong line', function () {
    const design = generateDecoder({ nIn: 6, nOut: 8, nTap: 3, seed: 1 });
    const rtl = design.files.find((f) => f.path === 'rtl/flexor_dec_6x8_t3_s1.sv')!;
    const broken = { ...rtl, contents: String(rtl.contents).replace("assign dec_o[0] = x0_2_0;", `assign dec_o[0] = x0_2_0 ^ 0;${' '.repeat(80)}`) };
    expect(violationsOf([broken])).to.have.length(2);
  });

  it('wraps a command before an option, as a shell reads it back', function () {
    const command = "flexor generate decoder --matrix 'my matrix.json' --plane 1 --seed 4294967295 --registered --reset async --hdl verilog";
    const lines = wrapCommand(command, 60);
    expect(lines).to.deep.equal([
      "flexor generate decoder --matrix 'my matrix.json' \\",
      '--plane 1 --seed 4294967295 --registered --reset async \\',
      '--hdl verilog',
    ]);
    expect(lines.every((l) => l.length <= 60)).to.equal(true);
    expect(lines.map((l) => l.replace(/ \\$/, '')).join(' ')).to.equal(command);
    expect(wrapCommand('flexor generate decoder --nin 6', 60)).to.deep.equal(['flexor generate decoder --nin 6']);
  });
});

/**
 * Memory styles (`--rom-style`, `--act-style`; docs/SYNTH.md, "Memory styles"): the checks of the
 * options, the attributes in the emitted RTL, the command and the manifest that carry them; and
 * the parse of the memories Yosys elaborated, for the synthesis report's memory table.
 */
import { expect } from 'chai';
import { copyFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateNetworkAccelerator } from '../generator/rtl/network/generate.js';
import { generateLayer, type LayerGenOptions, type MemoryStyle } from '../generator/rtl/layer/generate.js';
import { declaredMemories, memoryPlacements, placeText } from '../generator/eda/memories.js';
import { htmlReport } from '../generator/evidence/report.js';
import type { SynthReport } from '../generator/eda/synth.js';
import { expectInputError, PROJECT_ROOT, runCli, tempDir } from './helpers.js';

const BASE: LayerGenOptions = { shape: [4, 3, 2, 2], nIn: 4, nOut: 5, nTap: 2, seed: 1, lanes: 2, simd: 5, vectors: 1 };

function fileText(options: LayerGenOptions, pattern: RegExp): string {
  const file = generateLayer(options).files.find((f) => pattern.test(f.path));
  expect(file, String(pattern)).to.not.equal(undefined);
  return String(file!.contents);
}

describe('memory styles', () => {
  it('a value other than auto, block, distributed, registers is an InputError naming the flag and the choices', () => {
    for (const [field, key] of [['--rom-style', 'romStyle'], ['--act-style', 'actStyle']] as const) {
      for (const bad of ['bram', 'BLOCK', '', 'logic']) {
        expectInputError(() => generateLayer({ ...BASE, [key]: bad as MemoryStyle }), field, 'auto, block, distributed, registers', JSON.stringify(bad));
      }
    }
  });

  it('--rom-style needs on-chip weights, --act-style the oi layout', () => {
    expectInputError(() => generateLayer({ ...BASE, weights: 'stream', romStyle: 'block' }), '--rom-style', '--weights rom');
    expectInputError(() => generateLayer({ ...BASE, layout: 'io', actStyle: 'block' }), '--act-style', 'oi');
    expect(() => generateLayer({ ...BASE, weights: 'stream', romStyle: 'auto' })).to.not.throw();
  });

  it('the CLI exits 2 on a bad style or pipeline, for a layer or a network, and writes nothing', () => {
    const dir = join(tempDir('memstyle-cli'), 'out');
    const r = runCli(['generate', 'layer', '--shape', '4,3,2,2', '--nin', '4', '--nout', '5', '--ntap', '2', '--lanes', '2', '--simd', '5', '--rom-style', 'bram', '-o', dir]);
    expect(r.status, r.stderr).to.equal(2);
    expect(r.stderr).to.include('--rom-style').and.include('auto, block, distributed, registers');
    expect(existsSync(dir)).to.equal(false);
    const cnn = join(PROJECT_ROOT, 'docs/examples/small-cnn.yaml');
    for (const [flag, value, says] of [['--act-style', 'bram', 'auto, block, distributed, registers'], ['--pipeline', 'mac:0', 'mac:N (a register in the MAC trees every N adder levels']]) {
      const n = runCli(['network', cnn, flag, value, '-o', dir]);
      expect(n.status, n.stderr).to.equal(2);
      expect(n.stderr).to.include(flag).and.include(says);
      expect(existsSync(dir)).to.equal(false);
    }
    const list = runCli(['network', join(PROJECT_ROOT, 'docs/examples/resnet20-mixed.yaml'), '--pipeline', 'scale', '-o', dir]);
    expect(list.status, list.stderr).to.equal(2);
    expect(list.stderr).to.include('--pipeline').and.include('this manifest lists independent layers');
    expect(existsSync(dir)).to.equal(false);
  });

  it('auto emits no attribute and keeps the command; block emits rom_style and ram_style, in the command and manifest', () => {
    const plain = generateLayer(BASE);
    const rom = (o: LayerGenOptions) => fileText(o, /_rom\.sv$/);
    expect(rom(BASE)).to.not.include('rom_style');
    expect(fileText(BASE, /_acts\.sv$/)).to.not.include('ram_style');
    const manifest = (files: typeof plain.files) => JSON.parse(String(files.find((f) => f.path === 'manifest.json')!.contents)) as { command: string; romStyle?: string; actStyle?: string };
    expect(manifest(plain.files).command).to.not.include('-style');
    expect(manifest(plain.files).romStyle).to.equal(undefined);
    for (const style of ['block', 'distributed', 'registers'] as const) {
      expect(rom({ ...BASE, romStyle: style })).to.include(`(* rom_style = "${style}" *)`);
    }
    const block = { ...BASE, romStyle: 'block', actStyle: 'block' } as const;
    expect(fileText(block, /_acts\.sv$/)).to.include('(* ram_style = "block", no_rw_check *)');
    expect(fileText({ ...BASE, actStyle: 'distributed', hdl: 'verilog' }, /_acts\.v$/)).to.include('(* ram_style = "distributed" *)');
    const m = manifest(generateLayer(block).files);
    expect(m.command).to.include('--rom-style block --act-style block');
    expect([m.romStyle, m.actStyle]).to.deep.equal(['block', 'block']);
  });

  it('act-style block reads the banks a step ahead (step_next), any other style as before', () => {
    expect(fileText({ ...BASE, actStyle: 'block' }, /rtl\/flexor_[^/]*s1\.sv$/)).to.include('.step_i(step_next)');
    expect(fileText({ ...BASE, actStyle: 'registers' }, /rtl\/flexor_[^/]*s1\.sv$/)).to.include('.step_i(step_q)');
    expect(fileText({ ...BASE, actStyle: 'block' }, /_acts\.sv$/)).to.include('acts_q <= act_mem[read_addr];');
  });
});

describe('memory styles of an accelerator', () => {
  it('--rom-style reaches every engine ROM, the header and the manifest; a bad value is an InputError', () => {
    const dir = tempDir('memstyle-net');
    const manifest = join(dir, 'net.yaml');
    writeFileSync(manifest, ['name: t', 'input: {shape: [1, 1, 12], bits: 6, signed: true, scale: 0.03125, layout: nchw}', 'layers:', '  - {name: fc, kind: linear, from: fc.npz, lanes: 2, simd: 4, scale: 0.25}', ''].join('\n'));
    copyFileSync(join(PROJECT_ROOT, 'test/fixtures/layers/linear_q2_bias.npz'), join(dir, 'fc.npz'));
    expectInputError(() => generateNetworkAccelerator(manifest, { romStyle: 'bram' as MemoryStyle }), '--rom-style', 'auto, block, distributed, registers');
    const files = generateNetworkAccelerator(manifest, { romStyle: 'block' }).files;
    const roms = files.filter((f) => /_rom\.sv$/.test(f.path));
    expect(roms.length).to.be.greaterThan(0);
    for (const f of roms) expect(String(f.contents)).to.include('(* rom_style = "block" *)');
    const m = JSON.parse(String(files.find((f) => f.path === 'manifest.json')!.contents)) as { romStyle?: string };
    expect(m.romStyle).to.equal('block');
    const plain = generateNetworkAccelerator(manifest, {}).files;
    expect(plain.filter((f) => /_rom\.sv$/.test(f.path)).every((f) => !String(f.contents).includes('rom_style'))).to.equal(true);
  });

  it('--act-style reaches the activation banks of every oi engine and the manifest; a network of io engines only is an InputError', () => {
    const dir = tempDir('memstyle-net-acts');
    const manifest = join(dir, 'net.yaml');
    const input = 'input: {shape: [1, 1, 12], bits: 6, signed: true, scale: 0.03125, layout: nchw}';
    const layer = (layout: string) => `  - {name: fc, kind: linear, shape: [6, 12], nIn: 4, nOut: 5, nTap: 2, seed: 3, layout: ${layout}, lanes: 2, simd: 4, scale: 0.25}`;
    writeFileSync(manifest, ['name: t', input, 'layers:', layer('oi'), ''].join('\n'));
    expectInputError(() => generateNetworkAccelerator(manifest, { actStyle: 'bram' as MemoryStyle }), '--act-style', 'auto, block, distributed, registers');
    const files = generateNetworkAccelerator(manifest, { actStyle: 'block' }).files;
    const acts = files.filter((f) => /_acts\.sv$/.test(f.path));
    expect(acts.length).to.be.greaterThan(0);
    for (const f of acts) expect(String(f.contents)).to.include('(* ram_style = "block", no_rw_check *)');
    const m = JSON.parse(String(files.find((f) => f.path === 'manifest.json')!.contents)) as { actStyle?: string; romStyle?: string };
    expect(m).to.deep.include({ actStyle: 'block' });
    expect(m.romStyle).to.equal(undefined);
    const plain = generateNetworkAccelerator(manifest, {}).files;
    expect(plain.filter((f) => /_acts\.sv$/.test(f.path)).every((f) => !String(f.contents).includes('ram_style'))).to.equal(true);
    const io = join(dir, 'io.yaml');
    writeFileSync(io, ['name: t', input, 'layers:', layer('io'), ''].join('\n'));
    expectInputError(() => generateNetworkAccelerator(io, { actStyle: 'block' }), '--act-style', 'every engine of this network (fc) has the io layout');
    expect(generateNetworkAccelerator(io, { actStyle: 'auto' }).files.length).to.be.greaterThan(0);
  });
});

describe('the memory table of a synthesis report', () => {
  const RTLIL = [
    'module $paramod$0a1b\\top_rom',
    '  attribute \\rom_style "block"',
    '  memory width 16 size 30 \\rom',
    'end',
    'module \\top_acts',
    '  memory width 128 size 18 \\act_mem',
    '  cell $memwr_v2 $memwr$\\act_mem$x.sv:3$1',
    '    parameter \\MEMID "\\\\act_mem"',
    '  end',
    'end',
    'module \\top',
    '  memory width 68 size 4 \\scale_rom',
    'end',
  ].join('\n');

  it('reads each memory, its size and whether it is written', () => {
    expect(declaredMemories(RTLIL)).to.deep.equal([
      { module: '$paramod$0a1b\\top_rom', memory: 'rom', width: 16, depth: 30, rom: true },
      { module: 'top_acts', memory: 'act_mem', width: 128, depth: 18, rom: false },
      { module: 'top', memory: 'scale_rom', width: 68, depth: 4, rom: true },
    ]);
  });

  it('places a memory in the cells named after it: block RAM, LUT RAM, else logic (ROM) or flip-flops (RAM)', () => {
    const netlist = {
      modules: {
        '$paramod$0a1b\\top_rom': { cells: { 'rom.0.0': { type: 'RAMB18E1' }, $1: { type: 'LUT2' } } },
        top_acts: { cells: { 'act_mem.0.0': { type: 'RAM32M' }, 'act_mem.0.1': { type: 'RAM32M' }, act_mem_q: { type: 'FDRE' } } },
        top: { cells: { 'scale_rom_x.0.0': { type: 'RAMB18E1' } } },
      },
    };
    const instances = new Map([['$paramod$0a1b\\top_rom', 4], ['top_acts', 1], ['top', 1]]);
    const rows = memoryPlacements(RTLIL, netlist, /^RAMB/, instances);
    expect(rows.map((r) => [r.memory, r.place, r.instances, r.bits])).to.deep.equal([
      ['rom', 'block RAM', 4, 480],
      ['act_mem', 'LUT RAM', 1, 2304],
      ['scale_rom', 'logic', 1, 272],
    ]);
    expect(rows.map(placeText)).to.deep.equal(['block RAM: 1 RAMB18E1', 'LUT RAM: 2 RAM32M', 'logic (LUTs)']);
    const noCells = memoryPlacements(RTLIL, { modules: { ...netlist.modules, top_acts: { cells: {} } } }, /^RAMB/, instances);
    expect(noCells[1].place).to.equal('flip-flops');
  });

  it('the HTML report shows the same table, one row per memory, with Yosys\'s mapping lines folded away', () => {
    const netlist = { modules: { '$paramod$0a1b\\top_rom': { cells: { 'rom.0.0': { type: 'RAMB18E1' } } }, top_acts: { cells: {} }, top: { cells: {} } } };
    const instances = new Map([['$paramod$0a1b\\top_rom', 4], ['top_acts', 1], ['top', 1]]);
    const memories = memoryPlacements(RTLIL, netlist, /^RAMB/, instances);
    const figures = { module: 'top', cells: 0, luts: 0, flipFlops: 0, carryCells: 0, memoryBits: 0, lutLevels: 1, dsps: 0, blockRams: 0, instances: 1, cellTypes: {}, submodules: {} };
    const synth: SynthReport = {
      target: 'xilinx', top: 'top', total: figures, modules: [figures], lutLevels: 1, warnings: [], errors: [], memoryMapping: ['mapping memory top.scale_rom via $__XILINX_LUTRAM_'],
      memories, ok: true, yosys: 'embedded', yosysVersion: '0.55', script: '', yosysLog: '', seconds: 1, cached: false,
    };
    const html = htmlReport({ title: 'layer', synth });
    expect(html).to.contain('<h3>Where the memories went</h3>');
    expect(html).to.contain('<td>rom</td><td>16 x 30</td><td class="num">480</td><td class="num">4</td><td>block RAM: 1 RAMB18E1</td>');
    expect(html).to.contain('<td>act_mem</td><td>128 x 18</td><td class="num">2304</td><td class="num">1</td><td>flip-flops</td>');
    expect(html).to.contain('<td>scale_rom</td><td>68 x 4</td><td class="num">272</td><td class="num">1</td><td>logic (LUTs)</td>');
    expect(html).to.match(/<details><summary>Yosys memory mapping \(1 line\(s\)\)<\/summary><ul><li><code>mapping memory top\.scale_rom/);
    expect(html).to.not.contain('Memory mapping:');
    expect(htmlReport({ title: 'layer', synth: { ...synth, memories: [], memoryMapping: [] } })).to.not.contain('Where the memories went');
  });
});

/**
 * `flexor synth`: runs Yosys on a generated design and reports its hardware cost per module and in
 * total: LUTs, flip-flops, carry cells, DSPs, block RAMs, memory bits, and the longest
 * combinational path in LUT levels. docs/SYNTH.md says what each figure means and how it is
 * measured on each target.
 *
 * One Yosys run per design: read the RTL, elaborate, count the declared memories, synthesize
 * without flattening (so every module keeps its own figures), then write the mapped netlist as
 * JSON. Everything else (cell counts, totals over the hierarchy, LUT levels) is computed here from
 * that netlist, the same way for every target and for both the embedded and a system Yosys.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, normalize } from 'node:path';
import { InputError } from '../core/errors.js';
import { readManifest } from '../formats/manifest.js';
import { readCacheEntry, synthCacheDir, synthCacheKey, writeCacheEntry, type CachedToolRun, type SynthCacheKeyInput } from './synthcache.js';
import { memoryPlacements, memoryTableLines, type MemoryPlacement } from './memories.js';

export type SynthTarget = 'generic' | 'xilinx' | 'ice40' | 'ecp5';
export const SYNTH_TARGETS: readonly SynthTarget[] = ['generic', 'xilinx', 'ice40', 'ecp5'];
export const DEFAULT_SYNTH_TARGET: SynthTarget = 'xilinx';

export type YosysKind = 'embedded' | 'system';
export const YOSYS_KINDS: readonly YosysKind[] = ['embedded', 'system'];

export interface ModuleFigures {
  /** The module's name in the synthesized netlist ("$paramod$<hash>\name" for parameterized ones). */
  module: string;
  /** Cells of the technology (and generic gates), not counting instances of the design's own modules. */
  cells: number;
  luts: number;
  flipFlops: number;
  carryCells: number;
  /** Bits of the memories the RTL declares (width x depth), counted before memory mapping. */
  memoryBits: number;
  /** Longest combinational path in LUT levels inside this module (its submodules are end points). */
  lutLevels?: number;
  /** Hard multipliers / DSP blocks. */
  dsps: number;
  /** Block RAM primitives (RAMB18/RAMB36, SB_RAM40_4K, DP16KD...). */
  blockRams: number;
  /** How often the module occurs in the design below the top (1 for the top and for the total). */
  instances: number;
  /** Every cell type and its count (instances of the design's own modules excluded). */
  cellTypes: Record<string, number>;
  /**
   * Instances of the design's own modules inside one instance of this module, by module name (as
   * in `modules`); empty for a leaf module and for the total. inclusiveFigures adds them up.
   */
  submodules?: Record<string, number>;
}

export interface SynthReport {
  target: SynthTarget;
  top: string;
  /** The whole design: every module counted once per instance. */
  total: ModuleFigures;
  /** One entry per module of the hierarchy, submodules before the modules that use them, top last. */
  modules: ModuleFigures[];
  /** Longest combinational path in LUT levels between registers, memories, DSPs and ports of the flattened design. */
  lutLevels: number;
  /** Yosys's warnings (each once), and our own notes (combinational loops ignored by the level count...). */
  warnings: string[];
  /** Latches, multiple drivers, logic loops, a failed Yosys run: any of these fails the run. */
  errors: string[];
  /** Where each memory went: memory_libmap's choice (block RAM, LUT RAM, or logic/flip-flops). */
  memoryMapping: string[];
  /** One row per memory the RTL declares: module, name, width x depth, where it went (docs/SYNTH.md). */
  memories: MemoryPlacement[];
  /** True when errors is empty. */
  ok: boolean;
  yosys: YosysKind;
  /** The version line Yosys printed, e.g. "0.55 (git sha1 60f126cd0, ...)". */
  yosysVersion: string;
  /** The script Yosys ran (file paths relative to the design folder). */
  script: string;
  yosysLog: string;
  /** Wall-clock time of the whole call, Yosys included (when it ran). */
  seconds: number;
  /**
   * True when Yosys did not run: its run of the same files, top, target and Yosys came from the
   * synthesis cache (docs/SYNTH.md, "Cache"). The figures are computed from it as from a new run.
   */
  cached: boolean;
}

export interface SynthOptions {
  target?: SynthTarget;
  yosys?: YosysKind;
  /**
   * false: run Yosys whatever the synthesis cache holds, and store nothing in it. The cache is
   * also off with the environment variable FLEXOR_NO_CACHE=1 (docs/SYNTH.md, "Cache"). Default true.
   */
  cache?: boolean;
  /**
   * ice40 only: map multipliers to the UP5K's DSP blocks, SB_MAC16 (`synth_ice40 -dsp`); what
   * place and route on the UP5K uses (docs/IMPLEMENTATION.md). Default false: the HX parts have none.
   */
  dsp?: boolean;
}

// ---------------------------------------------------------------------------------------- cells

type CellKind = 'lut' | 'comb' | 'seq';

interface TargetLibrary {
  /** The synthesis commands after the design is read, elaborated and its memories counted. */
  readonly synth: (top: string, dsp: boolean) => string[];
  /** Commands before elaboration (reading the cell library), if the synth command's own `begin` is skipped. */
  readonly prelude: string[];
  readonly lut: RegExp;
  readonly flipFlop: RegExp;
  readonly carry: RegExp;
  readonly dsp: RegExp;
  readonly blockRam: RegExp;
  /** Combinational cells other than LUTs: a path runs through them without adding a LUT level. */
  readonly transparent: RegExp;
  /**
   * Carry cells that hold the adder's LUTs themselves (ECP5 CCU2C: two LUT4s and the carry logic):
   * entering one from any input but the carry-in adds one LUT level, the carry-in adds none.
   */
  readonly lutInside?: { type: RegExp; carryIn: string };
}

/** Latch cells of any target (and Yosys's own latch cells, should one survive mapping). */
const LATCH = /^(\$_DLATCH|\$_DLATCHSR|\$_SR_|\$dlatch$|\$adlatch$|\$dlatchsr$|\$sr$|LD[CP]E?(_1)?$|LDCPE$)/;

/** Yosys's internal gate cells ($_AND_, $_MUX_...) that are combinational. */
const GENERIC_GATE = /^\$_(BUF|NOT|AND|NAND|OR|NOR|XOR|XNOR|ANDNOT|ORNOT|MUX|NMUX|MUX4|MUX8|MUX16|AOI3|OAI3|AOI4|OAI4)_$/;

const LIBRARIES: Record<SynthTarget, TargetLibrary> = {
  generic: {
    // synth -lut 6 maps with `abc -fast -lut 6` once; docs/SYNTH.md compares it with a full `abc -lut 6`.
    synth: (top) => [`synth -top ${top} -lut 6`],
    prelude: [],
    lut: /^\$lut$/,
    flipFlop: /^\$_((AL)?S?DFF(C?E|SR|SRE)?_[NP01]*|FF)_$/,
    carry: /^$a/, // none: adders become LUTs
    dsp: /^$a/,
    blockRam: /^$a/,
    transparent: GENERIC_GATE,
  },
  xilinx: {
    // Out of context: no I/O buffers, no BUFG. The begin label of synth_xilinx also reads
    // cells_xtra.v (every other Xilinx primitive, ~2 s in the embedded Yosys), which generated
    // designs never instantiate, so the prelude reads cells_sim.v alone and synthesis starts at `prepare`.
    synth: (top) => [`synth_xilinx -top ${top} -noiopad -noclkbuf -run prepare:`],
    prelude: ['read_verilog -lib +/xilinx/cells_sim.v'],
    lut: /^(LUT[1-6]|INV)$/,
    flipFlop: /^FD[A-Z]*(_1)?$/,
    carry: /^CARRY(4|8)$/,
    dsp: /^DSP48/,
    blockRam: /^(RAMB(18|36)|FIFO(18|36))/,
    transparent: /^(MUXF[789]|CARRY(4|8))$/,
  },
  ice40: {
    // -noflatten keeps the per-module view; `-run :check` skips `autoname` (2-3 s, names only),
    // the rest of the check label follows.
    synth: (top, dsp) => [`synth_ice40 -top ${top} -noflatten${dsp ? ' -dsp' : ''} -run :check`, 'hierarchy -check', 'check -noinit'],
    prelude: [],
    lut: /^SB_LUT4$/,
    flipFlop: /^SB_DFF/,
    carry: /^SB_CARRY$/,
    dsp: /^SB_MAC16$/,
    blockRam: /^(SB_RAM40_4K|SB_SPRAM256KA)/,
    transparent: /^SB_CARRY$/,
  },
  ecp5: {
    synth: (top) => [`synth_ecp5 -top ${top} -noflatten -run :check`, 'hierarchy -check', 'check -noinit'],
    prelude: [],
    lut: /^LUT4$/,
    flipFlop: /^TRELLIS_FF$/,
    carry: /^CCU2[CD]$/,
    dsp: /^(MULT18X18D|ALU54B|MULT9X9D|ALU24B)$/,
    blockRam: /^(DP16KD|PDPW16KD)$/,
    transparent: /^(CCU2[CD]|PFUMX|L6MUX21)$/,
    lutInside: { type: /^CCU2[CD]$/, carryIn: 'CIN' },
  },
};

/** How a cell of this type takes part in a LUT-level path. */
function cellKind(lib: TargetLibrary, type: string, knownDirections: boolean): CellKind {
  if (lib.lut.test(type)) return 'lut';
  if (lib.transparent.test(type) || GENERIC_GATE.test(type)) return knownDirections ? 'comb' : 'seq';
  return 'seq'; // flip-flops, latches, RAMs, DSPs, submodules, unknown cells: path ends and starts
}

// ---------------------------------------------------------------------------------------- netlist

/** The parts of Yosys's write_json output we read. A bit is a net number or a constant "0"/"1"/"x"/"z". */
type Bit = number | string;
interface JsonCell {
  type: string;
  port_directions?: Record<string, 'input' | 'output' | 'inout'>;
  connections: Record<string, Bit[]>;
}
interface JsonModule {
  ports: Record<string, { direction: string; bits: Bit[] }>;
  cells: Record<string, JsonCell>;
}
interface JsonNetlist {
  modules: Record<string, JsonModule>;
}

/**
 * A combinational cell of a graph: inputs and outputs as net numbers (constants dropped), and the
 * LUT levels a path adds through each input (1 for a LUT, 0 for a mux or carry cell).
 */
export interface GraphCell {
  inputs: number[];
  weights: number[];
  outputs: number[];
}

/**
 * The LUT cells and other combinational cells of `top`, with its submodules expanded (flatten) or
 * left as end points. Net numbers are made unique across instances.
 */
function combinationalGraph(netlist: JsonNetlist, top: string, lib: TargetLibrary, flatten: boolean): GraphCell[] {
  const cells: GraphCell[] = [];
  let next = 0;
  const walk = (name: string, portMap: Map<number, number | null>, depth: number) => {
    if (depth > 64) throw new Error(`module hierarchy deeper than 64 levels below ${top}`);
    const module = netlist.modules[name];
    const local = new Map<number, number | null>(portMap);
    const net = (bit: Bit): number | null => {
      if (typeof bit !== 'number') return null;
      let id = local.get(bit);
      if (id === undefined) {
        id = next++;
        local.set(bit, id);
      }
      return id;
    };
    for (const cell of Object.values(module.cells)) {
      if (flatten && netlist.modules[cell.type] !== undefined) {
        const childPorts = new Map<number, number | null>();
        const child = netlist.modules[cell.type];
        for (const [port, { bits }] of Object.entries(child.ports)) {
          const outer = cell.connections[port];
          if (!outer) continue;
          bits.forEach((b, i) => {
            if (typeof b === 'number' && i < outer.length) childPorts.set(b, net(outer[i]));
          });
        }
        walk(cell.type, childPorts, depth + 1);
        continue;
      }
      const dirs = cell.port_directions;
      const kind = netlist.modules[cell.type] !== undefined ? 'seq' : cellKind(lib, cell.type, dirs !== undefined);
      if (kind === 'seq' || !dirs) continue;
      const inputs: number[] = [];
      const weights: number[] = [];
      const outputs: number[] = [];
      const inside = lib.lutInside?.type.test(cell.type) ? lib.lutInside.carryIn : undefined;
      for (const [port, bits] of Object.entries(cell.connections)) {
        for (const b of bits) {
          const id = net(b);
          if (id === null) continue;
          if (dirs[port] === 'output') outputs.push(id);
          else if (dirs[port] === 'input') {
            inputs.push(id);
            weights.push(kind === 'lut' || (inside !== undefined && port !== inside) ? 1 : 0);
          }
        }
      }
      cells.push({ inputs, weights, outputs });
    }
  };
  walk(top, new Map(), 0);
  return cells;
}

/**
 * The longest path, counting LUT levels, through a graph of combinational cells: a net driven by no
 * combinational cell (a port, a flip-flop, a memory, a DSP) starts a path at 0. An input that
 * closes a combinational loop is not followed; `loopCells` counts those.
 */
export function longestLutPath(cells: readonly GraphCell[]): { levels: number; loopCells: number } {
  const driver = new Map<number, number>();
  cells.forEach((c, i) => c.outputs.forEach((o) => driver.set(o, i)));
  const arrival = new Int32Array(cells.length).fill(-1); // -1 unknown, -2 on the stack
  let levels = 0;
  let loopCells = 0;
  for (let root = 0; root < cells.length; root++) {
    if (arrival[root] >= 0) continue;
    // Iterative depth-first search: a frame is [cell, next input index].
    const stack: [number, number][] = [[root, 0]];
    arrival[root] = -2;
    while (stack.length > 0) {
      const frame = stack[stack.length - 1];
      const [c] = frame;
      const cell = cells[c];
      let pushed = false;
      while (frame[1] < cell.inputs.length) {
        const d = driver.get(cell.inputs[frame[1]++]);
        if (d === undefined || arrival[d] >= 0) continue;
        if (arrival[d] === -2) {
          loopCells++; // a loop: this input does not lengthen the path
          continue;
        }
        arrival[d] = -2;
        stack.push([d, 0]);
        pushed = true;
        break;
      }
      if (pushed) continue;
      let at = 0;
      cell.inputs.forEach((input, i) => {
        const d = driver.get(input);
        at = Math.max(at, (d !== undefined && arrival[d] >= 0 ? arrival[d] : 0) + cell.weights[i]);
      });
      arrival[c] = at;
      levels = Math.max(levels, arrival[c]);
      stack.pop();
    }
  }
  return { levels, loopCells };
}

// ---------------------------------------------------------------------------------------- figures

function countTypes(module: JsonModule, netlist: JsonNetlist): { own: Record<string, number>; children: Record<string, number> } {
  const own: Record<string, number> = {};
  const children: Record<string, number> = {};
  for (const cell of Object.values(module.cells)) {
    const bucket = netlist.modules[cell.type] !== undefined ? children : own;
    bucket[cell.type] = (bucket[cell.type] ?? 0) + 1;
  }
  return { own, children };
}

function figuresOf(module: string, cellTypes: Record<string, number>, lib: TargetLibrary, memoryBits: number, instances: number): ModuleFigures {
  const sum = (re: RegExp) => Object.entries(cellTypes).reduce((n, [t, c]) => n + (re.test(t) ? c : 0), 0);
  const sorted = Object.fromEntries(Object.entries(cellTypes).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return {
    module,
    cells: Object.values(cellTypes).reduce((a, b) => a + b, 0),
    luts: sum(lib.lut),
    flipFlops: sum(lib.flipFlop),
    carryCells: sum(lib.carry),
    memoryBits,
    dsps: sum(lib.dsp),
    blockRams: sum(lib.blockRam),
    instances,
    cellTypes: sorted,
  };
}

/** Memory bits each module declares, from `stat -json` run before synthesis. */
function declaredMemoryBits(statJson: string): Map<string, number> {
  const bits = new Map<string, number>();
  let stat: { modules?: Record<string, { num_memory_bits?: number }> };
  try {
    stat = JSON.parse(statJson) as typeof stat;
  } catch {
    return bits;
  }
  for (const [name, m] of Object.entries(stat.modules ?? {})) bits.set(unescapeName(name), m.num_memory_bits ?? 0);
  return bits;
}

/** stat -json writes public names with their leading backslash; write_json without. */
function unescapeName(name: string): string {
  return name.startsWith('\\') ? name.slice(1) : name;
}

// ---------------------------------------------------------------------------------------- running Yosys

/** A folder tree as the embedded Yosys takes it: name → contents or sub-tree. */
interface FileTree {
  [name: string]: FileTree | string | Uint8Array;
}

export interface YosysRun {
  code: number;
  log: string;
  /** Output files by name (top level of the working folder). */
  outputs: Map<string, string>;
}

const OUTPUT_FILES = ['memories.json', 'memories.il', 'netlist.json'];

/**
 * Runs a Yosys script on `inputs` (path inside the working folder -> contents) and returns its exit
 * status, its log and the named output files it wrote: the runner of synth, pnr and asic.
 */
export async function runYosysScript(yosys: YosysKind, inputs: Map<string, string>, script: string, outputs: readonly string[]): Promise<YosysRun> {
  if (yosys === 'system') requireSystemYosys();
  return yosys === 'system' ? runSystem(inputs, script, outputs) : runEmbedded(inputs, script, outputs);
}

async function runEmbedded(inputs: Map<string, string>, script: string, outputNames: readonly string[] = OUTPUT_FILES): Promise<YosysRun> {
  const { runYosys } = await import('@yowasp/yosys');
  const tree: FileTree = { 'synth.ys': script };
  for (const [path, contents] of inputs) {
    const parts = path.split('/');
    let node = tree;
    for (const part of parts.slice(0, -1)) node = (node[part] ??= {}) as FileTree;
    node[parts[parts.length - 1]] = contents;
  }
  const chunks: string[] = [];
  const decoder = new TextDecoder();
  const sink = (bytes: Uint8Array | null) => {
    chunks.push(bytes ? decoder.decode(bytes, { stream: true }) : decoder.decode());
  };
  let code = 0;
  let result: FileTree | undefined;
  try {
    result = (await runYosys(['-s', 'synth.ys'], tree, { stdout: sink, stderr: sink })) as FileTree | undefined;
  } catch (e) {
    const exit = e as { code?: number; files?: FileTree };
    if (typeof exit.code !== 'number') throw e;
    code = exit.code;
    result = exit.files;
  }
  const outputs = new Map<string, string>();
  for (const name of outputNames) {
    const file = result?.[name];
    if (typeof file === 'string') outputs.set(name, file);
    else if (file instanceof Uint8Array) outputs.set(name, new TextDecoder().decode(file));
  }
  return { code, log: chunks.join(''), outputs };
}

/** The version of the Yosys in use, for a run whose log does not say it. */
async function yosysVersion(kind: YosysKind): Promise<string> {
  if (kind === 'embedded') return `${(await import('@yowasp/yosys')).version} (@yowasp/yosys)`;
  const out = spawnSync('yosys', ['-V'], { encoding: 'utf8' });
  return /Yosys (\d.*)/.exec(out.stdout ?? '')?.[1]?.trim() ?? 'unknown';
}

function requireSystemYosys(): void {
  const found = spawnSync('sh', ['-c', 'command -v yosys'], { encoding: 'utf8' });
  if (found.status !== 0) {
    throw new InputError(
      '--yosys',
      "system: no 'yosys' on PATH; install Yosys (Debian/Ubuntu: apt-get install yosys, or the OSS CAD Suite) or leave out --yosys to use the embedded one",
    );
  }
}

async function runSystem(inputs: Map<string, string>, script: string, outputNames: readonly string[] = OUTPUT_FILES): Promise<YosysRun> {
  const work = mkdtempSync(join(tmpdir(), 'flexor-synth-'));
  try {
    writeFileSync(join(work, 'synth.ys'), script);
    for (const [path, contents] of inputs) {
      mkdirSync(dirname(join(work, path)), { recursive: true });
      writeFileSync(join(work, path), contents);
    }
    const { code, log } = await new Promise<{ code: number; log: string }>((resolvePromise, reject) => {
      const child = spawn('yosys', ['-s', 'synth.ys'], { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr.on('data', (d: Buffer) => (output += d.toString()));
      child.on('error', reject);
      child.on('close', (c, signal) => resolvePromise({ code: c ?? (signal ? 128 : 1), log: output }));
    });
    const outputs = new Map<string, string>();
    for (const name of outputNames) if (existsSync(join(work, name))) outputs.set(name, readFileSync(join(work, name), 'utf8'));
    return { code, log, outputs };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------- the design

/** A design as Yosys reads it: its top, its RTL files in file-list order, and every file's contents by path. */
export interface DesignSources {
  top: string;
  sources: string[];
  inputs: Map<string, string>;
}

/** The RTL files (in file-list order) and memory files of a design, relative to its folder. */
export function designInputs(dir: string): DesignSources {
  const manifest = readManifest(dir) as ReturnType<typeof readManifest> & { memoryFiles?: string[] };
  const listPath = typeof manifest.rtlFileList === 'string' ? join(dir, manifest.rtlFileList) : undefined;
  if (listPath === undefined || !existsSync(listPath)) {
    throw new InputError(join(dir, 'manifest.json'), `names the RTL file list ${String(manifest.rtlFileList)}, which does not exist; regenerate the design`);
  }
  const sources = readFileSync(listPath, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('//') && !l.startsWith('#'));
  if (sources.some((s) => s.startsWith('-') || s.startsWith('+'))) {
    throw new InputError(listPath, 'holds tool options (+incdir, -y...); flexor synth reads plain file lists of RTL files only');
  }
  const memories = [
    ...manifest.files.filter((f) => f.role === 'memory').map((f) => f.path),
    ...(Array.isArray(manifest.memoryFiles) ? manifest.memoryFiles : []),
  ];
  const inputs = new Map<string, string>();
  for (const path of [...sources, ...memories]) {
    const clean = normalize(path).split('\\').join('/');
    if (isAbsolute(path) || clean.startsWith('../') || /\s|"/.test(clean)) {
      throw new InputError(listPath, `names ${JSON.stringify(path)}: flexor synth takes paths inside the design folder, without spaces or quotes`);
    }
    if (inputs.has(clean)) continue;
    const full = join(dir, clean);
    if (!existsSync(full)) throw new InputError(full, 'is missing: the design folder is incomplete; regenerate it');
    inputs.set(clean, readFileSync(full, 'utf8'));
  }
  return { top: manifest.top, sources: sources.map((s) => normalize(s).split('\\').join('/')), inputs };
}

/** The Yosys script: read, elaborate, count memories, check, synthesize, write the netlist. */
export function synthScript(top: string, sources: readonly string[], target: SynthTarget, dsp = false): string {
  if (!/^[A-Za-z_][A-Za-z0-9_$]*$/.test(top)) throw new InputError('manifest.json', `top ${JSON.stringify(top)} is not a plain Verilog module name`);
  const lib = LIBRARIES[target];
  const sv = sources.filter((s) => s.endsWith('.sv'));
  const v = sources.filter((s) => !s.endsWith('.sv'));
  return [
    `# flexor synth --target ${target}`,
    ...(sv.length > 0 ? [`read_verilog -sv -defer ${sv.join(' ')}`] : []),
    ...(v.length > 0 ? [`read_verilog -defer ${v.join(' ')}`] : []),
    ...lib.prelude,
    `hierarchy -check -top ${top}`,
    'proc',
    '# memories as the RTL declares them, before any mapping',
    `tee -q -o memories.json stat -json -top ${top}`,
    '# each memory (width, depth) and its write ports, for the table of where each memory went',
    'select m:* t:$memwr*',
    'write_rtlil -selected memories.il',
    'select -clear',
    '# multiple drivers, logic loops, undriven wires',
    'check',
    ...lib.synth(top, dsp),
    '# a smaller netlist: no source locations, short names for the private wires and cells',
    'setattr -unset src',
    'rename -enumerate',
    'write_json -selected netlist.json',
    '',
  ].join('\n');
}

/** Why Yosys finds no mapping for a memory of a generated design. */
const NO_MAPPING_HINT = 'the memory\'s rom_style/ram_style asks for a kind of memory this target does not have (distributed on ice40: no LUT RAM); regenerate with another --rom-style/--act-style (docs/SYNTH.md, "Memory styles")';

const MULTIPLE_DRIVERS = /multiple conflicting drivers|driver-driver conflict|conflicting drivers/i;
const LOGIC_LOOP = /logic loop/i;

/**
 * Runs Yosys on the design in `dir` and reports its cost. With the synthesis cache on (the
 * default; docs/SYNTH.md, "Cache"), a run of the same files, top, target and Yosys is read from
 * the cache instead (`cached` says so) and the figures are computed from it as from a new run.
 */
export async function synthesizeDesign(dir: string, options: SynthOptions = {}): Promise<SynthReport> {
  return synthesizeSources(() => designInputs(dir), options);
}

/**
 * synthesizeDesign on a design given as its files (`design` is called after the options are
 * checked). With `keepNetlist`, the report carries the mapped netlist (Yosys's write_json) in
 * `netlist`: what place and route reads.
 */
export async function synthesizeSources(design: () => DesignSources, options: SynthOptions & { keepNetlist?: boolean } = {}): Promise<SynthReport & { netlist?: string }> {
  const started = performance.now();
  const target = options.target ?? DEFAULT_SYNTH_TARGET;
  const yosys = options.yosys ?? 'embedded';
  if (!SYNTH_TARGETS.includes(target)) throw new InputError('--target', `must be one of ${SYNTH_TARGETS.join(', ')}; got ${JSON.stringify(target)}`);
  if (!YOSYS_KINDS.includes(yosys)) throw new InputError('--yosys', `must be one of ${YOSYS_KINDS.join(', ')}; got ${JSON.stringify(yosys)}`);
  if (options.cache !== undefined && typeof options.cache !== 'boolean') throw new InputError('cache', `must be true or false; got ${JSON.stringify(options.cache)}`);
  const { top, sources, inputs } = design();
  if (yosys === 'system') requireSystemYosys();
  if (options.dsp === true && target !== 'ice40') throw new InputError('dsp', `maps to the iCE40 UP5K's SB_MAC16 and needs the ice40 target; got ${JSON.stringify(target)}`);
  const script = synthScript(top, sources, target, options.dsp === true);

  const cacheDir = options.cache === false ? undefined : synthCacheDir();
  const key = cacheDir === undefined ? undefined : await cacheKey({ top, target, yosys, script, files: inputs });
  const finish = (report: ReportBody, run: CachedToolRun): SynthReport & { netlist?: string } => ({
    ...report,
    ok: report.errors.length === 0,
    seconds: (performance.now() - started) / 1000,
    ...(options.keepNetlist === true && run.outputs.has('netlist.json') ? { netlist: run.outputs.get('netlist.json') } : {}),
  });
  const hit = cacheDir !== undefined && key !== undefined ? readCacheEntry(cacheDir, key) : undefined;
  if (hit !== undefined) {
    try {
      return finish(await reportOfRun(hit, { target, top, yosys, script, cached: true }), hit);
    } catch {
      // An entry whose netlist cannot be read: a miss like any corrupt entry, written anew below.
    }
  }
  const run = await timedRun(yosys, inputs, script);
  const report = await reportOfRun(run, { target, top, yosys, script, cached: false });
  // Only a run that went through is stored: a failed one may have failed for reasons of its own
  // (memory, a signal), and it costs little to repeat.
  if (cacheDir !== undefined && key !== undefined && run.code === 0 && run.outputs.has('netlist.json')) {
    const why = writeCacheEntry(cacheDir, key, run);
    if (why !== undefined) report.warnings.push(`synthesis cache: could not store this run in ${cacheDir} (${why}); FLEXOR_NO_CACHE=1 turns the cache off`);
  }
  return finish(report, run);
}

/** The cache key of a run, or undefined when the Yosys version cannot be told (then nothing is cached). */
async function cacheKey(input: Omit<SynthCacheKeyInput, 'yosysVersion'> & { yosys: YosysKind }): Promise<string | undefined> {
  const version = await yosysVersion(input.yosys);
  return version === 'unknown' ? undefined : synthCacheKey({ ...input, yosysVersion: version });
}

async function timedRun(yosys: YosysKind, inputs: Map<string, string>, script: string): Promise<CachedToolRun> {
  const started = performance.now();
  const run = yosys === 'system' ? await runSystem(inputs, script) : await runEmbedded(inputs, script);
  return { ...run, seconds: (performance.now() - started) / 1000 };
}

type ReportBody = Omit<SynthReport, 'ok' | 'seconds'>;

/** The report of one Yosys run (new or from the cache): the log's findings, then the netlist's figures. */
async function reportOfRun(
  run: CachedToolRun,
  at: { target: SynthTarget; top: string; yosys: YosysKind; script: string; cached: boolean },
): Promise<ReportBody> {
  const { target, top } = at;
  const lib = LIBRARIES[target];
  const log = run.log;
  const { warnings, errors, memoryMapping } = logFindings(log);
  const version = /^Yosys (\d.*)$/m.exec(log)?.[1]?.trim() ?? (await yosysVersion(at.yosys));
  const common = { target, top, warnings, errors, memoryMapping, yosys: at.yosys, yosysVersion: version, script: at.script, yosysLog: log, cached: at.cached };

  const netlistText = run.outputs.get('netlist.json');
  if (run.code !== 0 || netlistText === undefined) {
    const yosysErrors = [...new Set([...log.matchAll(/^(.*ERROR: .*)$/gm)].map((m) => m[1].trim()))];
    errors.push(`yosys failed (exit status ${run.code}): ${yosysErrors.join('; ') || log.trim().split('\n').slice(-3).join(' ')}`);
    if (yosysErrors.some((e) => e.includes('no valid mapping found for memory'))) errors.push(NO_MAPPING_HINT);
    return { ...common, total: figuresOf(top, {}, lib, 0, 1), modules: [], lutLevels: 0, memories: [] };
  }
  const netlist = JSON.parse(netlistText) as JsonNetlist;
  if (netlist.modules[top] === undefined) throw new Error(`Yosys wrote no module ${top}`);
  const figures = netlistFigures(netlist, top, lib, declaredMemoryBits(run.outputs.get('memories.json') ?? '{}'));
  if (figures.loopCells > 0) warnings.push(`${figures.loopCells} combinational loop edge(s) were cut to count LUT levels`);
  const latchCells = Object.entries(figures.total.cellTypes).filter(([t]) => LATCH.test(t));
  for (const [t, c] of latchCells) errors.push(`${c} latch cell(s) of type ${t} in the synthesized netlist`);
  const instances = new Map(figures.modules.map((m) => [m.module, m.instances]));
  const memories = memoryPlacements(run.outputs.get('memories.il') ?? '', netlist, lib.blockRam, instances);
  return { ...common, total: figures.total, modules: figures.modules, lutLevels: figures.total.lutLevels ?? 0, memories };
}

/** Warnings (each once), errors (multiple drivers, logic loops, latches) and memory mapping lines of a Yosys log. */
function logFindings(log: string): { warnings: string[]; errors: string[]; memoryMapping: string[] } {
  const warnings: string[] = [];
  const errors: string[] = [];
  const seen = new Set<string>();
  for (const match of log.matchAll(/^Warning: (.*)$/gm)) {
    // "multiple conflicting drivers for top.\\q:" (the drivers follow on indented lines)
    const message = match[1].trim().replace(/\\(?=\S)/g, '').replace(/:$/, '');
    if (seen.has(message)) continue;
    seen.add(message);
    if (MULTIPLE_DRIVERS.test(message) || LOGIC_LOOP.test(message)) errors.push(message);
    else warnings.push(message);
  }
  for (const match of log.matchAll(/^Latch inferred for signal `([^']*)'/gm)) {
    const message = `latch inferred for ${match[1].replace(/\\/g, '')}`;
    if (!errors.includes(message)) errors.push(message);
  }
  const memoryMapping = [...log.matchAll(/^(using FF mapping for memory \S+|mapping memory \S+ via .*)$/gm)].map((m) => m[1].replace(/\\/g, ''));
  return { warnings, errors, memoryMapping };
}

/**
 * Per-module figures (children before parents, top last, each with its instance count) and the
 * whole design's, with the LUT levels of the flattened design in `total.lutLevels`.
 */
function netlistFigures(netlist: JsonNetlist, top: string, lib: TargetLibrary, memoryBits: Map<string, number>): { modules: ModuleFigures[]; total: ModuleFigures; loopCells: number } {
  // Modules below the top, children first, with the number of times each occurs.
  const instances = new Map<string, number>();
  const visit = (name: string, count: number) => {
    instances.set(name, (instances.get(name) ?? 0) + count);
    for (const [child, n] of Object.entries(countTypes(netlist.modules[name], netlist).children)) visit(child, count * n);
  };
  visit(top, 1);
  // Post-order: every module after all of its children.
  const ordered: string[] = [];
  const place = (name: string) => {
    if (ordered.includes(name)) return;
    for (const child of Object.keys(countTypes(netlist.modules[name], netlist).children)) place(child);
    ordered.push(name);
  };
  place(top);

  const modules: ModuleFigures[] = [];
  const totalTypes: Record<string, number> = {};
  let totalMemory = 0;
  for (const name of ordered) {
    const { own, children } = countTypes(netlist.modules[name], netlist);
    const n = instances.get(name) ?? 1;
    const figures = figuresOf(name, own, lib, memoryBits.get(name) ?? 0, n);
    figures.submodules = Object.fromEntries(Object.entries(children).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    figures.lutLevels = longestLutPath(combinationalGraph(netlist, name, lib, false)).levels;
    modules.push(figures);
    for (const [t, c] of Object.entries(own)) totalTypes[t] = (totalTypes[t] ?? 0) + c * n;
    totalMemory += figures.memoryBits * n;
  }
  const flat = longestLutPath(combinationalGraph(netlist, top, lib, true));
  const total = figuresOf(top, totalTypes, lib, totalMemory, 1);
  total.lutLevels = flat.levels;
  return { modules, total, loopCells: flat.loopCells };
}

// ---------------------------------------------------------------------------------------- hierarchy

/** A module's name without Yosys's parameter prefix: "$paramod$ab3c…\x_gearbox" → "x_gearbox". */
export function baseModuleName(module: string): string {
  const m = /^\$paramod\$[0-9a-f]+\\(.*)$/.exec(module);
  if (m) return m[1];
  const p = /^\$paramod\\([^\\]+)\\/.exec(module);
  return p ? p[1] : module;
}

/**
 * One instance of `module` with all of its submodule instances included (the figures of the
 * report's rows are one instance without them): cells, LUTs, flip-flops, carry cells, memory bits,
 * DSPs, block RAMs and cell types summed over the hierarchy below it. `instances` is the module's
 * own count in the design; `lutLevels` is left out (a path through the hierarchy is not a sum).
 * Undefined if the report has no such module.
 */
export function inclusiveFigures(report: SynthReport, module: string): ModuleFigures | undefined {
  const byName = new Map(report.modules.map((m) => [m.module, m]));
  const root = byName.get(module);
  if (root === undefined) return undefined;
  const sum: ModuleFigures = { module, cells: 0, luts: 0, flipFlops: 0, carryCells: 0, memoryBits: 0, dsps: 0, blockRams: 0, instances: root.instances, cellTypes: {}, submodules: { ...(root.submodules ?? {}) } };
  const add = (name: string, count: number, depth: number) => {
    if (depth > 64) throw new Error(`module hierarchy deeper than 64 levels below ${module}`);
    const m = byName.get(name);
    if (m === undefined) throw new Error(`the synthesis report lists no module ${name}, instantiated below ${module}`);
    sum.cells += m.cells * count;
    sum.luts += m.luts * count;
    sum.flipFlops += m.flipFlops * count;
    sum.carryCells += m.carryCells * count;
    sum.memoryBits += m.memoryBits * count;
    sum.dsps += m.dsps * count;
    sum.blockRams += m.blockRams * count;
    for (const [t, c] of Object.entries(m.cellTypes)) sum.cellTypes[t] = (sum.cellTypes[t] ?? 0) + c * count;
    for (const [child, n] of Object.entries(m.submodules ?? {})) add(child, count * n, depth + 1);
  };
  add(module, 1, 0);
  sum.cellTypes = Object.fromEntries(Object.entries(sum.cellTypes).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return sum;
}

// ---------------------------------------------------------------------------------------- text

/** LUT sites each Xilinx LUT RAM or shift register primitive occupies (7-series, UG474). */
const LUT_RAM_SITES: Record<string, number> = {
  RAM32X1S: 1, RAM32X1D: 2, RAM32M: 4, RAM32M16: 8, RAM64X1S: 1, RAM64X1D: 2, RAM64M: 4, RAM64M8: 8,
  RAM128X1S: 2, RAM128X1D: 4, RAM256X1S: 4, SRL16E: 1, SRLC16E: 1, SRLC32E: 1,
};

/** LUT sites used as RAM or shift registers (Xilinx primitives), which `luts` does not count. */
export function lutRamSites(cellTypes: Record<string, number>): number {
  return Object.entries(cellTypes).reduce((n, [type, count]) => n + (LUT_RAM_SITES[type] ?? 0) * count, 0);
}

/** "$paramod$ab3c…\flexor_x_gearbox" → "flexor_x_gearbox (ab3c9024)": readable, still unique. */
export function displayName(module: string): string {
  const m = /^\$paramod\$([0-9a-f]+)\\(.*)$/.exec(module);
  if (m) return `${m[2]} [${m[1].slice(0, 8)}]`;
  const p = /^\$paramod\\([^\\]+)\\(.*)$/.exec(module);
  if (p) return `${p[1]} [${p[2].split('\\').map(readableParameter).join(' ')}]`;
  return module;
}

/** "W=s32'00000000000000000000000000001101" → "W=13"; other forms as they are. */
function readableParameter(assignment: string): string {
  const m = /^(\w+)=(s?)(\d+)'([01]+)$/.exec(assignment);
  if (!m) return assignment;
  const value = BigInt(`0b${m[4]}`);
  const signed = m[2] === 's' && m[4].length === Number(m[3]) && m[4][0] === '1';
  return `${m[1]}=${signed ? value - (1n << BigInt(m[3])) : value}`;
}

/** The report as a table: one row per module (figures of one instance), then the total. */
export function synthReportText(r: SynthReport): string {
  const lines: string[] = [];
  lines.push(`${r.top}: ${r.target}, Yosys ${r.yosysVersion.split(' ')[0]} (${r.yosys}), ${r.seconds.toFixed(1)} s -- ${r.ok ? 'OK' : 'FAILED'}`);
  if (r.cached) lines.push('from the synthesis cache: Yosys did not run (--no-cache or FLEXOR_NO_CACHE=1 runs it again; docs/SYNTH.md, "Cache")');
  const head = ['module', 'count', 'LUTs', 'FFs', 'carry', 'DSP', 'BRAM', 'mem bits', 'LUT levels', 'cells'];
  const row = (f: ModuleFigures, name: string) => [
    name,
    String(f.instances),
    String(f.luts),
    String(f.flipFlops),
    String(f.carryCells),
    String(f.dsps),
    String(f.blockRams),
    String(f.memoryBits),
    f.lutLevels === undefined ? '-' : String(f.lutLevels),
    String(f.cells),
  ];
  if (r.modules.length === 0) {
    for (const w of r.warnings) lines.push(`warning: ${w}`);
    for (const e of r.errors) lines.push(`error: ${e}`);
    return `${lines.join('\n')}\n`;
  }
  const rows = [...r.modules.map((m) => row(m, displayName(m.module))), row(r.total, 'total (all instances)')];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((x) => x[i].length)));
  const format = (cols: string[]) => cols.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  lines.push(format(head));
  lines.push(widths.map((w) => '-'.repeat(w)).join('  '));
  rows.slice(0, -1).forEach((x) => lines.push(format(x)));
  lines.push(widths.map((w) => '-'.repeat(w)).join('  '));
  lines.push(format(rows[rows.length - 1]));
  lines.push('');
  lines.push(`per module: one instance, its submodules not included; LUT levels of the flattened design: ${r.lutLevels}`);
  const types = Object.entries(r.total.cellTypes).map(([t, c]) => `${t} ${c}`);
  if (types.length > 0) lines.push(`cell types (total): ${types.join(', ')}`);
  const ramSites = lutRamSites(r.total.cellTypes);
  if (ramSites > 0) lines.push(`LUT RAM and shift registers: ${ramSites} LUT sites besides the ${r.total.luts} LUTs (not in the LUTs column)`);
  if (r.memories.length > 0) lines.push('', 'memories (where Yosys put each one):', ...memoryTableLines(r.memories, displayName), '');
  else if (r.memoryMapping.length > 0) lines.push(`memories: ${r.memoryMapping.join('; ')}`);
  for (const w of r.warnings) lines.push(`warning: ${w}`);
  for (const e of r.errors) lines.push(`error: ${e}`);
  return `${lines.join('\n')}\n`;
}

/** Where a report's figures come from: a Yosys run of this call, or the synthesis cache. */
export function synthesisOrigin(r: SynthReport): string {
  return r.cached ? 'from the synthesis cache (Yosys did not run; --no-cache runs it again)' : `Yosys ran (${r.seconds.toFixed(1)} s)`;
}

/**
 * `flexor asic`: an ASIC estimate of a generated design with an open 180 nm standard-cell library
 * (OSU 0.18 um, Debian's qflow-tech-osu018) and no PDK download (docs/IMPLEMENTATION.md, "ASIC
 * estimate"). Yosys maps the design to the library's cells (`synth`, `dfflibmap`, `abc -liberty`
 * with fanout buffering), hierarchy kept, and reports the cell area of every module; OpenSTA
 * (Debian's opensta, the command `sta`) finds the worst path and the shortest clock period.
 * Memories become flip-flops and logic (there is no memory compiler). No wires: no placement, no
 * wire load model (the library has none), ideal clock: an estimate of the logic, not of a chip.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../core/errors.js';
import { baseModuleName, designInputs, runYosysScript, type YosysKind } from './synth.js';

export const OSU018_LIB_PATH = '/usr/share/qflow/tech/osu018/osu018_stdcells.lib';
export const DEFAULT_ASIC_PERIOD_NS = 10;

export interface AsicOptions {
  /** The clock period OpenSTA checks against, in ns (default 10); the shortest period is reported either way. */
  periodNs?: number;
  yosys?: YosysKind;
  /** The Liberty file (default: $FLEXOR_OSU018_LIB or OSU018_LIB_PATH). */
  liberty?: string;
}

export interface AsicModule {
  /** The module's name (Yosys's, parameterized ones with their $paramod prefix). */
  module: string;
  /** How often it occurs below the top. */
  instances: number;
  /** Cell area of one instance, its submodules not included, in the library's unit (um^2). */
  area: number;
  /** One instance with everything below it. */
  inclusiveArea: number;
  cells: number;
  flipFlops: number;
  cellTypes: Record<string, number>;
  submodules: Record<string, number>;
}

/** A block of the top: one kind of submodule (all its instances, inclusive) or the top's own cells. */
export interface AsicBlock {
  name: string;
  instances: number;
  area: number;
  flipFlops: number;
}

export interface StaFigures {
  periodNs: number;
  startpoint: string;
  endpoint: string;
  arrivalNs: number;
  requiredNs: number;
  slackNs: number;
  met: boolean;
  /** The shortest period the worst path allows (period - slack) and its clock. */
  minPeriodNs: number;
  maxClockMhz: number;
  /** Total negative slack over all endpoints (0 when met). */
  tnsNs?: number;
  /** Whether the design has a clock port; without one, a virtual clock times input-to-output paths. */
  clockPort?: string;
}

export interface AsicReport {
  top: string;
  library: string;
  modules: AsicModule[];
  blocks: AsicBlock[];
  totalArea: number;
  totalCells: number;
  totalFlipFlops: number;
  sta?: StaFigures;
  staReport: string;
  yosysLog: string;
  errors: string[];
  ok: boolean;
  seconds: number;
}

export const ASIC_CAVEAT =
  'an estimate with the open 180 nm OSU 0.18 um standard cells (qflow-tech-osu018), without wires: no placement, no wire load, ideal clock; memories are flip-flops and logic (no memory compiler); docs/IMPLEMENTATION.md';

function libraryPath(options: AsicOptions): string {
  return options.liberty ?? process.env.FLEXOR_OSU018_LIB ?? OSU018_LIB_PATH;
}

/** Checks the tools before anything runs: an input error (exit 2) saying how to install what is missing. */
export function requireAsicTools(options: AsicOptions = {}): { liberty: string } {
  const liberty = libraryPath(options);
  const how = 'run `make asic-tools` (tools/install-asic-tools.sh: the Debian packages qflow-tech-osu018 and opensta)';
  if (!existsSync(liberty)) throw new InputError('asic', `the OSU 0.18 um library ${liberty} is missing; ${how}`);
  const sta = spawnSync('sh', ['-c', 'command -v sta'], { encoding: 'utf8' });
  if (sta.status !== 0) throw new InputError('asic', `OpenSTA (sta) is not on PATH; ${how}`);
  return { liberty };
}

export function checkAsicOptions(options: AsicOptions): number {
  const period = options.periodNs ?? DEFAULT_ASIC_PERIOD_NS;
  if (typeof period !== 'number' || !Number.isFinite(period) || period <= 0 || period > 1e6) {
    throw new InputError('--period-ns', `must be a number of ns above 0; got ${JSON.stringify(options.periodNs)}`);
  }
  return period;
}

/** The Yosys script: map to the library, keep the hierarchy, write the area statistics and the netlist. */
export function asicScript(top: string, sources: readonly string[], periodNs: number): string {
  const sv = sources.filter((s) => s.endsWith('.sv'));
  const v = sources.filter((s) => !s.endsWith('.sv'));
  return [
    `# flexor asic: OSU 0.18 um standard cells`,
    ...(sv.length > 0 ? [`read_verilog -sv -defer ${sv.join(' ')}`] : []),
    ...(v.length > 0 ? [`read_verilog -defer ${v.join(' ')}`] : []),
    `hierarchy -check -top ${top}`,
    '# memories become flip-flops and logic: there is no memory compiler',
    `synth -top ${top}`,
    'dfflibmap -liberty cells.lib',
    '# the delay target and the driving cell and load let ABC buffer high fanout nets',
    `abc -liberty cells.lib -constr abc.constr -D ${Math.round(periodNs * 1000)}`,
    'opt_clean -purge',
    '# a buffer between ports that are the same net: OpenSTA reads no concatenated assigns',
    'insbuf -buf BUFX2 A Y',
    `tee -q -o stat.json stat -json -liberty cells.lib -top ${top}`,
    'write_verilog -noattr -noexpr netlist.v',
    '',
  ].join('\n');
}

const ABC_CONSTRAINTS = 'set_driving_cell INVX1\nset_load 0.01\n';

/** Runs the estimate on the design in `dir`. */
export async function asicEstimate(dir: string, options: AsicOptions = {}): Promise<AsicReport> {
  const started = performance.now();
  const periodNs = checkAsicOptions(options);
  const design = designInputs(dir);
  const { liberty } = requireAsicTools(options);
  const inputs = new Map(design.inputs);
  inputs.set('cells.lib', readFileSync(liberty, 'utf8'));
  inputs.set('abc.constr', ABC_CONSTRAINTS);
  const run = await runYosysScript(options.yosys ?? 'embedded', inputs, asicScript(design.top, design.sources, periodNs), ['stat.json', 'netlist.v']);
  const base = { top: design.top, library: liberty, yosysLog: run.log, staReport: '' };
  const statText = run.outputs.get('stat.json');
  const netlist = run.outputs.get('netlist.v');
  if (run.code !== 0 || statText === undefined || netlist === undefined) {
    const errs = [...new Set([...run.log.matchAll(/^(.*ERROR: .*)$/gm)].map((m) => m[1].trim()))];
    return { ...base, modules: [], blocks: [], totalArea: 0, totalCells: 0, totalFlipFlops: 0, errors: [`yosys failed (exit status ${run.code}): ${errs.join('; ')}`], ok: false, seconds: (performance.now() - started) / 1000 };
  }
  const area = parseAreaStat(statText, design.top);
  const errors: string[] = [];
  const unmapped = Object.keys(area.cellTypes).filter((t) => t.startsWith('$'));
  if (unmapped.length > 0) errors.push(`cells not mapped to the library: ${unmapped.join(', ')}`);
  const ports = [...netlist.matchAll(/^\s*input\s+(?:\[[^\]]*\]\s*)?(\w+)\s*;/gm)].map((m) => m[1]);
  const clockPort = ports.find((p) => /^(clk|clk_i|clock|aclk|i_clk)$/.test(p));
  const sta = runSta(liberty, netlist, design.top, periodNs, clockPort);
  if (sta.figures === undefined) errors.push(`OpenSTA gave no worst path: ${sta.report.trim().split('\n').slice(-3).join(' ')}`);
  return {
    ...base,
    modules: area.modules,
    blocks: area.blocks,
    totalArea: area.totalArea,
    totalCells: area.totalCells,
    totalFlipFlops: area.totalFlipFlops,
    ...(sta.figures !== undefined ? { sta: sta.figures } : {}),
    staReport: sta.report,
    errors,
    ok: errors.length === 0,
    seconds: (performance.now() - started) / 1000,
  };
}

// ---------------------------------------------------------------------------------------- area

const FLIP_FLOP = /^(DFF|LATCH)/;

function unescape(name: string): string {
  return name.startsWith('\\') ? name.slice(1) : name;
}

/**
 * Per-module area from Yosys's `stat -json -liberty`: each module's own cells, its instances and
 * inclusive area over the hierarchy below `top`, and the blocks of the top.
 */
export function parseAreaStat(text: string, top: string): { modules: AsicModule[]; blocks: AsicBlock[]; totalArea: number; totalCells: number; totalFlipFlops: number; cellTypes: Record<string, number> } {
  const stat = JSON.parse(text) as { modules?: Record<string, { area?: number; num_cells_by_type?: Record<string, number> }> };
  const raw = new Map(Object.entries(stat.modules ?? {}).map(([k, v]) => [unescape(k), v]));
  if (!raw.has(top)) throw new Error(`the area statistics have no module ${top}`);
  const own = new Map<string, { area: number; cells: number; flipFlops: number; cellTypes: Record<string, number>; submodules: Record<string, number> }>();
  for (const [name, m] of raw) {
    const cellTypes: Record<string, number> = {};
    const submodules: Record<string, number> = {};
    for (const [t, c] of Object.entries(m.num_cells_by_type ?? {})) (raw.has(unescape(t)) ? submodules : cellTypes)[unescape(t)] = c;
    const cells = Object.values(cellTypes).reduce((a, b) => a + b, 0);
    const flipFlops = Object.entries(cellTypes).reduce((n, [t, c]) => n + (FLIP_FLOP.test(t) ? c : 0), 0);
    // stat's area of a module counts its own cells; submodule instances have no area of their own.
    own.set(name, { area: m.area ?? 0, cells, flipFlops, cellTypes, submodules });
  }
  const inclusive = new Map<string, { area: number; flipFlops: number }>();
  const incl = (name: string, depth: number): { area: number; flipFlops: number } => {
    if (depth > 64) throw new Error(`module hierarchy deeper than 64 levels below ${top}`);
    const known = inclusive.get(name);
    if (known) return known;
    const m = own.get(name);
    if (!m) throw new Error(`the area statistics have no module ${name}`);
    let area = m.area;
    let flipFlops = m.flipFlops;
    for (const [child, n] of Object.entries(m.submodules)) {
      const c = incl(child, depth + 1);
      area += c.area * n;
      flipFlops += c.flipFlops * n;
    }
    const r = { area, flipFlops };
    inclusive.set(name, r);
    return r;
  };
  const instances = new Map<string, number>();
  const order: string[] = [];
  const visit = (name: string, count: number, depth: number) => {
    if (depth > 64) throw new Error(`module hierarchy deeper than 64 levels below ${top}`);
    if (!instances.has(name)) order.push(name);
    instances.set(name, (instances.get(name) ?? 0) + count);
    for (const [child, n] of Object.entries(own.get(name)?.submodules ?? {})) visit(child, count * n, depth + 1);
  };
  visit(top, 1, 0);
  const modules: AsicModule[] = order.map((name) => {
    const m = own.get(name)!;
    return { module: name, instances: instances.get(name) ?? 1, area: m.area, inclusiveArea: incl(name, 0).area, cells: m.cells, flipFlops: m.flipFlops, cellTypes: m.cellTypes, submodules: m.submodules };
  });
  // Blocks: the top's own cells, then each kind of module the top instantiates (by base name, all variants).
  const topOwn = own.get(top)!;
  const blocks = new Map<string, AsicBlock>();
  blocks.set(top, { name: `${top} (own cells)`, instances: 1, area: topOwn.area, flipFlops: topOwn.flipFlops });
  for (const [child, n] of Object.entries(topOwn.submodules)) {
    const base = baseModuleName(child);
    const c = incl(child, 0);
    const b = blocks.get(base) ?? { name: base, instances: 0, area: 0, flipFlops: 0 };
    b.instances += n;
    b.area += c.area * n;
    b.flipFlops += c.flipFlops * n;
    blocks.set(base, b);
  }
  const cellTypes: Record<string, number> = {};
  let totalCells = 0;
  for (const m of modules) {
    for (const [t, c] of Object.entries(m.cellTypes)) cellTypes[t] = (cellTypes[t] ?? 0) + c * m.instances;
    totalCells += m.cells * m.instances;
  }
  const total = incl(top, 0);
  return { modules, blocks: [...blocks.values()], totalArea: total.area, totalCells, totalFlipFlops: total.flipFlops, cellTypes };
}

// ---------------------------------------------------------------------------------------- timing

/** The OpenSTA script: the clock on the clock port (or a virtual one), ports at 0 delay, the worst path. */
export function staScript(liberty: string, top: string, periodNs: number, clockPort: string | undefined): string {
  const clock = clockPort !== undefined ? `create_clock -name clk -period ${periodNs} [get_ports ${clockPort}]` : `create_clock -name clk -period ${periodNs}`;
  const inputs = clockPort !== undefined ? `[delete_from_list [all_inputs] [get_ports ${clockPort}]]` : '[all_inputs]';
  return [
    `read_liberty ${liberty}`,
    'read_verilog netlist.v',
    `link_design ${top}`,
    clock,
    `set_input_delay 0 -clock clk ${inputs}`,
    'set_output_delay 0 -clock clk [all_outputs]',
    'report_checks -path_delay max -digits 3',
    'report_tns',
    'exit',
    '',
  ].join('\n');
}

function runSta(liberty: string, netlist: string, top: string, periodNs: number, clockPort: string | undefined): { report: string; figures?: StaFigures } {
  const work = mkdtempSync(join(tmpdir(), 'flexor-sta-'));
  try {
    writeFileSync(join(work, 'netlist.v'), netlist);
    writeFileSync(join(work, 'sta.tcl'), staScript(liberty, top, periodNs, clockPort));
    const r = spawnSync('sta', ['-no_init', '-no_splash', '-exit', 'sta.tcl'], { cwd: work, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    const report = `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? `\n${r.error.message}` : ''}`;
    const figures = parseStaReport(report, periodNs);
    return { report, ...(figures !== undefined ? { figures: { ...figures, ...(clockPort !== undefined ? { clockPort } : {}) } } : {}) };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The worst path of OpenSTA's `report_checks` (and `report_tns`) output; undefined if it has none. */
export function parseStaReport(report: string, periodNs: number): StaFigures | undefined {
  const number = (re: RegExp) => {
    const m = re.exec(report);
    return m ? Number(m[1]) : undefined;
  };
  const slack = /^\s*(-?\d+(?:\.\d+)?)\s+slack \((MET|VIOLATED)\)/m.exec(report);
  const arrival = number(/^\s*(-?\d+(?:\.\d+)?)\s+data arrival time/m);
  const required = number(/^\s*(-?\d+(?:\.\d+)?)\s+data required time/m);
  if (!slack || arrival === undefined || required === undefined) return undefined;
  const slackNs = Number(slack[1]);
  const minPeriodNs = periodNs - slackNs;
  const tns = number(/^tns\s+(-?\d+(?:\.\d+)?)/m);
  return {
    periodNs,
    startpoint: /^Startpoint: (.*)$/m.exec(report)?.[1].trim() ?? '',
    endpoint: /^Endpoint: (.*)$/m.exec(report)?.[1].trim() ?? '',
    arrivalNs: arrival,
    requiredNs: required,
    slackNs,
    met: slack[2] === 'MET',
    minPeriodNs,
    maxClockMhz: minPeriodNs > 0 ? 1000 / minPeriodNs : Infinity,
    ...(tns !== undefined ? { tnsNs: tns } : {}),
  };
}

// ---------------------------------------------------------------------------------------- text

export function asicReportText(r: AsicReport): string {
  const lines: string[] = [];
  lines.push(`${r.top}: ASIC estimate, OSU 0.18 um standard cells, ${r.seconds.toFixed(1)} s -- ${r.ok ? 'OK' : 'FAILED'}`);
  lines.push(`note: ${ASIC_CAVEAT}`);
  if (r.modules.length > 0) {
    const head = ['block', 'count', 'area um^2', 'share', 'flip-flops'];
    const rows = r.blocks.map((b) => [b.name, String(b.instances), b.area.toFixed(0), `${((100 * b.area) / r.totalArea).toFixed(1)}%`, String(b.flipFlops)]);
    rows.push(['total', '1', r.totalArea.toFixed(0), '100.0%', String(r.totalFlipFlops)]);
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((x) => x[i].length)));
    const format = (cols: string[]) => cols.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
    lines.push(format(head));
    lines.push(widths.map((w) => '-'.repeat(w)).join('  '));
    rows.slice(0, -1).forEach((x) => lines.push(format(x)));
    lines.push(widths.map((w) => '-'.repeat(w)).join('  '));
    lines.push(format(rows[rows.length - 1]));
    lines.push(`a block: every instance of one module with its submodules (cell area); ${r.totalCells} cells, ${(r.totalArea / 1e6).toFixed(3)} mm^2 of cells`);
  }
  if (r.sta !== undefined) {
    const s = r.sta;
    lines.push(`worst path (OpenSTA, ${s.clockPort !== undefined ? `clock on ${s.clockPort}` : 'a virtual clock: inputs to outputs'}, ports at 0 ns): ${s.startpoint} -> ${s.endpoint}, ${s.arrivalNs.toFixed(3)} ns`);
    if (s.clockPort !== undefined) lines.push(`at ${s.periodNs} ns: slack ${s.slackNs.toFixed(3)} ns (${s.met ? 'met' : 'VIOLATED'}); shortest period ${s.minPeriodNs.toFixed(3)} ns: maximum clock ${s.maxClockMhz.toFixed(1)} MHz`);
    else lines.push(`combinational: the longest input-to-output path is ${s.minPeriodNs.toFixed(3)} ns (slack ${s.slackNs.toFixed(3)} ns at ${s.periodNs} ns); between registers it would allow about ${s.maxClockMhz.toFixed(0)} MHz, register delays not counted`);
  }
  for (const e of r.errors) lines.push(`error: ${e}`);
  return `${lines.join('\n')}\n`;
}

export function asicJson(dir: string, r: AsicReport): string {
  const { yosysLog: _y, staReport: _s, ...rest } = r;
  return `${JSON.stringify({ dir, caveat: ASIC_CAVEAT, ...rest }, null, 2)}\n`;
}

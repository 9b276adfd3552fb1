/**
 * `flexor pnr`: place and route of a generated design on an iCE40 (docs/IMPLEMENTATION.md). The
 * design goes inside the out-of-context wrapper (generator/rtl/ooc.ts), Yosys maps both with
 * `synth_ice40` (the ice40 target of flexor synth, hierarchy kept, the synthesis cache used), and
 * nextpnr-ice40 places and routes them with `--timing-allow-fail` (a missed clock is a figure, not
 * an error); the utilization and the post-route maximum clock come from nextpnr's JSON report.
 * With `bitstream`, icepack turns the routed design into a .bin.
 *
 * nextpnr-ice40 and icepack run inside Node from the npm package @yowasp/nextpnr-ice40 (about
 * 220 MB), which `npm ci` does not install: the first use installs it into tools/pnr/ from that
 * folder's package-lock.json (loadNextpnr).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { InputError } from '../core/errors.js';
import { DEVICE_PINS, PNR_DEVICES, oocWrapper, wrapperPcf, type DesignPort, type OocWrapper, type PnrDevice } from '../rtl/ooc.js';
import { pnrCacheDir, pnrCacheKey, readCacheEntry, writeCacheEntry } from './synthcache.js';
import { designInputs, runYosysScript, synthesizeSources, type DesignSources, type ModuleFigures, type SynthReport, type YosysKind } from './synth.js';

export const DEFAULT_PNR_CLOCK_MHZ = 100;

/**
 * Devices with DSP blocks: the UP5K has eight SB_MAC16 (16 x 16 multipliers with a 32-bit
 * accumulator), the HX8K none. Place and route maps multipliers into them (`synth_ice40 -dsp`).
 */
export const DEVICE_HAS_DSP: Record<PnrDevice, boolean> = { hx8k: false, up5k: true };
export const NEXTPNR_PACKAGE = '@yowasp/nextpnr-ice40';
/**
 * nextpnr's routers: router1, its default for iCE40, and router2. On some placements router1 makes
 * no progress (it rips up one net after another, the same count of arcs left, for as long as it is
 * let run); another seed or router2 routes them (docs/IMPLEMENTATION.md, "When routing does not end").
 */
export const PNR_ROUTERS = ['router1', 'router2'] as const;
export type PnrRouter = (typeof PNR_ROUTERS)[number];

export interface PnrOptions {
  device: PnrDevice;
  /** The clock nextpnr aims at (--freq), in MHz; default 100. The achieved clock is reported either way. */
  clockMhz?: number;
  /** nextpnr's placer seed (default 1): results vary a few percent from seed to seed. */
  seed?: number;
  /** nextpnr's router (default router1). */
  router?: PnrRouter;
  /** Also pack a bitstream (icepack): the report's `bitstream`. */
  bitstream?: boolean;
  yosys?: YosysKind;
  cache?: boolean;
}

/** One kind of site of the device: how many the design uses and how many there are. */
export interface SiteUse {
  used: number;
  available: number;
}

/** What nextpnr's --report JSON says: sites by kind, and per clock the achieved and asked maximum frequency. */
export interface NextpnrFigures {
  utilization: Record<string, SiteUse>;
  /** Per clock net: achieved post-route Fmax and the constraint, in MHz. */
  fmax: Record<string, { achievedMhz: number; constraintMhz: number }>;
}

export interface PnrReport {
  device: PnrDevice;
  package: string;
  /** The design's top, and the wrapper around it. */
  top: string;
  wrapper: {
    module: string;
    inputBits: number;
    outputBits: number;
    pins: Record<string, string>;
    /** The wrapper's own cells (its chains), from the synthesis: its cost in the utilization. */
    luts: number;
    flipFlops: number;
  };
  clockMhz: number;
  seed: number;
  router: PnrRouter;
  /** The design's clock (or, for a combinational design, the wrapper's): achieved post-route Fmax. */
  fmaxMhz?: number;
  /** fmaxMhz >= clockMhz. */
  met?: boolean;
  /**
   * LCs, RAM blocks, DSPs, I/O, global buffers... From nextpnr's report, or, when it failed, from
   * its log (the utilization after packing).
   */
  utilization: Record<string, SiteUse>;
  /** The sites a design too large for the device overuses (`ICESTORM_LC 10173 of 7680 (132%)`); empty when it fits. */
  overused: string[];
  /** Multipliers mapped to DSP blocks (SB_MAC16): `synth_ice40 -dsp`, on the UP5K. */
  dsp: boolean;
  figures: NextpnrFigures;
  /** The synthesis of the wrapped design (ice40, hierarchy kept). */
  synth: SynthReport;
  nextpnrVersion: string;
  /** nextpnr's whole log. */
  nextpnrLog: string;
  /** The pin constraints used. */
  pcf: string;
  /** The wrapper's RTL. */
  wrapperText: string;
  errors: string[];
  ok: boolean;
  seconds: number;
  /** True when nextpnr did not run: its run (log, report, routed design) came from the place-and-route cache. */
  cached: boolean;
  /** The packed bitstream, with `bitstream`. */
  bitstream?: Uint8Array;
}

/** The flags the errors of checkPnrOptions name: flexor pnr's own, or --pnr, --pnr-clock-mhz, --pnr-seed, --pnr-router of the other commands. */
export interface PnrFlagNames {
  device: string;
  clockMhz: string;
  seed: string;
  router: string;
}
export const PNR_FLAGS: PnrFlagNames = { device: '--device', clockMhz: '--clock-mhz', seed: '--seed', router: '--router' };

/** Checks the device and clock before anything runs (bad ones are input errors, exit status 2, naming `flags`). */
export function checkPnrOptions(options: Pick<PnrOptions, 'device' | 'clockMhz' | 'seed' | 'router'>, flags: PnrFlagNames = PNR_FLAGS): { device: PnrDevice; clockMhz: number; seed: number; router: PnrRouter } {
  if (!PNR_DEVICES.includes(options.device)) throw new InputError(flags.device, `must be one of ${PNR_DEVICES.join(', ')}; got ${JSON.stringify(options.device)}`);
  const clockMhz = options.clockMhz ?? DEFAULT_PNR_CLOCK_MHZ;
  if (typeof clockMhz !== 'number' || !Number.isFinite(clockMhz) || clockMhz <= 0 || clockMhz > 1000) {
    throw new InputError(flags.clockMhz, `must be a number of MHz above 0 and at most 1000; got ${JSON.stringify(options.clockMhz)}`);
  }
  const seed = options.seed ?? 1;
  if (!Number.isInteger(seed) || seed < 1 || seed > 2 ** 31 - 1) throw new InputError(flags.seed, `must be an integer from 1 to 2147483647; got ${JSON.stringify(options.seed)}`);
  const router = options.router ?? 'router1';
  if (!PNR_ROUTERS.includes(router)) throw new InputError(flags.router, `must be one of ${PNR_ROUTERS.join(', ')}; got ${JSON.stringify(options.router)}`);
  return { device: options.device, clockMhz, seed, router };
}

// ---------------------------------------------------------------------------------------- nextpnr's report

/** The figures of nextpnr's `--report` JSON (utilization and fmax; critical paths left out). */
export function parseNextpnrReport(text: string): NextpnrFigures {
  let json: { utilization?: Record<string, { used?: number; available?: number }>; fmax?: Record<string, { achieved?: number; constraint?: number }> };
  try {
    json = JSON.parse(text) as typeof json;
  } catch (e) {
    throw new Error(`nextpnr's report is not JSON: ${(e as Error).message}`);
  }
  if (typeof json.utilization !== 'object' || json.utilization === null) throw new Error("nextpnr's report has no utilization");
  const utilization: Record<string, SiteUse> = {};
  for (const [kind, u] of Object.entries(json.utilization)) utilization[kind] = { used: Number(u.used ?? 0), available: Number(u.available ?? 0) };
  const fmax: NextpnrFigures['fmax'] = {};
  for (const [clock, f] of Object.entries(json.fmax ?? {})) fmax[clock] = { achievedMhz: Number(f.achieved), constraintMhz: Number(f.constraint) };
  return { utilization, fmax };
}

/** The clock of the report that is the wrapper's `clk` (nextpnr names it after the net: clk$SB_IO_IN_$glb_clk). */
export function mainClock(figures: NextpnrFigures): string | undefined {
  const clocks = Object.keys(figures.fmax);
  return clocks.find((c) => /^clk(\$|$)/.test(c)) ?? clocks[0];
}

/**
 * The sites of the log's "Device utilisation" (printed after packing, before placement, so also
 * by a run that fails because the design does not fit).
 */
export function logUtilization(log: string): Record<string, SiteUse> {
  const utilization: Record<string, SiteUse> = {};
  for (const m of log.matchAll(/^Info:\s+(\w+):\s+(\d+)\/\s*(\d+)\s+\d+%$/gm)) utilization[m[1]] = { used: Number(m[2]), available: Number(m[3]) };
  return utilization;
}

/** Sites the log's "Device utilisation" lists above 100 %: `ICESTORM_LC 10173 of 7680 (132%)`. */
export function overUsed(log: string): string[] {
  return [...log.matchAll(/^Info:\s+(\w+):\s+(\d+)\/\s*(\d+)\s+(\d+)%$/gm)]
    .filter((m) => Number(m[2]) > Number(m[3]))
    .map((m) => `${m[1]} ${m[2]} of ${m[3]} (${m[4]}%)`);
}

// ---------------------------------------------------------------------------------------- the tool

interface NextpnrModule {
  runNextpnrIce40: (args: string[], files: Record<string, unknown>, options: object) => Promise<Record<string, unknown> | undefined>;
  runIcepack: (args: string[], files: Record<string, unknown>, options: object) => Promise<Record<string, unknown> | undefined>;
  version: string;
}

/** tools/pnr/ of the flexor-rtl folder: its package.json and package-lock.json pin the nextpnr package. */
export function pnrToolsDir(): string {
  return process.env.FLEXOR_PNR_TOOLS_DIR ?? fileURLToPath(new URL('../../../tools/pnr/', import.meta.url));
}

function bundlePath(toolsDir: string): string {
  return join(toolsDir, 'node_modules', '@yowasp', 'nextpnr-ice40', 'gen', 'bundle.js');
}

/** True when the nextpnr package is installed in tools/pnr/ (nothing is installed by asking). */
export function nextpnrInstalled(): boolean {
  return existsSync(bundlePath(pnrToolsDir()));
}

/**
 * The nextpnr package: from tools/pnr/, installed there first if missing (`npm ci` of that folder,
 * about 220 MB; FLEXOR_NO_TOOL_INSTALL=1 turns that off). An input error (exit 2) saying how to
 * install it when it cannot be had.
 */
export async function loadNextpnr(log: (line: string) => void = () => {}): Promise<NextpnrModule> {
  const dir = pnrToolsDir();
  const bundle = bundlePath(dir);
  if (!existsSync(bundle)) {
    const how = `install it with \`make pnr-tools\` (npm ci --prefix ${dir}) or see docs/IMPLEMENTATION.md`;
    if (process.env.FLEXOR_NO_TOOL_INSTALL && process.env.FLEXOR_NO_TOOL_INSTALL !== '0') {
      throw new InputError('pnr', `${NEXTPNR_PACKAGE} is not installed in ${dir} and FLEXOR_NO_TOOL_INSTALL is set; ${how}`);
    }
    if (!existsSync(join(dir, 'package-lock.json'))) throw new InputError('pnr', `${join(dir, 'package-lock.json')} is missing: cannot install ${NEXTPNR_PACKAGE}; ${how}`);
    log(`installing ${NEXTPNR_PACKAGE} (about 220 MB, once) into ${dir} ...`);
    const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund', '--prefix', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    if (r.status !== 0 || !existsSync(bundle)) {
      const why = (r.error?.message ?? `${r.stderr ?? ''}`.trim().split('\n').slice(-3).join(' ')) || `npm exit status ${r.status}`;
      throw new InputError('pnr', `could not install ${NEXTPNR_PACKAGE} into ${dir} (${why}); ${how}`);
    }
  }
  return (await import(pathToFileURL(bundle).href)) as NextpnrModule;
}

// ---------------------------------------------------------------------------------------- ports

/** The ports of a design's top in declaration order, from an elaboration in Yosys (no synthesis). */
export async function designPorts(design: DesignSources, yosys: YosysKind = 'embedded'): Promise<DesignPort[]> {
  const sv = design.sources.filter((s) => s.endsWith('.sv'));
  const v = design.sources.filter((s) => !s.endsWith('.sv'));
  const script = [
    ...(sv.length > 0 ? [`read_verilog -sv -defer ${sv.join(' ')}`] : []),
    ...(v.length > 0 ? [`read_verilog -defer ${v.join(' ')}`] : []),
    `hierarchy -top ${design.top}`,
    `select ${design.top}`,
    'write_rtlil -selected ports.il',
    '',
  ].join('\n');
  const run = await runYosysScript(yosys, design.inputs, script, ['ports.il']);
  const il = run.outputs.get('ports.il');
  if (run.code !== 0 || il === undefined) throw new Error(`Yosys could not elaborate ${design.top}: ${run.log.trim().split('\n').slice(-3).join(' ')}`);
  return parsePorts(il);
}

/** The ports of the first module of an RTLIL text: `wire width 128 input 3 \name` lines, by port number. */
export function parsePorts(rtlil: string): DesignPort[] {
  const ports: { n: number; port: DesignPort }[] = [];
  for (const m of rtlil.matchAll(/^\s*wire\s+(?:width\s+(\d+)\s+)?(?:(?:upto|signed|offset\s+-?\d+)\s+)*(input|output|inout)\s+(\d+)\s+\\(\S+)\s*$/gm)) {
    ports.push({ n: Number(m[3]), port: { name: m[4], direction: m[2] as DesignPort['direction'], width: m[1] === undefined ? 1 : Number(m[1]) } });
  }
  return ports.sort((a, b) => a.n - b.n).map((p) => p.port);
}

// ---------------------------------------------------------------------------------------- the flow

const decoder = new TextDecoder();
function text(file: unknown): string | undefined {
  if (typeof file === 'string') return file;
  if (file instanceof Uint8Array) return decoder.decode(file);
  return undefined;
}

/** Places and routes the design in `dir` inside the wrapper on `options.device`. */
export async function placeAndRoute(dir: string, options: PnrOptions, log: (line: string) => void = () => {}): Promise<PnrReport> {
  const started = performance.now();
  const { device, clockMhz, seed, router } = checkPnrOptions(options);
  const design = designInputs(dir);
  const tool = await loadNextpnr(log);
  const ports = await designPorts(design, options.yosys);
  const wrapper = oocWrapper(design.top, ports);
  const wrapped: DesignSources = {
    top: wrapper.module,
    sources: [...design.sources, wrapper.fileName],
    inputs: new Map([...design.inputs, [wrapper.fileName, wrapper.text]]),
  };
  log(`synthesizing ${design.top} in its wrapper ${wrapper.module} (${wrapper.inputBits} input and ${wrapper.outputBits} output bits on 4 pins) for ice40 ...`);
  const synth = await synthesizeSources(() => wrapped, { target: 'ice40', dsp: DEVICE_HAS_DSP[device], yosys: options.yosys, cache: options.cache, keepNetlist: true });
  const { netlist, ...synthReport } = synth;
  const own = synth.modules.find((m) => m.module === wrapper.module);
  const pcf = wrapperPcf(device);
  const base = baseReport(design.top, wrapper, own, device, { clockMhz, seed, router }, synthReport, pcf, tool.version);
  if (!synth.ok || netlist === undefined) return { ...base, errors: [...synth.errors], ok: false, seconds: (performance.now() - started) / 1000, cached: false };

  const args = [
    `--${device}`, '--package', DEVICE_PINS[device].package, '--json', 'netlist.json', '--pcf', 'pins.pcf',
    '--freq', String(clockMhz), '--seed', String(seed), '--router', router, '--timing-allow-fail', '--report', 'report.json', '--asc', 'routed.asc',
  ];
  const inputs = { 'netlist.json': netlist, 'pins.pcf': pcf };
  const cacheDir = options.cache === false ? undefined : pnrCacheDir();
  const key = pnrCacheKey({ nextpnrVersion: tool.version, args, files: new Map(Object.entries(inputs)) });
  const hit = cacheDir === undefined ? undefined : readCacheEntry(cacheDir, key);
  if (hit) log(`placed and routed before: nextpnr's run comes from the place-and-route cache (${cacheDir})`);
  else log(`placing and routing on iCE40 ${device.toUpperCase()} (${DEVICE_PINS[device].package}), aiming at ${clockMhz} MHz ...`);
  const nextpnrStarted = performance.now();
  const pnr = hit ? { code: hit.code, log: hit.log, files: Object.fromEntries(hit.outputs) as Record<string, unknown> } : await runTool(tool.runNextpnrIce40, args, inputs);
  const cacheWarning = hit || cacheDir === undefined ? undefined : storePnrRun(cacheDir, key, pnr, (performance.now() - nextpnrStarted) / 1000);
  const reportText = text(pnr.files?.['report.json']);
  if (pnr.code !== 0 || reportText === undefined) {
    const errors = [...new Set([...pnr.log.matchAll(/^ERROR: (.*)$/gm)].map((m) => m[1].trim()))];
    const over = overUsed(pnr.log);
    if (over.length > 0) errors.push(`the design does not fit: ${over.join(', ')} (nextpnr's log)`);
    return { ...base, utilization: logUtilization(pnr.log), overused: over, nextpnrLog: pnr.log, errors: [`nextpnr-ice40 failed (exit status ${pnr.code}): ${errors.join('; ') || pnr.log.trim().split('\n').slice(-2).join(' ')}`], ok: false, seconds: (performance.now() - started) / 1000, cached: false };
  }
  const figures = parseNextpnrReport(reportText);
  const clock = mainClock(figures);
  const fmaxMhz = clock === undefined ? undefined : figures.fmax[clock].achievedMhz;
  const report: PnrReport = {
    ...base,
    utilization: figures.utilization,
    figures,
    ...(fmaxMhz !== undefined ? { fmaxMhz, met: fmaxMhz >= clockMhz } : {}),
    nextpnrLog: pnr.log,
    errors: [],
    ok: true,
    seconds: 0,
    cached: hit !== undefined,
  };
  if (cacheWarning !== undefined) report.synth = { ...report.synth, warnings: [...report.synth.warnings, cacheWarning] };
  if (options.bitstream === true) {
    log('packing the bitstream (icepack) ...');
    const pack = await runTool(tool.runIcepack, ['routed.asc', 'bitstream.bin'], { 'routed.asc': pnr.files?.['routed.asc'] ?? '' });
    const bin = pack.files?.['bitstream.bin'];
    if (pack.code !== 0 || !(bin instanceof Uint8Array)) {
      report.errors.push(`icepack failed (exit status ${pack.code}): ${pack.log.trim().split('\n').slice(-2).join(' ')}`);
      report.ok = false;
    } else report.bitstream = bin;
  }
  report.seconds = (performance.now() - started) / 1000;
  return report;
}

function baseReport(
  top: string,
  wrapper: OocWrapper,
  own: ModuleFigures | undefined,
  device: PnrDevice,
  settings: { clockMhz: number; seed: number; router: PnrRouter },
  synth: SynthReport,
  pcf: string,
  version: string,
): Omit<PnrReport, 'errors' | 'ok' | 'seconds' | 'cached'> {
  return {
    device,
    package: DEVICE_PINS[device].package,
    top,
    wrapper: {
      module: wrapper.module,
      inputBits: wrapper.inputBits,
      outputBits: wrapper.outputBits,
      pins: { ...DEVICE_PINS[device].pins },
      luts: own?.luts ?? 0,
      flipFlops: own?.flipFlops ?? 0,
    },
    ...settings,
    utilization: {},
    overused: [],
    dsp: DEVICE_HAS_DSP[device],
    figures: { utilization: {}, fmax: {} },
    synth,
    nextpnrVersion: version,
    nextpnrLog: '',
    pcf,
    wrapperText: wrapper.text,
  };
}

type ToolCommand = NextpnrModule['runNextpnrIce40'];

/**
 * Stores a successful nextpnr run (its log, report and routed design) under `key`; a failed run is
 * not stored. Returns a warning when the cache cannot be written, else undefined.
 */
function storePnrRun(dir: string, key: string, run: { code: number; log: string; files?: Record<string, unknown> }, seconds: number): string | undefined {
  const report = text(run.files?.['report.json']);
  const routed = text(run.files?.['routed.asc']);
  if (run.code !== 0 || report === undefined || routed === undefined) return undefined;
  const why = writeCacheEntry(dir, key, { code: run.code, log: run.log, outputs: new Map([['report.json', report], ['routed.asc', routed]]), seconds });
  return why === undefined ? undefined : `place-and-route cache: could not store this run in ${dir} (${why}); FLEXOR_NO_CACHE=1 turns the cache off`;
}

/** Runs one tool of the package; its exit status, log and output files (also when it fails). */
async function runTool(command: ToolCommand, args: string[], files: Record<string, unknown>): Promise<{ code: number; log: string; files?: Record<string, unknown> }> {
  let log = '';
  const sink = (bytes: Uint8Array | null) => {
    if (bytes) log += decoder.decode(bytes, { stream: true });
  };
  try {
    const out = await command(args, files, { stdout: sink, stderr: sink });
    return { code: 0, log, files: out };
  } catch (e) {
    const exit = e as { code?: number; files?: Record<string, unknown> };
    // An error inside the tool (nextpnr's `ERROR:` on a design too large aborts the WebAssembly:
    // a RuntimeError without an exit status) is a failed run; its log says why.
    if (typeof exit.code !== 'number') return { code: -1, log: `${log}\n${(e as Error).name}: ${(e as Error).message}\n`, files: undefined };
    return { code: exit.code, log, files: exit.files };
  }
}

// ---------------------------------------------------------------------------------------- text

/** LCs the wrapper takes: one per flip-flop of its chains (a chain's mux LUT shares its flip-flop's LC). */
export function wrapperLcs(r: Pick<PnrReport, 'wrapper'>): number {
  return Math.max(r.wrapper.flipFlops, r.wrapper.luts);
}

/** The utilization lines: the sites the design uses, the wrapper's share, the clock. */
export function pnrReportText(r: PnrReport): string {
  const lines: string[] = [];
  lines.push(`${r.top}: iCE40 ${r.device.toUpperCase()} (${r.package}), nextpnr-ice40 ${r.nextpnrVersion} (${NEXTPNR_PACKAGE}), seed ${r.seed}, ${r.router}, ${r.seconds.toFixed(1)} s -- ${r.ok ? 'OK' : 'FAILED'}`);
  lines.push(
    `out of context: inside the wrapper ${r.wrapper.module} (docs/IMPLEMENTATION.md): ${r.wrapper.inputBits} input and ${r.wrapper.outputBits} output bits behind 4 pins (${Object.entries(r.wrapper.pins).map(([p, pin]) => `${p} ${pin}`).join(', ')})`,
  );
  lines.push(`the wrapper's own cells: ${r.wrapper.flipFlops} flip-flops and ${r.wrapper.luts} LUTs (the output chain's muxes, packed with their flip-flops): about ${wrapperLcs(r)} LCs, counted in the figures below`);
  if (Object.keys(r.utilization).length > 0) {
    const rows = Object.entries(r.utilization).map(([kind, u]) => [kind, String(u.used), String(u.available), u.available > 0 ? `${((100 * u.used) / u.available).toFixed(1)}%` : '-']);
    const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((x) => x[i].length), ['site', 'used', 'available', 'share'][i].length));
    const format = (cols: string[]) => cols.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
    lines.push(format(['site', 'used', 'available', 'share']));
    for (const row of rows) lines.push(format(row));
    const lc = r.utilization.ICESTORM_LC;
    if (lc !== undefined) lines.push(`the design without the wrapper: about ${Math.max(0, lc.used - wrapperLcs(r))} LCs of ${lc.available}`);
  }
  if (r.dsp) lines.push(`multipliers in DSP blocks (synth_ice40 -dsp): ${r.synth.total.dsps} SB_MAC16`);
  if (r.fmaxMhz !== undefined) {
    lines.push(`post-route maximum clock: ${r.fmaxMhz.toFixed(2)} MHz (nextpnr's report; aimed at ${r.clockMhz} MHz: ${r.met ? 'met' : 'MISSED'})`);
  }
  for (const [clock, f] of Object.entries(r.figures.fmax)) if (Object.keys(r.figures.fmax).length > 1) lines.push(`  clock ${clock}: ${f.achievedMhz.toFixed(2)} MHz`);
  if (r.cached) lines.push('from the place-and-route cache: nextpnr did not run (--no-cache or FLEXOR_NO_CACHE=1 runs it again; docs/IMPLEMENTATION.md)');
  for (const e of r.errors) lines.push(`error: ${e}`);
  return `${lines.join('\n')}\n`;
}

/** The report as JSON (the logs left out): `flexor pnr --json`. */
export function pnrJson(dir: string, r: PnrReport): string {
  const { nextpnrLog: _log, bitstream: _bin, wrapperText: _text, synth, ...rest } = r;
  const { yosysLog: _ylog, ...synthRest } = synth;
  return `${JSON.stringify({ dir, ...rest, synth: synthRest }, null, 2)}\n`;
}

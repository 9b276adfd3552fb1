/**
 * `flexor sweep`: a design-space sweep. Every point of the cartesian product of the axes (Nin,
 * Nout, nTap, planes, lanes, simd) is generated as a layer of one shape, written to a temporary
 * folder and synthesized; its hardware cost and storage figures become one SweepResult. Points run
 * in parallel, each in a worker process (this module forked with --sweep-worker), and every
 * result is appended to a state file as it arrives, so an interrupted sweep resumes where it
 * stopped. docs/SWEEP.md describes the outputs.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '../core/errors.js';
import { generateLayer } from '../rtl/layer/generate.js';
import { writeDesignFiles } from '../rtl/output.js';
import { macArrayLuts } from './targets.js';
import { DEFAULT_SYNTH_TARGET, SYNTH_TARGETS, synthesizeDesign, type SynthTarget } from '../eda/synth.js';
import { readManifest } from '../formats/manifest.js';
import { escapeXml } from './svg.js';

export interface SweepAxes {
  nIn: number[];
  nOut: number[];
  nTap: number[];
  planes: number[];
  lanes: number[];
  simd: number[];
}

export interface SweepPoint {
  nIn: number;
  nOut: number;
  nTap: number;
  planes: number;
  lanes: number;
  simd: number;
}

export interface SweepResult extends SweepPoint {
  /** Identifies the point with the shape, seed and target: the state file's key. */
  key: string;
  /** Encrypted bits stored per weight: planes * Nin / Nout. */
  bitsPerWeight: number;
  /** Bits of the weight memory the RTL declares (depth x word width, duplicates and padding included). */
  memoryBits: number;
  /** Encrypted bits of the trained layer: planes * slices * Nin. */
  trainedBits: number;
  luts: number;
  flipFlops: number;
  lutLevels: number;
  /** LUTs of the XOR decoder modules (/_dec_p\d+$/), all instances. */
  decoderLuts: number;
  /** LUTs of the MAC array (`<top>_mac` with its cells). */
  macLuts: number;
  /** macLuts per binary MAC of a step (lanes * simd * planes); docs/SYNTH.md, "Targets". */
  lutsPerMac: number;
  cyclesPerVector: number;
  /** Wall-clock seconds of the point: generation, writing and synthesis. */
  seconds: number;
  /** Why the point has no figures (generation failed, Yosys failed or reported errors). */
  error?: string;
}

export interface SkippedPoint {
  point: SweepPoint;
  reason: string;
}

export interface SweepOptions {
  /** [Cout, Cin, kh, kw] or [out, in], as for generate layer. */
  shape: number[];
  axes: SweepAxes;
  seed?: number;
  target?: SynthTarget;
  /** Points synthesized at once (default os.availableParallelism()). */
  jobs?: number;
  /** JSON lines, one SweepResult each; points already there (without error) are not recomputed. */
  stateFile: string;
  /** After each point; `cached` is true for points read back from the state file. */
  onProgress?: (done: number, total: number, last?: SweepResult, cached?: boolean) => void;
}

const AXES = ['nIn', 'nOut', 'nTap', 'planes', 'lanes', 'simd'] as const;
const AXIS_FLAGS: Record<(typeof AXES)[number], string> = {
  nIn: '--nin',
  nOut: '--nout',
  nTap: '--ntap',
  planes: '--planes',
  lanes: '--lanes',
  simd: '--simd',
};

function checkAxes(axes: SweepAxes): void {
  for (const axis of AXES) {
    const values = axes[axis];
    if (!Array.isArray(values) || values.length === 0) throw new InputError(AXIS_FLAGS[axis], 'needs at least one value');
    for (const v of values) {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
        throw new InputError(AXIS_FLAGS[axis], `values must be positive integers; got ${JSON.stringify(v)}`);
      }
    }
  }
}

function unique(values: readonly number[]): number[] {
  return [...new Set(values)];
}

/**
 * The cartesian product of the axes (each axis's values in the order given, duplicates dropped;
 * nIn varies slowest, simd fastest), split into valid points and skipped ones with the reason:
 * Nin > Nout, nTap > Nin, and, when the shape is given, lanes > N or simd > K.
 */
export function planSweep(axes: SweepAxes, shape?: readonly number[]): { points: SweepPoint[]; skipped: SkippedPoint[] } {
  checkAxes(axes);
  const n = shape?.[0];
  const k = shape ? shape.slice(1).reduce((x, y) => x * y, 1) : undefined;
  const points: SweepPoint[] = [];
  const skipped: SkippedPoint[] = [];
  for (const nIn of unique(axes.nIn))
    for (const nOut of unique(axes.nOut))
      for (const nTap of unique(axes.nTap))
        for (const planes of unique(axes.planes))
          for (const lanes of unique(axes.lanes))
            for (const simd of unique(axes.simd)) {
              const point = { nIn, nOut, nTap, planes, lanes, simd };
              const reason =
                nIn > nOut ? `Nin ${nIn} > Nout ${nOut}`
                : nTap > nIn ? `nTap ${nTap} > Nin ${nIn}`
                : n !== undefined && lanes > n ? `lanes ${lanes} > N ${n}`
                : k !== undefined && simd > k ? `simd ${simd} > K ${k}`
                : undefined;
              if (reason === undefined) points.push(point);
              else skipped.push({ point, reason });
            }
  return { points, skipped };
}

/** The valid points of the product (see planSweep; `skipped` says how many were left out). */
export function sweepPoints(axes: SweepAxes, shape?: readonly number[]): SweepPoint[] & { skipped: number } {
  const plan = planSweep(axes, shape);
  return Object.assign(plan.points, { skipped: plan.skipped.length });
}

/** "4x16/s1/generic/i4-o8-t2-q1-p1-g1": the point with everything else that changes its figures. */
export function sweepKey(shape: readonly number[], seed: number, target: SynthTarget, p: SweepPoint): string {
  return `${shape.join('x')}/s${seed}/${target}/i${p.nIn}-o${p.nOut}-t${p.nTap}-q${p.planes}-p${p.lanes}-g${p.simd}`;
}

// ---------------------------------------------------------------------------------------- one point

interface PointJob {
  shape: number[];
  seed: number;
  target: SynthTarget;
  point: SweepPoint;
  key: string;
}

/** Generates, writes and synthesizes one point; never throws (a failure becomes `error`). */
export async function runSweepPoint(job: PointJob): Promise<SweepResult> {
  const started = performance.now();
  const { point, shape, seed, target, key } = job;
  const result: SweepResult = {
    ...point,
    key,
    bitsPerWeight: (point.planes * point.nIn) / point.nOut,
    memoryBits: 0,
    trainedBits: 0,
    luts: 0,
    flipFlops: 0,
    lutLevels: 0,
    decoderLuts: 0,
    macLuts: 0,
    lutsPerMac: 0,
    cyclesPerVector: 0,
    seconds: 0,
  };
  const parent = mkdtempSync(join(tmpdir(), 'flexor-sweep-'));
  try {
    const design = generateLayer({ shape, seed, nIn: point.nIn, nOut: point.nOut, nTap: point.nTap, planes: point.planes, lanes: point.lanes, simd: point.simd, vectors: 1, weights: 'rom', hdl: 'sv' });
    const dir = join(parent, 'design');
    writeDesignFiles(dir, design.files, false);
    const manifest = readManifest(dir) as unknown as { storage: { memoryBits: number; trainedBits: number }; throughput: { cyclesPerVector: number } };
    result.memoryBits = manifest.storage.memoryBits;
    result.trainedBits = manifest.storage.trainedBits;
    result.cyclesPerVector = manifest.throughput.cyclesPerVector;
    const synth = await synthesizeDesign(dir, { target });
    result.luts = synth.total.luts;
    result.flipFlops = synth.total.flipFlops;
    result.lutLevels = synth.lutLevels;
    result.decoderLuts = synth.modules.filter((m) => /_dec_p\d+$/.test(m.module)).reduce((n, m) => n + m.luts * m.instances, 0);
    result.macLuts = macArrayLuts(synth, design.top) ?? 0;
    result.lutsPerMac = Number((result.macLuts / (point.lanes * point.simd * point.planes)).toFixed(3));
    if (!synth.ok) result.error = synth.errors.join('; ');
  } catch (error) {
    result.error = error instanceof Error ? error.message : String(error);
  } finally {
    rmSync(parent, { recursive: true, force: true });
  }
  result.seconds = Number(((performance.now() - started) / 1000).toFixed(3));
  return result;
}

// ---------------------------------------------------------------------------------------- workers

const WORKER_FLAG = '--sweep-worker';
const THIS_FILE = fileURLToPath(import.meta.url);

type ToWorker = { job: PointJob } | { exit: true };
type FromWorker = { result: SweepResult };

/** The worker: takes jobs from the parent one at a time until told to exit. */
if (process.argv[2] === WORKER_FLAG && process.send) {
  // The parent went away (interrupted sweep): stop too.
  process.on('disconnect', () => process.exit(0));
  process.on('message', (message: ToWorker) => {
    if ('exit' in message) {
      process.disconnect();
      return;
    }
    void runSweepPoint(message.job).then((result) => process.send!({ result } satisfies FromWorker));
  });
}

/** Reads the results already in the state file, by key; malformed lines (an interrupted write) are ignored. */
export function readSweepState(stateFile: string): Map<string, SweepResult> {
  const done = new Map<string, SweepResult>();
  if (!existsSync(stateFile)) return done;
  for (const line of readFileSync(stateFile, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    try {
      const r = JSON.parse(line) as SweepResult;
      if (typeof r.key === 'string') done.set(r.key, r);
    } catch {
      // A line cut short by an interrupted run: that point is computed again.
    }
  }
  return done;
}

/**
 * Runs every point of the sweep that the state file does not already hold (without error), `jobs`
 * at a time in worker processes, appending each result to the state file as it finishes. Returns
 * one result per valid point, in the order of sweepPoints.
 */
export async function runSweep(options: SweepOptions): Promise<SweepResult[]> {
  const seed = options.seed ?? 1;
  const target = options.target ?? DEFAULT_SYNTH_TARGET;
  if (!SYNTH_TARGETS.includes(target)) throw new InputError('--target', `must be one of ${SYNTH_TARGETS.join(', ')}; got ${JSON.stringify(target)}`);
  const jobs = options.jobs ?? availableParallelism();
  if (!Number.isInteger(jobs) || jobs < 1) throw new InputError('--jobs', `must be a positive integer; got ${JSON.stringify(jobs)}`);
  const shape = [...options.shape];
  const points = sweepPoints(options.axes, shape);
  const stateFile = resolve(options.stateFile);
  mkdirSync(dirname(stateFile), { recursive: true });
  // A previous run cut short mid-line: start ours on a line of its own.
  if (existsSync(stateFile)) {
    const text = readFileSync(stateFile, 'utf8');
    if (text.length > 0 && !text.endsWith('\n')) appendFileSync(stateFile, '\n');
  }
  const state = readSweepState(stateFile);

  const total = points.length;
  const results = new Array<SweepResult | undefined>(total);
  let done = 0;
  const queue: { index: number; job: PointJob }[] = [];
  points.forEach((point, index) => {
    const key = sweepKey(shape, seed, target, point);
    const cached = state.get(key);
    if (cached !== undefined && cached.error === undefined) {
      results[index] = cached;
      done++;
      options.onProgress?.(done, total, cached, true);
    } else {
      queue.push({ index, job: { shape, seed, target, point, key } });
    }
  });

  const finished = (index: number, result: SweepResult) => {
    results[index] = result;
    appendFileSync(stateFile, `${JSON.stringify(result)}\n`);
    done++;
    options.onProgress?.(done, total, result, false);
  };

  const workerCount = Math.min(jobs, queue.length);
  const children: ChildProcess[] = [];
  let failed = true;
  try {
    await Promise.all(
      Array.from({ length: workerCount }, async () => {
        const child = fork(THIS_FILE, [WORKER_FLAG], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
        children.push(child);
        let current: { index: number; job: PointJob } | undefined;
        await new Promise<void>((resolvePool, rejectPool) => {
          const next = () => {
            current = queue.shift();
            if (current === undefined) {
              child.send({ exit: true } satisfies ToWorker);
              resolvePool();
            } else {
              child.send({ job: current.job } satisfies ToWorker);
            }
          };
          child.on('message', (message: FromWorker) => {
            if (current !== undefined) finished(current.index, message.result);
            next();
          });
          child.on('error', rejectPool);
          child.on('exit', (code, signal) => {
            if (current !== undefined) {
              const c = current;
              current = undefined;
              rejectPool(new Error(`sweep worker for ${c.job.key} exited (${signal ?? `status ${code}`}) before reporting`));
            }
          });
          next();
        });
      }),
    );
    failed = false;
  } finally {
    // On a failure, stop the workers still busy; otherwise each exits by itself after { exit }.
    if (failed) for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill();
  }
  return results.map((r) => r!);
}

// ---------------------------------------------------------------------------------------- CSV

const CSV_COLUMNS: (keyof SweepResult)[] = [
  'key', 'nIn', 'nOut', 'nTap', 'planes', 'lanes', 'simd', 'bitsPerWeight', 'memoryBits', 'trainedBits',
  'luts', 'flipFlops', 'lutLevels', 'decoderLuts', 'macLuts', 'lutsPerMac', 'cyclesPerVector', 'seconds', 'error',
];

function csvField(value: unknown): string {
  if (value === undefined || value === null) return '';
  const text = typeof value === 'number' ? String(Number(value.toPrecision(12))) : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A header line, then one line per result (RFC 4180 quoting). */
export function sweepCsv(results: readonly SweepResult[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const r of results) lines.push(CSV_COLUMNS.map((c) => csvField(r[c])).join(','));
  return `${lines.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------- SVG


const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

/** "Nice" tick values covering [lo, hi]: steps of 1, 2 or 5 times a power of ten. */
function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  const raw = (hi - lo) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const ticks: number[] = [];
  for (let t = Math.floor(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  if (ticks[ticks.length - 1] < hi) ticks.push(Number((ticks[ticks.length - 1] + step).toPrecision(12)));
  return ticks;
}

function tickLabel(v: number): string {
  if (Math.abs(v) >= 1e6) return `${Number((v / 1e6).toPrecision(4))}M`;
  if (Math.abs(v) >= 1e4) return `${Number((v / 1e3).toPrecision(4))}k`;
  return String(Number(v.toPrecision(4)));
}

interface Panel {
  title: string;
  yLabel: string;
  value: (r: SweepResult) => number;
}

/**
 * LUTs (left) and weight-memory bits (right) against bits per weight, one series per nTap (its own
 * colour, one legend entry). Every point is a dot; each series' line joins its smallest value at
 * each bits-per-weight (the cheapest lanes/simd/Nout there). Points with an error are left out.
 */
export function sweepSvg(results: readonly SweepResult[]): string {
  const ok = results.filter((r) => r.error === undefined);
  const taps = [...new Set(ok.map((r) => r.nTap))].sort((a, b) => a - b);
  const colour = (t: number) => PALETTE[taps.indexOf(t) % PALETTE.length];
  const panels: Panel[] = [
    { title: 'LUTs', yLabel: 'LUTs', value: (r) => r.luts },
    { title: 'Weight memory', yLabel: 'memory bits', value: (r) => r.memoryBits },
  ];
  const pw = 360;
  const ph = 260;
  const margin = { left: 70, right: 20, top: 40, bottom: 50 };
  const panelWidth = margin.left + pw + margin.right;
  const legendHeight = 24 + 18 * Math.max(1, taps.length);
  const width = panelWidth * panels.length;
  const height = margin.top + ph + margin.bottom + legendHeight;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`);
  out.push(`<title>FleXOR sweep: LUTs and memory bits against bits per weight</title>`);
  out.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`);
  const xs = ok.map((r) => r.bitsPerWeight);
  const xTicks = niceTicks(Math.min(0, ...xs), xs.length ? Math.max(...xs) : 1);
  panels.forEach((panel, pi) => {
    const ox = pi * panelWidth + margin.left;
    const oy = margin.top;
    const ys = ok.map(panel.value);
    const yTicks = niceTicks(0, ys.length ? Math.max(...ys) : 1);
    const [x0, x1] = [xTicks[0], xTicks[xTicks.length - 1]];
    const [y0, y1] = [yTicks[0], yTicks[yTicks.length - 1]];
    const px = (v: number) => ox + ((v - x0) / (x1 - x0 || 1)) * pw;
    const py = (v: number) => oy + ph - ((v - y0) / (y1 - y0 || 1)) * ph;
    const f = (v: number) => v.toFixed(1);
    out.push(`<g class="panel" data-panel="${escapeXml(panel.title)}">`);
    out.push(`<text x="${f(ox + pw / 2)}" y="${oy - 16}" text-anchor="middle" font-size="13" font-weight="bold">${escapeXml(panel.title)}</text>`);
    for (const t of yTicks) {
      out.push(`<line x1="${f(ox)}" y1="${f(py(t))}" x2="${f(ox + pw)}" y2="${f(py(t))}" stroke="#e0e0e0"/>`);
      out.push(`<line x1="${f(ox - 4)}" y1="${f(py(t))}" x2="${f(ox)}" y2="${f(py(t))}" stroke="#000000"/>`);
      out.push(`<text x="${f(ox - 6)}" y="${f(py(t) + 4)}" text-anchor="end">${escapeXml(tickLabel(t))}</text>`);
    }
    for (const t of xTicks) {
      out.push(`<line x1="${f(px(t))}" y1="${f(oy + ph)}" x2="${f(px(t))}" y2="${f(oy + ph + 4)}" stroke="#000000"/>`);
      out.push(`<text x="${f(px(t))}" y="${f(oy + ph + 16)}" text-anchor="middle">${escapeXml(tickLabel(t))}</text>`);
    }
    out.push(`<line x1="${f(ox)}" y1="${f(oy + ph)}" x2="${f(ox + pw)}" y2="${f(oy + ph)}" stroke="#000000"/>`);
    out.push(`<line x1="${f(ox)}" y1="${f(oy)}" x2="${f(ox)}" y2="${f(oy + ph)}" stroke="#000000"/>`);
    out.push(`<text x="${f(ox + pw / 2)}" y="${f(oy + ph + 36)}" text-anchor="middle">bits per weight (planes x Nin / Nout)</text>`);
    out.push(`<text x="${f(ox - 52)}" y="${f(oy + ph / 2)}" text-anchor="middle" transform="rotate(-90 ${f(ox - 52)} ${f(oy + ph / 2)})">${escapeXml(panel.yLabel)}</text>`);
    for (const t of taps) {
      const series = ok.filter((r) => r.nTap === t);
      const best = new Map<number, number>();
      for (const r of series) best.set(r.bitsPerWeight, Math.min(best.get(r.bitsPerWeight) ?? Infinity, panel.value(r)));
      const line = [...best.entries()].sort((a, b) => a[0] - b[0]).map(([x, y]) => `${f(px(x))},${f(py(y))}`).join(' ');
      out.push(`<polyline class="series" data-ntap="${t}" points="${line}" fill="none" stroke="${colour(t)}" stroke-width="1.5"/>`);
      for (const r of series) {
        out.push(
          `<circle cx="${f(px(r.bitsPerWeight))}" cy="${f(py(panel.value(r)))}" r="3" fill="${colour(t)}"><title>${escapeXml(`${r.key}: ${panel.yLabel} ${panel.value(r)}`)}</title></circle>`,
        );
      }
    }
    out.push('</g>');
  });
  const ly = margin.top + ph + margin.bottom + 8;
  out.push(`<g class="legend">`);
  out.push(`<text x="${margin.left}" y="${ly + 6}" font-weight="bold">nTap</text>`);
  if (taps.length === 0) out.push(`<text x="${margin.left + 40}" y="${ly + 6}">no results without errors</text>`);
  taps.forEach((t, i) => {
    const y = ly + 18 * (i + 1);
    out.push(`<g class="legend-entry" data-ntap="${t}"><line x1="${margin.left}" y1="${y}" x2="${margin.left + 24}" y2="${y}" stroke="${colour(t)}" stroke-width="2"/><circle cx="${margin.left + 12}" cy="${y}" r="3" fill="${colour(t)}"/><text x="${margin.left + 32}" y="${y + 4}">nTap = ${t}</text></g>`);
  });
  out.push('</g>');
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

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
import type { OutputFile } from '../formats/files.js';
import { sweepSvg } from './svg.js';
import { checkPnrSettings, pnrEvidence, type PnrFigures, type PnrSettings } from './pnrfigures.js';

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
  /** With `pnr`: the post-route figures of the point (a design that does not fit has `fits` false, no error). */
  pnr?: PnrFigures;
  /** Why the point has no figures (generation failed, Yosys failed or reported errors, place and route failed). */
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
  /** Reuse cached synthesis runs (default true; docs/SYNTH.md, "Cache"). */
  cache?: boolean;
  /** Points synthesized at once (default os.availableParallelism()). */
  jobs?: number;
  /** Also place and route every point on this iCE40 (flexor pnr's flow): each result's `pnr`. */
  pnr?: PnrSettings;
  /** JSON lines, one SweepResult each; points already there (without error) are not recomputed. */
  stateFile: string;
  /** Before any point runs: the valid points and the skipped ones with the reason (planSweep). */
  onPlan?: (plan: { points: SweepPoint[]; skipped: SkippedPoint[] }) => void;
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

/**
 * "4x16/s1/generic/i4-o8-t2-q1-p1-g1": the point with everything else that changes its figures;
 * with place and route, its settings after it: ".../pnr-hx8k-f100-s1".
 */
export function sweepKey(shape: readonly number[], seed: number, target: SynthTarget, p: SweepPoint, pnr?: Required<PnrSettings>): string {
  const point = `${shape.join('x')}/s${seed}/${target}/i${p.nIn}-o${p.nOut}-t${p.nTap}-q${p.planes}-p${p.lanes}-g${p.simd}`;
  // router1, the default, leaves the key as it was before routers could be chosen.
  return pnr === undefined ? point : `${point}/pnr-${pnr.device}-f${pnr.clockMhz}-s${pnr.seed}${pnr.router === 'router1' ? '' : `-${pnr.router}`}`;
}

// ---------------------------------------------------------------------------------------- one point

interface PointJob {
  shape: number[];
  seed: number;
  target: SynthTarget;
  cache: boolean;
  point: SweepPoint;
  key: string;
  pnr?: Required<PnrSettings>;
}

/** Generates, writes and synthesizes one point; never throws (a failure becomes `error`). */
export async function runSweepPoint(job: PointJob): Promise<SweepResult> {
  const started = performance.now();
  const { point, shape, seed, target, cache, key } = job;
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
    const synth = await synthesizeDesign(dir, { target, cache });
    result.luts = synth.total.luts;
    result.flipFlops = synth.total.flipFlops;
    result.lutLevels = synth.lutLevels;
    result.decoderLuts = synth.modules.filter((m) => /_dec_p\d+$/.test(m.module)).reduce((n, m) => n + m.luts * m.instances, 0);
    result.macLuts = macArrayLuts(synth, design.top) ?? 0;
    result.lutsPerMac = Number((result.macLuts / (point.lanes * point.simd * point.planes)).toFixed(3));
    if (!synth.ok) result.error = synth.errors.join('; ');
    else if (job.pnr !== undefined) await pointPnr(dir, job.pnr, cache, result);
  } catch (error) {
    result.error = error instanceof Error ? error.message : String(error);
  } finally {
    rmSync(parent, { recursive: true, force: true });
  }
  result.seconds = Number(((performance.now() - started) / 1000).toFixed(3));
  return result;
}

/** Places and routes a point: its `pnr`, or its `error` when place and route failed (not fitting is a figure). */
async function pointPnr(dir: string, pnr: Required<PnrSettings>, cache: boolean, result: SweepResult): Promise<void> {
  result.pnr = await pnrEvidence(dir, pnr, { cache });
  if (!result.pnr.ok) result.error = `place and route: ${result.pnr.errors.join('; ')}`;
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
 * Long: the worker pool, its queue, the progress callbacks and the state file share one loop's state.
 */
export async function runSweep(options: SweepOptions): Promise<SweepResult[]> {
  const seed = options.seed ?? 1;
  const target = options.target ?? DEFAULT_SYNTH_TARGET;
  if (!SYNTH_TARGETS.includes(target)) throw new InputError('--target', `must be one of ${SYNTH_TARGETS.join(', ')}; got ${JSON.stringify(target)}`);
  const pnr = options.pnr === undefined ? undefined : checkPnrSettings(options.pnr);
  const jobs = options.jobs ?? availableParallelism();
  if (!Number.isInteger(jobs) || jobs < 1) throw new InputError('--jobs', `must be a positive integer; got ${JSON.stringify(jobs)}`);
  const shape = [...options.shape];
  const plan = planSweep(options.axes, shape);
  options.onPlan?.(plan);
  const points = plan.points;
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
    const key = sweepKey(shape, seed, target, point, pnr);
    const cached = state.get(key);
    if (cached !== undefined && cached.error === undefined) {
      results[index] = cached;
      done++;
      options.onProgress?.(done, total, cached, true);
    } else {
      queue.push({ index, job: { shape, seed, target, cache: options.cache ?? true, point, key, ...(pnr !== undefined ? { pnr } : {}) } });
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

/** The place-and-route columns (a sweep with --pnr), before `seconds`: empty where a point has no such figure. */
const PNR_CSV_COLUMNS: [string, (f: PnrFigures) => unknown][] = [
  ['pnrDevice', (f) => f.device],
  ['fits', (f) => f.fits],
  ['fmaxMhz', (f) => f.fmaxMhz],
  ['lcs', (f) => f.lcs?.used],
  ['lcsAvailable', (f) => f.lcs?.available],
  ['ebrs', (f) => f.ebrs?.used],
  ['dsps', (f) => f.dsps?.used],
];

/**
 * A header line, then one line per result (RFC 4180 quoting). When any result has place-and-route
 * figures, their columns (PNR_CSV_COLUMNS) come before `seconds`.
 */
export function sweepCsv(results: readonly SweepResult[]): string {
  const withPnr = results.some((r) => r.pnr !== undefined);
  const split = CSV_COLUMNS.indexOf('seconds');
  const before = withPnr ? CSV_COLUMNS.slice(0, split) : CSV_COLUMNS;
  const after = withPnr ? CSV_COLUMNS.slice(split) : [];
  const pnrColumns = withPnr ? PNR_CSV_COLUMNS : [];
  const lines = [[...before, ...pnrColumns.map(([name]) => name), ...after].join(',')];
  for (const r of results) {
    const pnr = pnrColumns.map(([, get]) => csvField(r.pnr === undefined ? undefined : get(r.pnr)));
    lines.push([...before.map((c) => csvField(r[c])), ...pnr, ...after.map((c) => csvField(r[c]))].join(','));
  }
  return `${lines.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------- folder

/** The files `flexor sweep` writes beside its state file, in `folder`: sweep.csv, sweep.json, sweep.svg. */
export function sweepFiles(folder: string, results: readonly SweepResult[]): OutputFile[] {
  return [
    { path: join(folder, 'sweep.csv'), contents: sweepCsv(results) },
    { path: join(folder, 'sweep.json'), contents: `${JSON.stringify(results, null, 2)}\n` },
    { path: join(folder, 'sweep.svg'), contents: sweepSvg(results) },
  ];
}

/**
 * `flexor sweep -o FOLDER`: runs the sweep with its state in FOLDER/sweep.jsonl (so a second run
 * resumes it) and returns the results with the files to write beside it (sweepFiles).
 */
export async function sweepIntoFolder(folder: string, options: Omit<SweepOptions, 'stateFile'>): Promise<{ results: SweepResult[]; files: OutputFile[] }> {
  const results = await runSweep({ ...options, stateFile: join(folder, 'sweep.jsonl') });
  return { results, files: sweepFiles(folder, results) };
}

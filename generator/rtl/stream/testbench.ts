/**
 * The generic testbench of a stream block: one input stream, one output stream, vectors from the
 * block's behavioural model. `streamTestbench` renders templates/stream/tb_stream.hbs and writes
 * its vector files (docs/STREAMS.md, "The stream-block testbench"):
 *
 * - `tb/in.hex`, `tb/expected.hex`: one beat per line, `tdata` in hex (most significant digit
 *   first, as many digits as the port's width needs), a space, then `tlast` (0 or 1);
 * - `tb/describe.hex` (with `describeBeat`): for each output beat of an image, the numbers that
 *   say where it lies in the tensor, printed beside a mismatch.
 *
 * The testbench drives the input with seeded LFSR `tvalid` gaps and the output with seeded LFSR
 * `tready` back-pressure for the first `stallImages` images, then runs the rest at full speed and,
 * from all of them but the first, prints `cycles per <unit>: X` and `latency: X cycles ...`; a watchdog fails the run when nothing
 * moves; it ends with `N passed, N failed` (one check per output beat), as `flexor verify` expects.
 */
import type { StreamBeat } from '../../core/streams.js';
import { testRandom } from '../../core/prng.js';
import type { GeneratedFile, HeaderView } from '../design.js';
import { resetKeywords, type ResetStyle } from '../hdl.js';
import { render } from '../templates.js';

/** Random streams of the stream blocks' testbenches (docs/STREAMS.md): valid gaps and ready back-pressure. */
export const STREAM_VALID_STREAM = 97;
export const STREAM_READY_STREAM = 98;

/** Mismatches printed before the testbench only counts them. */
export const STREAM_MAX_REPORT = 8;
/** Default bound of cycles without a beat moving on either stream. */
export const STREAM_WATCHDOG = 1000;
/** Cycles waited after the last expected beat: any beat then is a failure. */
export const STREAM_TAIL = 32;

/** One stream port of the block under test. */
export interface StreamPortSpec {
  /** Port prefix: `s_axis_fm` gives s_axis_fm_tdata, _tvalid, _tready, _tlast. */
  readonly prefix: string;
  /** Width of tdata in bits. */
  readonly dataBits: number;
  /** Whether the port has tlast (default true). An input's tlast is driven from in.hex. */
  readonly last?: boolean;
}

/**
 * Where an output beat lies, printed with a mismatch: `format` is a $display format with one
 * `%0d` per number, `values(beatInImage)` the numbers (non-negative, below 2^32).
 */
export interface BeatDescription {
  readonly format: string;
  readonly values: (beatInImage: number) => readonly number[];
}

/** One image (tensor) through the block: the beats in, and the beats the model expects out. */
export interface StreamImage {
  readonly input: readonly StreamBeat[];
  readonly output: readonly StreamBeat[];
}

export interface StreamTestbenchSpec {
  readonly header: HeaderView;
  /** The testbench module, usually tb_<dut>. */
  readonly module: string;
  readonly dut: string;
  readonly reset: ResetStyle;
  readonly input: StreamPortSpec;
  readonly output: StreamPortSpec;
  /**
   * Every image in order; all with the same beat counts. The last `images - stallImages` (at
   * least 3) run at full speed: the first of them settles the block, the others are measured.
   */
  readonly images: readonly StreamImage[];
  readonly stallImages: number;
  /** Seeds the LFSRs (streams STREAM_VALID_STREAM and STREAM_READY_STREAM of testRandom). */
  readonly seed: number;
  /** What an image is called in the messages and the figure line: `cycles per <unit>` (default image). */
  readonly unit?: string;
  readonly describeBeat?: BeatDescription;
  /** Cycles without a beat moving on either stream before the run fails (default STREAM_WATCHDOG). */
  readonly watchdogCycles?: number;
}

/** What a manifest records about a stream testbench; `vectors` is the number of checks (output beats). */
export interface StreamTestbenchManifest {
  readonly top: string;
  readonly fileList: string;
  readonly vectorFiles: readonly string[];
  readonly vectors: number;
  readonly images: number;
  readonly stallImages: number;
  readonly inBeatsPerImage: number;
  readonly outBeatsPerImage: number;
  readonly watchdogCycles: number;
  readonly format: string;
}

export interface StreamTestbench {
  /** tb/<module>.sv, tb/in.hex, tb/expected.hex and, with describeBeat, tb/describe.hex. */
  readonly files: readonly GeneratedFile[];
  readonly manifest: StreamTestbenchManifest;
  /** One line for a README. */
  readonly summary: string;
}

export const BEAT_FILE_FORMAT = 'one beat per line: tdata in hex, a space, tlast (0 or 1)';

/** A non-zero 32-bit LFSR seed, as 8 hex digits. */
function lfsrSeed(seed: number, stream: number): string {
  return (testRandom(seed, stream).nextUint32() || 1).toString(16).padStart(8, '0');
}

/** The lines of a beat file: tdata in ceil(width/4) hex digits, a space, tlast. */
export function beatLines(beats: readonly StreamBeat[], width: number, field: string): string {
  const digits = Math.max(1, Math.ceil(width / 4));
  return beats
    .map((b, i) => {
      if (b.data < 0n || b.data >> BigInt(width) !== 0n) throw new RangeError(`${field} beat ${i}: tdata ${b.data.toString(16)} does not fit ${width} bits`);
      return `${b.data.toString(16).padStart(digits, '0')} ${b.last ? 1 : 0}`;
    })
    .join('\n') + '\n';
}

function checkSpec(spec: StreamTestbenchSpec): { inPer: number; outPer: number } {
  const { images } = spec;
  if (images.length === 0) throw new RangeError('streamTestbench: no images');
  const inPer = images[0].input.length;
  const outPer = images[0].output.length;
  if (inPer === 0 || outPer === 0) throw new RangeError('streamTestbench: an image needs input and output beats');
  images.forEach((image, i) => {
    if (image.input.length !== inPer || image.output.length !== outPer) {
      throw new RangeError(`streamTestbench: image ${i} has ${image.input.length}/${image.output.length} beats, image 0 ${inPer}/${outPer}`);
    }
  });
  if (!Number.isInteger(spec.stallImages) || spec.stallImages < 0 || images.length - spec.stallImages < 3) {
    throw new RangeError(`streamTestbench: ${images.length} images with ${spec.stallImages} stalled leave fewer than 3 at full speed`);
  }
  for (const port of [spec.input, spec.output]) {
    if (!/^[sm]_axis_[a-z][a-z0-9_]*$/.test(port.prefix)) throw new RangeError(`streamTestbench: bad port prefix ${port.prefix}`);
    if (!Number.isInteger(port.dataBits) || port.dataBits < 1) throw new RangeError(`streamTestbench: bad width ${port.dataBits}`);
  }
  if (spec.output.last === false && images.some((im) => im.output.some((b) => b.last))) {
    throw new RangeError('streamTestbench: expected beats carry tlast but the output has none');
  }
  return { inPer, outPer };
}

function describeFile(describe: BeatDescription, outPer: number): { count: number; text: string } {
  const rows = Array.from({ length: outPer }, (_, b) => describe.values(b));
  const count = rows[0].length;
  if (describe.format.length > 80) throw new RangeError(`streamTestbench: describeBeat format longer than 80 characters: ${describe.format}`);
  const placeholders = (describe.format.match(/%0d/g) ?? []).length;
  if (count === 0 || placeholders !== count || /%(?!0d)/.test(describe.format) || /["\\]/.test(describe.format)) {
    throw new RangeError(`streamTestbench: describeBeat format "${describe.format}" needs one %0d per number (${count}) and no other % or quotes`);
  }
  const text = rows
    .map((row, b) => {
      if (row.length !== count || row.some((v) => !Number.isInteger(v) || v < 0 || v >= 2 ** 32)) {
        throw new RangeError(`streamTestbench: describeBeat(${b}) must give ${count} integers in [0, 2^32)`);
      }
      return row.map((v) => v.toString(16)).join(' ');
    })
    .join('\n');
  return { count, text: `${text}\n` };
}

/** The testbench, its vector files and what the manifest records of them. */
export function streamTestbench(spec: StreamTestbenchSpec): StreamTestbench {
  const { inPer, outPer } = checkSpec(spec);
  const unit = spec.unit ?? 'image';
  const images = spec.images.length;
  const inBeats = spec.images.flatMap((im) => im.input);
  const outBeats = spec.images.flatMap((im) => im.output);
  const watchdog = spec.watchdogCycles ?? STREAM_WATCHDOG;
  const describe = spec.describeBeat ? describeFile(spec.describeBeat, outPer) : undefined;
  const rst = resetKeywords(spec.reset);
  const view = {
    header: spec.header,
    module: spec.module,
    dut: spec.dut,
    ...rst,
    inPrefix: spec.input.prefix,
    outPrefix: spec.output.prefix,
    inBits: spec.input.dataBits,
    outBits: spec.output.dataBits,
    inLast: spec.input.last ?? true,
    outLast: spec.output.last ?? true,
    images,
    stallImages: spec.stallImages,
    fastImages: images - spec.stallImages,
    inPerImage: inPer,
    outPerImage: outPer,
    inBeats: inBeats.length,
    outBeats: outBeats.length,
    maxReport: STREAM_MAX_REPORT,
    watchdog,
    tail: STREAM_TAIL,
    unit,
    describe: describe ? { count: describe.count, format: spec.describeBeat!.format } : false,
    describeArgs: describe ? Array.from({ length: describe.count }, (_, i) => i) : [],
    seedValid: lfsrSeed(spec.seed, STREAM_VALID_STREAM),
    seedReady: lfsrSeed(spec.seed, STREAM_READY_STREAM),
  };
  const files: GeneratedFile[] = [
    { path: `tb/${spec.module}.sv`, role: 'testbench', contents: render('stream/tb_stream', view) },
    { path: 'tb/in.hex', role: 'vectors', contents: beatLines(inBeats, spec.input.dataBits, 'in.hex') },
    { path: 'tb/expected.hex', role: 'vectors', contents: beatLines(outBeats, spec.output.dataBits, 'expected.hex') },
  ];
  if (describe) files.push({ path: 'tb/describe.hex', role: 'vectors', contents: describe.text });
  return {
    files,
    manifest: {
      top: spec.module,
      fileList: `${spec.module}.f`,
      vectorFiles: files.filter((f) => f.role === 'vectors').map((f) => f.path),
      vectors: outBeats.length,
      images,
      stallImages: spec.stallImages,
      inBeatsPerImage: inPer,
      outBeatsPerImage: outPer,
      watchdogCycles: watchdog,
      format: BEAT_FILE_FORMAT,
    },
    summary: `Testbench: ${images} ${unit}s (${inPer} beats in, ${outPer} out each), ${spec.stallImages} with seeded tvalid gaps and tready back-pressure, ${images - spec.stallImages} at full speed; every output beat checked (tdata and tlast).`,
  };
}

/**
 * Describes the beats of a feature-map stream `h x w x c` of beat `p` (any h: the beat index in an
 * image gives it): `pixel (y, x), channels c0..c1`.
 */
export function featureMapDescription(w: number, c: number, p: number): BeatDescription {
  const perPixel = Math.ceil(c / p);
  return {
    format: 'pixel (%0d, %0d), channels %0d..%0d',
    values: (beat) => {
      const pixel = Math.floor(beat / perPixel);
      const c0 = (beat % perPixel) * p;
      return [Math.floor(pixel / w), pixel % w, c0, Math.min(c, c0 + p) - 1];
    },
  };
}

/** Describes the beats of a vector stream of `k` values, beat `s`: `vector v, elements k0..k1`. */
export function vectorDescription(k: number, s: number): BeatDescription {
  const perVector = Math.ceil(k / s);
  return {
    format: 'vector %0d, elements %0d..%0d',
    values: (beat) => {
      const k0 = (beat % perVector) * s;
      return [Math.floor(beat / perVector), k0, Math.min(k, k0 + s) - 1];
    },
  };
}

/** One image through a block of several streams: the beats into each input, expected from each output. */
export interface MultiStreamImage {
  readonly inputs: readonly (readonly StreamBeat[])[];
  readonly outputs: readonly (readonly StreamBeat[])[];
}

export interface MultiStreamTestbenchSpec {
  readonly header: HeaderView;
  readonly module: string;
  readonly dut: string;
  readonly reset: ResetStyle;
  /** The input ports (vector files in_<i>.hex) and output ports (expected_<i>.hex); all with tlast. */
  readonly inputs: readonly StreamPortSpec[];
  readonly outputs: readonly StreamPortSpec[];
  /** Every image in order, the same beat counts per port; at least 3 at full speed. */
  readonly images: readonly MultiStreamImage[];
  readonly stallImages: number;
  readonly seed: number;
  readonly unit?: string;
  readonly watchdogCycles?: number;
}

/**
 * The testbench of a block with several input or output streams (a fork, an add;
 * templates/stream/tb_multi.hbs): a source per input and a sink per output, each with its own
 * LFSR (streams STREAM_VALID_STREAM + 2i and STREAM_READY_STREAM + 2i); the figures from the
 * first input and the first output.
 */
export function multiStreamTestbench(spec: MultiStreamTestbenchSpec): StreamTestbench {
  const images = spec.images.length;
  if (images - spec.stallImages < 3 || spec.stallImages < 0) throw new RangeError(`multiStreamTestbench: ${images} images with ${spec.stallImages} stalled leave fewer than 3 at full speed`);
  const per = (side: 'inputs' | 'outputs', i: number) => {
    const n = spec.images[0][side][i].length;
    spec.images.forEach((im, v) => {
      if (im[side][i].length !== n) throw new RangeError(`multiStreamTestbench: image ${v} has ${im[side][i].length} beats on ${side} ${i}, image 0 ${n}`);
    });
    if (n === 0) throw new RangeError(`multiStreamTestbench: no beats on ${side} ${i}`);
    return n;
  };
  const unit = spec.unit ?? 'image';
  const port = (side: 'inputs' | 'outputs', p: StreamPortSpec, i: number) => {
    const perImage = per(side, i);
    const input = side === 'inputs';
    const file = input ? `in_${i}.hex` : `expected_${i}.hex`;
    const stream = (input ? STREAM_VALID_STREAM : STREAM_READY_STREAM) + 2 * i;
    return { index: i, prefix: p.prefix, dataBits: p.dataBits, perImage, beats: perImage * images, file, seed: lfsrSeed(spec.seed, stream), first: i === 0, wire: `${input ? 'i' : 'o'}${i}` };
  };
  const inputs = spec.inputs.map((p, i) => port('inputs', p, i));
  const outputs = spec.outputs.map((p, i) => port('outputs', p, i));
  const rst = resetKeywords(spec.reset);
  const sum = (names: string[]) => names.join(' + ');
  const view = {
    header: spec.header, module: spec.module, dut: spec.dut, ...rst, unit, images, stallImages: spec.stallImages, fastImages: images - spec.stallImages,
    maxReport: STREAM_MAX_REPORT, watchdog: spec.watchdogCycles ?? STREAM_WATCHDOG, tail: STREAM_TAIL,
    inputs, outputs, ports: [...inputs, ...outputs],
    totalOut: outputs.reduce((n, o) => n + o.beats, 0),
    outPerImageSum: sum(outputs.map((o) => `O${o.index}_PER`)),
    receivedSum: sum(outputs.map((o) => `o${o.index}_received`)),
    passedSum: sum(outputs.map((o) => `o${o.index}_passed`)),
    failedSum: sum(outputs.map((o) => `o${o.index}_failed`)),
    moved: [...inputs.map((p) => `(i${p.index}_tvalid && i${p.index}_tready)`), ...outputs.map((p) => `(o${p.index}_tvalid && o${p.index}_tready)`)].join(' ||\n                 '),
  };
  const files: GeneratedFile[] = [{ path: `tb/${spec.module}.sv`, role: 'testbench', contents: render('stream/tb_multi', view) }];
  inputs.forEach((p, i) => files.push({ path: `tb/${p.file}`, role: 'vectors', contents: beatLines(spec.images.flatMap((im) => im.inputs[i]), p.dataBits, p.file) }));
  outputs.forEach((p, i) => files.push({ path: `tb/${p.file}`, role: 'vectors', contents: beatLines(spec.images.flatMap((im) => im.outputs[i]), p.dataBits, p.file) }));
  return {
    files,
    manifest: {
      top: spec.module, fileList: `${spec.module}.f`, vectorFiles: files.filter((f) => f.role === 'vectors').map((f) => f.path), vectors: view.totalOut, images,
      stallImages: spec.stallImages, inBeatsPerImage: inputs[0].perImage, outBeatsPerImage: outputs[0].perImage, watchdogCycles: view.watchdog, format: BEAT_FILE_FORMAT,
    },
    summary: `Testbench: ${images} ${unit}s through ${inputs.length} input and ${outputs.length} output streams (${inputs.map((p) => `${p.perImage} beats into ${p.prefix}`).join(', ')}; ${outputs.map((p) => `${p.perImage} out of ${p.prefix}`).join(', ')} each), ${spec.stallImages} with seeded tvalid gaps and tready back-pressure on every stream, ${images - spec.stallImages} at full speed; every output beat checked (tdata and tlast).`,
  };
}

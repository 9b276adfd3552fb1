/**
 * `generateFifo`: an AXI4-Stream FIFO of any stream (docs/STREAMS.md, "FIFO"): `depth` beats in a
 * memory plus a registered output beat, one beat per cycle, no combinational path through it.
 */
import { requireInteger } from '../../core/errors.js';
import { testRandom } from '../../core/prng.js';
import { drawWord, STREAM_DATA_STREAM, type StreamBeat } from '../../core/streams.js';
import { clog2 } from '../hdl.js';
import { blockHeader, blockModuleName, blockRtl, blockView, commonSettings, FAST_IMAGES, packageStreamBlock, type BlockFigures, type StreamBlockCommonOptions, type StreamBlockDesign } from './package.js';

export const MAX_FIFO_DEPTH = 1 << 16;
export const MAX_STREAM_BITS = 4096;

export interface FifoOptions extends StreamBlockCommonOptions {
  /** Width of tdata in bits (1 to 4096). */
  readonly dataBits: number;
  /** Beats the memory holds: any integer from 2 to 65536 (powers of two map best to LUT RAM). */
  readonly depth: number;
  /** Beats per test image (a tlast on each image's last beat); default 2 * depth + 3. */
  readonly beatsPerImage?: number;
}

/** The FIFO's figures: one beat per cycle; (depth + 1) beats of {tlast, tdata}; depth + 1 cycles at most. */
export function fifoFigures(dataBits: number, depth: number, beatsPerImage: number): BlockFigures {
  return { idealCyclesPerImage: beatsPerImage, bufferBits: (depth + 1) * (dataBits + 1), latencyBound: depth + 1 };
}

/** The test images: image 0 starts with all-ones and all-zeros beats, the rest is seeded. */
function fifoImages(seed: number, dataBits: number, beats: number, count: number): { input: StreamBeat[]; output: StreamBeat[] }[] {
  const rng = testRandom(seed, STREAM_DATA_STREAM);
  const ones = (1n << BigInt(dataBits)) - 1n;
  return Array.from({ length: count }, (_, image) => {
    const input = Array.from({ length: beats }, (_, b) => {
      const data = image === 0 && b === 0 ? ones : image === 0 && b === 1 ? 0n : drawWord(rng, dataBits);
      return { data, last: b === beats - 1 };
    });
    return { input, output: input };
  });
}

export function generateFifo(options: FifoOptions): StreamBlockDesign {
  const settings = commonSettings(options);
  const dataBits = requireInteger('dataBits', options.dataBits, 1, MAX_STREAM_BITS);
  const depth = requireInteger('depth', options.depth, 2, MAX_FIFO_DEPTH);
  const beatsPerImage = requireInteger('beatsPerImage', options.beatsPerImage ?? 2 * depth + 3, 1, 1 << 20);
  const config = { kind: 'stream-fifo', dataBits, depth, beatsPerImage, ...settings };
  const top = blockModuleName(settings, `flexor_fifo_w${dataBits}_d${depth}`);
  const figures = fifoFigures(dataBits, depth, beatsPerImage);
  const header = blockHeader('generateFifo', config, [
    `AXI4-Stream FIFO: ${dataBits}-bit tdata and tlast, ${depth} beats in memory and one in the output register.`,
  ]);
  const ptrBits = Math.max(1, clog2(depth));
  const countBits = clog2(depth + 1);
  const view = {
    ...blockView(settings, header, top, [
      { name: 'W', value: dataBits },
      { name: 'DEPTH', value: depth },
    ]),
    dataBits,
    depth,
    ptrBits,
    countBits,
    lastPtr: `${ptrBits}'d${depth - 1}`,
    zeroPtr: `${ptrBits}'d0`,
    onePtr: `${ptrBits}'d1`,
    full: `${countBits}'d${depth}`,
    one: `${countBits}'d1`,
    zeroCount: `${countBits}'d0`,
  };
  const images = fifoImages(settings.seed, dataBits, beatsPerImage, settings.stallImages + FAST_IMAGES);
  return packageStreamBlock({
    kind: 'stream-fifo',
    header,
    top,
    settings,
    config,
    rtl: [blockRtl(settings, 'fifo', view)],
    testbench: {
      input: { prefix: 's_axis_in', dataBits },
      output: { prefix: 'm_axis_out', dataBits },
      images,
      watchdogCycles: Math.max(1000, 4 * figures.latencyBound),
    },
    description: `AXI4-Stream FIFO, ${dataBits} bits, depth ${depth}`,
    summary: [
      `FIFO: ${dataBits}-bit tdata and tlast; ${depth} beats in a memory (LUT RAM) plus the registered output beat: up to ${depth + 1} beats.`,
    ],
    figures,
    details: { ports: { in: 's_axis_in', out: 'm_axis_out' }, capacityBeats: depth + 1 },
  });
}

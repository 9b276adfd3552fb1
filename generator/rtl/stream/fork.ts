/**
 * `generateFork`: a stream to two copies of it (docs/STREAMS.md, "Fork"): the fork of a feature
 * map with two consumers (a residual block's branch and bypass). Each output has its own output
 * register; a beat enters when both registers can take it.
 */
import { requireInteger } from '../../core/errors.js';
import { testRandom } from '../../core/prng.js';
import { drawWord, STREAM_DATA_STREAM, type StreamBeat } from '../../core/streams.js';
import { MAX_STREAM_BITS } from './fifo.js';
import { blockHeader, blockModuleName, blockRtl, blockView, commonSettings, FAST_IMAGES, packageStreamBlock, type BlockFigures, type StreamBlockCommonOptions, type StreamBlockDesign } from './package.js';

export interface ForkOptions extends StreamBlockCommonOptions {
  /** Width of tdata in bits (1 to 4096). */
  readonly dataBits: number;
  /** Beats per test image (a tlast on each image's last beat); default 12. */
  readonly beatsPerImage?: number;
}

/** One beat per cycle; two output registers of {tlast, tdata}; 1 cycle of latency. */
export function forkFigures(dataBits: number, beatsPerImage: number): BlockFigures {
  return { idealCyclesPerImage: beatsPerImage, bufferBits: 2 * (dataBits + 1), latencyBound: 1 };
}

export function generateFork(options: ForkOptions): StreamBlockDesign {
  const settings = commonSettings(options);
  const dataBits = requireInteger('dataBits', options.dataBits, 1, MAX_STREAM_BITS);
  const beatsPerImage = requireInteger('beatsPerImage', options.beatsPerImage ?? 12, 1, 1 << 20);
  const config = { kind: 'stream-fork', dataBits, beatsPerImage, ...settings };
  const top = blockModuleName(settings, `flexor_fork_w${dataBits}`);
  const figures = forkFigures(dataBits, beatsPerImage);
  const header = blockHeader('generateFork', config, [`Stream fork: ${dataBits}-bit tdata and tlast to two outputs, each with its own output register.`]);
  const view = { ...blockView(settings, header, top, [{ name: 'W', value: dataBits }]), dataBits };
  const rng = testRandom(settings.seed, STREAM_DATA_STREAM);
  const images = Array.from({ length: settings.stallImages + FAST_IMAGES }, () => {
    const beats: StreamBeat[] = Array.from({ length: beatsPerImage }, (_, b) => ({ data: drawWord(rng, dataBits), last: b === beatsPerImage - 1 }));
    return { inputs: [beats], outputs: [beats, beats] };
  });
  return packageStreamBlock({
    kind: 'stream-fork',
    header,
    top,
    settings,
    config,
    rtl: [blockRtl(settings, 'fork', view)],
    testbench: {
      inputs: [{ prefix: 's_axis_in', dataBits }],
      outputs: [{ prefix: 'm_axis_a', dataBits }, { prefix: 'm_axis_b', dataBits }],
      images,
    },
    description: `AXI4-Stream fork, ${dataBits} bits`,
    summary: [`Fork: ${dataBits}-bit tdata and tlast copied to m_axis_a and m_axis_b; a beat enters when both output registers can take it.`],
    figures,
    details: { ports: { in: 's_axis_in', out: ['m_axis_a', 'm_axis_b'] } },
  });
}

/**
 * `flexor network`: a chained network (a manifest with `input`) as one streaming accelerator; a
 * list of independent layers as one design folder per layer (docs/NETWORK.md).
 */
import { InputError } from '../../core/errors.js';
import { IMAGE_LAYOUTS, type ImageLayout } from '../../core/network.js';
import { isChainedManifest, readManifestDocument } from '../../formats/networkfile.js';
import { HDLS, RESET_STYLES, type Hdl, type ResetStyle } from '../../rtl/hdl.js';
import { MEMORY_STYLES, type MemoryStyle } from '../../rtl/layer/generate.js';
import { generateNetworkAccelerator } from '../../rtl/network/generate.js';
import { generateNetwork } from '../../rtl/network/layers.js';
import { checkOutputDir, writeDesignFiles } from '../../rtl/output.js';
import { defineCommand, integerFlag, say, warn } from '../flags.js';

function positiveNumber(flag: string) {
  return (raw: unknown): number | undefined => {
    if (raw === undefined) return undefined;
    const value = Number(raw);
    if (!Number.isFinite(value) || value <= 0) throw new InputError(flag, `must be a positive number; got ${JSON.stringify(String(raw))}`);
    return value;
  };
}

/** The command that reproduces the design, for its headers (flags in a fixed order; the output folder is the reader's own). */
function networkCommandLine(argv: Record<string, unknown>): string {
  const flags = ['calibrate', 'scales', 'inputs', 'images', 'layout', 'cycles-per-image', 'fps', 'clock-mhz', 'hdl', 'reset', 'rom-style', 'act-style', 'pipeline']
    .filter((f) => argv[f] !== undefined)
    .map((f) => `--${f} ${String(argv[f])}`);
  return ['flexor network', String(argv.manifest), ...flags].join(' ');
}

export const networkCommand = defineCommand({
  command: 'network <manifest>',
  describe: 'A whole network from a manifest (JSON or YAML): a chained network as one streaming accelerator (image in, logits and label out) with its testbench; a list of independent layers as one design folder per layer',
  builder: (b) =>
    b
      .positional('manifest', { type: 'string', demandOption: true, describe: 'the network manifest (docs/NETWORK.md)' })
      .options({
        calibrate: { type: 'string', describe: 'images (.npy) to choose the tensor scales from (docs/NETWORK.md, "Calibration")' },
        scales: { type: 'string', describe: 'tensor scales written by flexor calibrate' },
        inputs: { type: 'string', describe: 'images (.npy) for the testbench; default seeded ones' },
        images: { type: 'string', coerce: integerFlag('--images', 'an integer from 1 to 1000'), describe: 'seeded test images (default 4; cycles per image need 2 at full speed)' },
        layout: { choices: IMAGE_LAYOUTS, describe: 'the layout of image files, nchw or nhwc (default: the manifest\'s input.layout)' },
        'cycles-per-image': { type: 'string', coerce: integerFlag('--cycles-per-image', 'a whole number >= 1'), describe: 'choose every layer\'s lanes and simd to meet this throughput with the fewest MAC units' },
        fps: { type: 'string', coerce: positiveNumber('--fps'), describe: 'images per second (with --clock-mhz), instead of --cycles-per-image' },
        'clock-mhz': { type: 'string', coerce: positiveNumber('--clock-mhz'), describe: 'the clock, for --fps and the testbench\'s images per second (default 100)' },
        hdl: { choices: HDLS, default: 'sv' as Hdl, describe: 'SystemVerilog or Verilog-2005' },
        reset: { choices: RESET_STYLES, default: 'sync' as ResetStyle, describe: 'sync (rst, active high) or async (rst_ni, active low)' },
        'rom-style': { type: 'string', describe: `where synthesis puts every engine's weight ROMs: ${MEMORY_STYLES.join(', ')} (default auto; docs/SYNTH.md)` },
        'act-style': { type: 'string', describe: `where synthesis puts the activation banks of every oi-layout engine: ${MEMORY_STYLES.join(', ')} (default auto)` },
        pipeline: { type: 'string', describe: 'register stages for the clock in every engine: decoders, mac:N, scale, comma-separated (default none); each adds a cycle of latency, none of throughput' },
        output: { alias: 'o', type: 'string', demandOption: true, describe: 'output folder' },
        force: { type: 'boolean', default: false, describe: 'replace a previous design in the output folder' },
      })
      .example('$0 network docs/examples/small-cnn.yaml --calibrate images.npy -o rtl-out/cnn && $0 verify rtl-out/cnn', '')
      .example('$0 network docs/examples/resnet20-mixed.yaml -o rtl-out/net', 'independent layers'),
  handler: (argv) => {
    checkOutputDir(argv.output, argv.force);
    if (!isChainedManifest(readManifestDocument(argv.manifest))) {
      for (const [flag, value] of [['--rom-style', argv.romStyle], ['--act-style', argv.actStyle], ['--pipeline', argv.pipeline]] as const) {
        if (value !== undefined) throw new InputError(flag, 'applies to a chained network (a manifest with an input), one accelerator; this manifest lists independent layers');
      }
      const network = generateNetwork(argv.manifest);
      writeDesignFiles(argv.output, network.files, argv.force);
      warn(network.warnings);
      say([`wrote ${argv.output}`, ...network.summary, 'storage (storage.json, README.md):']);
      for (const r of network.storage) {
        say([`  ${r.name}: ${r.weights} weights, ${r.encryptedBits} encrypted bits, ${r.bitsPerWeight.toFixed(3)} bits/weight, ${r.compressionVsBinary.toFixed(2)}x vs 1-bit, ${r.compressionVsFloat.toFixed(1)}x vs float32`]);
      }
      return;
    }
    const design = generateNetworkAccelerator(argv.manifest, {
      layout: argv.layout as ImageLayout | undefined, scales: argv.scales, calibrate: argv.calibrate, inputs: argv.inputs, images: argv.images,
      cyclesPerImage: argv.cyclesPerImage, fps: argv.fps, clockMhz: argv.clockMhz, hdl: argv.hdl, reset: argv.reset, romStyle: argv.romStyle as MemoryStyle | undefined, actStyle: argv.actStyle as MemoryStyle | undefined, pipeline: argv.pipeline,
      command: networkCommandLine(argv),
    });
    writeDesignFiles(argv.output, design.files, argv.force);
    warn(design.warnings);
    say([`wrote ${argv.output}`, ...design.summary]);
  },
});

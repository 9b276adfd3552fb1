/** `flexor generate decoder` and `flexor generate layer`: a design folder from a configuration. */
import { InputError } from '../../core/errors.js';
import type { Layout } from '../../core/layer.js';
import { MAX_PLANES } from '../../core/matrix.js';
import { layerInputs } from '../../formats/layersource.js';
import { generateDecoder } from '../../rtl/decoder.js';
import { describeFiles, type GeneratedDesign } from '../../rtl/design.js';
import { HDLS, RESET_STYLES, type Hdl, type ResetStyle } from '../../rtl/hdl.js';
import { generateLayer, MEMORY_STYLES, type MemoryStyle, type WeightSource } from '../../rtl/layer/generate.js';
import { writeDesignFiles } from '../../rtl/output.js';
import { defineCommand, integerFlag, type AnyCommand, layerSettingFlags, layerSettings, matrixFlags, say, shapeFlag, warn } from '../flags.js';

/** Writes the design, then its warnings, what it is and its files. */
function writeDesign(output: string, design: GeneratedDesign, force: boolean): void {
  writeDesignFiles(output, design.files, force);
  warn(design.warnings);
  say([`wrote ${output}: top ${design.top}, testbench ${design.testbenchTop}`, ...design.summary]);
  say(describeFiles(design.files).map((line) => `  ${line}`));
}

export const generateDecoderCommand = defineCommand({
  command: 'decoder',
  describe: 'The parallel XOR decoder of one matrix, with its self-checking testbench',
  builder: (b) =>
    b
      .options(matrixFlags)
      .options({
        matrix: { type: 'string', describe: 'import the matrix from a .json or .npy file instead of drawing it' },
        plane: { type: 'string', coerce: integerFlag('--plane', 'an integer from 0 to planes - 1'), describe: 'which plane of a multi-plane --matrix file (default 0)' },
        registered: { type: 'boolean', default: false, describe: 'one pipeline register with a valid/ready handshake' },
        reset: { choices: RESET_STYLES, default: 'sync' as ResetStyle, describe: 'reset of the registered decoder: sync active-high rst, async active-low rst_ni' },
        hdl: { choices: HDLS, default: 'sv' as Hdl, describe: 'SystemVerilog or Verilog-2005 RTL' },
        output: { alias: 'o', type: 'string', demandOption: true, describe: 'output folder' },
        force: { type: 'boolean', default: false, describe: 'replace a non-empty output folder' },
      })
      .example('$0 generate decoder --nin 16 --nout 20 --ntap 2 --seed 1 -o rtl-out/dec', '0.8 bits per weight, combinational')
      .example('$0 generate decoder --matrix m.npy --registered --hdl verilog -o out', 'an imported matrix, pipelined, Verilog-2005'),
  handler: (argv) => {
    const design = generateDecoder({
      nIn: argv.nin,
      nOut: argv.nout,
      nTap: argv.ntap,
      dense: argv.dense,
      draw: argv.draw,
      seed: argv.seed,
      matrixFile: argv.matrix,
      plane: argv.plane,
      registered: argv.registered,
      reset: argv.reset,
      hdl: argv.hdl,
    });
    writeDesign(argv.output, design, argv.force);
  },
});

export const generateLayerCommand = defineCommand({
  command: 'layer',
  describe: 'A whole layer: weight memory or stream, XOR decoders, binary MAC array, scales, AXI4-Stream ports, testbench',
  builder: (b) =>
    b
      .options(matrixFlags)
      .options(layerSettingFlags)
      .options({
        from: { type: 'string', describe: 'a trained layer (.npz, docs/FORMAT.md) instead of a seeded one' },
        inputs: { type: 'string', describe: 'the testbench runs these activation vectors (.npy int [V, K])' },
        name: { type: 'string', describe: 'name the top module flexor_<name>' },
        baseline: { type: 'boolean', describe: "the layer's plain 1-bit binary twin: same weights and outputs, no XOR decoder" },
        shape: { type: 'string', coerce: shapeFlag, describe: 'weight shape: Cout,Cin,kh,kw (conv) or out,in (linear); not with --from' },
        planes: { type: 'string', coerce: integerFlag('--planes', `an integer from 1 to ${MAX_PLANES}`), describe: 'bit-planes q (default 1)' },
        layout: { choices: ['oi', 'io'] as const, describe: 'flattening of the trained weights: oi (PyTorch, default) or io (output channel fastest)' },
        weights: { choices: ['rom', 'stream'] as const, default: 'rom' as WeightSource, describe: 'encrypted weights in on-chip memory or on an AXI4-Stream port' },
        'rom-style': { type: 'string', describe: `where synthesis puts the weight ROMs: ${MEMORY_STYLES.join(', ')} (default auto: the tool chooses; docs/SYNTH.md)` },
        'act-style': { type: 'string', describe: `the oi activation banks: ${MEMORY_STYLES.join(', ')} (default auto; block reads them a step ahead, for block RAM)` },
        reset: { choices: RESET_STYLES, default: 'sync' as ResetStyle, describe: 'sync active-high rst or async active-low rst_ni' },
        hdl: { choices: HDLS, default: 'sv' as Hdl, describe: 'SystemVerilog or Verilog-2005 RTL' },
        pipeline: { type: 'string', describe: 'register stages for the clock: decoders, mac:N (every N adder levels of the MAC trees), scale, comma-separated (default none); each adds a cycle of latency' },
        vectors: { type: 'string', coerce: integerFlag('--vectors', 'an integer from 1 to 10000'), describe: 'testbench vectors with random stalls (default 6; 4 more run at full speed)' },
        output: { alias: 'o', type: 'string', demandOption: true, describe: 'output folder' },
        force: { type: 'boolean', default: false, describe: 'replace a previous design in the output folder' },
      })
      .example('$0 generate layer --shape 16,16,3,3 --nin 16 --nout 20 --ntap 2 --lanes 4 --simd 16 -o rtl-out/layer', 'a ResNet-20 3x3 layer at 0.8 bits per weight')
      .example('$0 generate layer --shape 10,64 --nin 7 --nout 10 --dense --weights stream --hdl verilog -o out', 'a linear layer, weights streamed')
      .example('$0 generate layer --shape 16,16,3,3 --nin 16 --nout 20 --ntap 2 --lanes 4 --simd 16 --rom-style block --act-style block -o out', 'weights and activations in block RAM')
      .example('$0 generate layer --shape 16,16,3,3 --nin 16 --nout 20 --ntap 2 --lanes 4 --simd 16 --pipeline decoders,mac:1,scale -o out', 'pipelined for the clock'),
  handler: (argv) => {
    const source = { from: argv.from, shape: argv.shape, nIn: argv.nin, nOut: argv.nout, nTap: argv.ntap, dense: argv.dense, draw: argv.draw, planes: argv.planes, layout: argv.layout as Layout | undefined };
    const options = { ...source, ...layerSettings(argv) };
    const design = generateLayer({
      ...options,
      ...(argv.inputs === undefined ? {} : layerInputs(argv.inputs, options)),
      name: argv.name,
      baseline: argv.baseline,
      weights: argv.weights,
      romStyle: argv.romStyle as MemoryStyle | undefined,
      actStyle: argv.actStyle as MemoryStyle | undefined,
      reset: argv.reset,
      hdl: argv.hdl,
      pipeline: argv.pipeline,
      vectors: argv.vectors,
    });
    writeDesign(argv.output, design, argv.force);
  },
});

/** What `generate` makes, one subcommand each. */
export const GENERATE_COMMANDS: readonly AnyCommand[] = [generateDecoderCommand, generateLayerCommand];

export const generateCommand = defineCommand({
  command: 'generate <what>',
  describe: 'Generate RTL, testbench and vectors into a folder',
  builder: (g) => {
    let y = g;
    for (const c of GENERATE_COMMANDS) y = y.command(c);
    return y.example('$0 generate decoder --nin 16 --nout 20 --ntap 2 -o rtl-out/dec', 'a combinational decoder');
  },
  // Reached only when <what> names no subcommand.
  handler: (argv) => {
    throw new InputError('generate', `name what to generate: ${GENERATE_COMMANDS.map((c) => c.command).join(' or ')}; got ${JSON.stringify(argv.what)}`);
  },
});

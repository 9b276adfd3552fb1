/** `flexor sim`: the user's data through a generated design's RTL — a layer's vectors, or a network's images. */
import { InputError } from '../../core/errors.js';
import { IMAGE_LAYOUTS, type ImageLayout } from '../../core/network.js';
import { simulateLayerDesign } from '../../eda/layertools.js';
import { simulateAccelerator } from '../../eda/networktools.js';
import { SIMULATORS, type Simulator } from '../../eda/simulate.js';
import { readManifest } from '../../formats/manifest.js';
import { checkFailed, defineCommand, requireNewFile, say, writeNewFile } from '../flags.js';

/** The simulator's own lines that say what went wrong. */
function failureLines(output: string): string {
  const lines = output.split('\n').filter((l) => /^(MISMATCH|FAIL|probe:)/.test(l));
  return lines.length > 0 ? `${lines.join('\n')}\n` : `${output.slice(-2000)}\n`;
}

export const simCommand = defineCommand({
  command: 'sim <dir>',
  describe: "Your data through a generated design's RTL: a layer's activation vectors, or a network accelerator's images; writes what the hardware produced, as flexor golden does",
  builder: (b) =>
    b
      .positional('dir', { type: 'string', demandOption: true, describe: 'a layer folder (flexor generate layer) or a network accelerator folder (flexor network)' })
      .options({
        inputs: { type: 'string', demandOption: true, describe: 'a layer: activation vectors, .npy int [V, K]; a network: images, .npy [V, C, H, W] or [V, H, W, C] (--layout)' },
        simulator: { choices: SIMULATORS, default: 'iverilog' as Simulator, describe: 'which simulator' },
        float: { type: 'boolean', default: false, describe: 'a layer: write float64 instead of int64' },
        layout: { choices: IMAGE_LAYOUTS, describe: 'a network: the images\' layout (default: the manifest\'s input.layout)' },
        labels: { type: 'string', describe: 'a network: also write the labels the hardware sent, int64 [V]' },
        output: { alias: 'o', type: 'string', demandOption: true, describe: 'the .npy to write' },
        force: { type: 'boolean', default: false, describe: 'overwrite an existing file' },
      })
      .example('$0 sim rtl-out/conv1 --inputs acts.npy -o hw.npy', 'then compare with flexor golden: cmp or numpy')
      .example('$0 sim rtl-out/cnn --inputs images.npy --simulator verilator -o hw.npy', 'a network: int64 logits [V, classes], as flexor golden rtl-out/cnn writes them'),
  handler: async (argv) => {
    requireNewFile(argv.output, argv.force, '-o');
    if (argv.labels !== undefined) requireNewFile(argv.labels, argv.force, '--labels');
    if (readManifest(argv.dir).kind === 'accelerator') {
      if (argv.float) throw new InputError('--float', 'applies to a layer folder; a network\'s hardware computes integer logits (compare them with flexor golden DIR)');
      const sim = await simulateAccelerator(argv.dir, argv.inputs, argv.simulator, { layout: argv.layout as ImageLayout | undefined });
      const r = sim.result;
      say([`${r.simulator}: ${r.passed} passed, ${r.failed} failed against the golden model -- ${r.ok ? 'PASS' : 'FAIL'}`, ...r.figures.map((f) => `${r.simulator}: ${f}`)]);
      if (sim.outputs !== undefined) {
        writeNewFile(argv.output, sim.outputs.logits, argv.force);
        if (argv.labels !== undefined) writeNewFile(argv.labels, sim.outputs.labels, argv.force, '--labels');
        say([`wrote ${argv.output}: ${sim.images} image(s) x ${sim.classes} logits, int64, one step = ${sim.logitScale}${argv.labels !== undefined ? `; labels in ${argv.labels}` : ''}`]);
      } else {
        say([`nothing written: the hardware did not send every image's logits and label`]);
      }
      if (!r.ok) {
        process.stdout.write(failureLines(r.output));
        checkFailed();
      }
      return;
    }
    if (argv.labels !== undefined) throw new InputError('--labels', 'applies to a network accelerator folder; a layer has no labels');
    const sim = await simulateLayerDesign(argv.dir, argv.inputs, argv.simulator, argv.float ? 'float' : 'int');
    writeNewFile(argv.output, sim.npy, argv.force);
    const r = sim.result;
    say([`${r.simulator}: ${r.passed} passed, ${r.failed} failed against the golden model -- ${r.ok ? 'PASS' : 'FAIL'}`, `wrote ${argv.output}: ${sim.vectors} vector(s) x ${sim.config.n} channels`]);
    if (!r.ok) {
      process.stdout.write(failureLines(r.output));
      checkFailed();
    }
  },
});

/**
 * `flexor golden`: the golden model on the user's data — a trained layer on activation vectors, or a
 * network (its manifest) on images.
 */
import { goldenLayerOutputs } from '../../eda/layertools.js';
import { IMAGE_LAYOUTS, type ImageLayout } from '../../core/network.js';
import { isNetworkManifest } from '../../formats/networkfile.js';
import { InputError } from '../../core/errors.js';
import { acceleratorNetwork, isFolder, networkGoldenFiles } from '../../formats/networkrun.js';
import { defineCommand, layerSettingFlags, layerSettings, requireNewFile, say, warn, writeNewFile } from '../flags.js';

export const goldenCommand = defineCommand({
  command: 'golden <source>',
  describe: 'The golden model on your data: a layer (.npz) on activation vectors, int64 [V, N]; or a network (.yaml/.json manifest, or the folder flexor network wrote) on images, int64 logits [V, classes]',
  builder: (b) =>
    b
      .positional('source', { type: 'string', demandOption: true, describe: 'a layer (.npz, docs/FORMAT.md), a network manifest (.yaml, .yml, .json; docs/NETWORK.md) or a network accelerator folder (flexor network)' })
      .options(layerSettingFlags)
      .options({
        inputs: { type: 'string', demandOption: true, describe: 'a layer: activation vectors, .npy int [V, K]; a network: images, .npy [V, C, H, W] or [V, H, W, C] (--layout), integer or real' },
        float: { type: 'boolean', default: false, describe: 'write float64: a layer\'s fixed-point values times their scale; a network\'s real (float) logits' },
        layout: { choices: IMAGE_LAYOUTS, describe: 'a network: the images\' layout, nchw (PyTorch) or nhwc (default: the manifest\'s input.layout)' },
        scales: { type: 'string', describe: 'a network: tensor scales written by flexor calibrate' },
        calibrate: { type: 'string', describe: 'a network: images to choose the tensor scales from (docs/NETWORK.md, "Calibration")' },
        labels: { type: 'string', describe: 'a network: also write the labels (argmax, ties to the lowest index), int64 [V]' },
        output: { alias: 'o', type: 'string', demandOption: true, describe: 'the .npy to write' },
        force: { type: 'boolean', default: false, describe: 'overwrite existing files' },
      })
      .example('$0 golden conv1.npz --inputs acts.npy --bias -o out.npy', '')
      .example('$0 golden docs/examples/small-cnn.yaml --inputs images.npy --calibrate images.npy -o logits.npy --labels labels.npy', '')
      .example('$0 golden rtl-out/cnn --inputs images.npy -o logits.npy', 'the network an accelerator folder holds, its scales included'),
  handler: (argv) => {
    requireNewFile(argv.output, argv.force, '-o');
    if (argv.labels !== undefined) requireNewFile(argv.labels, argv.force, '--labels');
    const folder = isFolder(argv.source);
    if (folder && (argv.scales !== undefined || argv.calibrate !== undefined)) {
      throw new InputError(argv.scales !== undefined ? '--scales' : '--calibrate', `does not apply to a design folder: ${argv.source} holds its scales (network.json)`);
    }
    if (folder || isNetworkManifest(argv.source)) {
      const manifest = folder ? acceleratorNetwork(argv.source, 'golden') : argv.source;
      const result = networkGoldenFiles(manifest, argv.inputs, { layout: argv.layout as ImageLayout | undefined, scales: argv.scales, calibrate: argv.calibrate, float: argv.float });
      warn(result.warnings);
      writeNewFile(argv.output, result.logits, argv.force);
      if (argv.labels !== undefined) writeNewFile(argv.labels, result.labels, argv.force, '--labels');
      const units = argv.float ? 'float64 (real logits)' : `int64, one step = ${result.logitScale}`;
      say([`wrote ${argv.output}: ${result.images} image(s), logits ${units}${argv.labels !== undefined ? `; labels in ${argv.labels}` : ''}`]);
      return;
    }
    const result = goldenLayerOutputs(argv.source, argv.inputs, layerSettings(argv), argv.float ? 'float' : 'int');
    writeNewFile(argv.output, result.npy, argv.force);
    const units = argv.float ? 'float64' : `int64 in units of 2^-${result.config.alphaFrac - (result.config.requant?.shift ?? 0)}`;
    say([`wrote ${argv.output}: ${result.vectors} vector(s) x ${result.config.n} channels, ${units}`]);
  },
});

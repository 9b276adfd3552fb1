/** `flexor calibrate`: a network's tensor scales from sample images (docs/NETWORK.md, "Calibration"). */
import { IMAGE_LAYOUTS, type ImageLayout } from '../../core/network.js';
import { loadNetwork, networkCalibrateFiles, networkSummary } from '../../formats/networkrun.js';
import { defineCommand, requireNewFile, say, warn, writeNewFile } from '../flags.js';

export const calibrateCommand = defineCommand({
  command: 'calibrate <manifest>',
  describe: 'Choose every tensor scale of a network from sample images (the float network\'s maxima) and write them as a scales file, or into a copy of the manifest',
  builder: (b) =>
    b
      .positional('manifest', { type: 'string', demandOption: true, describe: 'a network manifest (.yaml, .yml, .json; docs/NETWORK.md)' })
      .options({
        inputs: { type: 'string', demandOption: true, describe: 'calibration images, .npy [V, C, H, W] or [V, H, W, C] (--layout)' },
        layout: { choices: IMAGE_LAYOUTS, describe: 'the images\' layout (default: the manifest\'s input.layout)' },
        output: { alias: 'o', type: 'string', demandOption: true, describe: 'the scales file to write (.json), for --scales of flexor golden and flexor network' },
        'write-manifest': { type: 'string', describe: 'also write the manifest with the scales filled in to this file' },
        force: { type: 'boolean', default: false, describe: 'overwrite existing files' },
      })
      .example('$0 calibrate docs/examples/small-cnn.yaml --inputs images.npy -o scales.json', ''),
  handler: (argv) => {
    requireNewFile(argv.output, argv.force, '-o');
    if (argv.writeManifest !== undefined) requireNewFile(argv.writeManifest, argv.force, '--write-manifest');
    const result = networkCalibrateFiles(argv.manifest, argv.inputs, { layout: argv.layout as ImageLayout | undefined });
    warn(result.model.warnings);
    writeNewFile(argv.output, result.scalesJson, argv.force);
    if (argv.writeManifest !== undefined) writeNewFile(argv.writeManifest, result.manifest, argv.force, '--write-manifest');
    say([...networkSummary(loadNetwork(argv.manifest), result.model), `wrote ${argv.output}`]);
  },
});

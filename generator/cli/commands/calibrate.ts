/** `flexor calibrate`: a network's tensor scales from sample images (docs/NETWORK.md, "Calibration"). */
import { IMAGE_LAYOUTS, type ImageLayout } from '../../core/network.js';
import { loadNetwork, networkCalibrateFiles, networkSummary } from '../../formats/networkrun.js';
import { InputError } from '../../core/errors.js';
import { defineCommand, integerFlag, requireNewFile, say, warn, writeNewFile } from '../flags.js';

export const calibrateCommand = defineCommand({
  command: 'calibrate <manifest>',
  describe: 'Choose every tensor scale of a network from sample images (the float network\'s maxima) and write them as a scales file, or into a copy of the manifest',
  builder: (b) =>
    b
      .positional('manifest', { type: 'string', demandOption: true, describe: 'a network manifest (.yaml, .yml, .json; docs/NETWORK.md)' })
      .options({
        inputs: { type: 'string', describe: 'calibration images, .npy [V, C, H, W] or [V, H, W, C] (--layout)' },
        images: { type: 'string', coerce: integerFlag('--images', 'an integer from 1 to 1000'), describe: 'instead of --inputs: this many seeded images, uniform over the input\'s range (for a seeded network)' },
        seed: { type: 'string', coerce: integerFlag('--seed', 'an integer from 0 to 4294967295'), describe: 'the seed of --images (default 1)' },
        layout: { choices: IMAGE_LAYOUTS, describe: 'the images\' layout (default: the manifest\'s input.layout)' },
        output: { alias: 'o', type: 'string', demandOption: true, describe: 'the scales file to write (.json), for --scales of flexor golden and flexor network' },
        'write-manifest': { type: 'string', describe: 'also write the manifest with the scales filled in to this file' },
        force: { type: 'boolean', default: false, describe: 'overwrite existing files' },
      })
      .example('$0 calibrate docs/examples/small-cnn.yaml --inputs images.npy -o scales.json', '')
      .example('$0 calibrate net.yaml --images 32 -o scales.json --write-manifest net-scaled.yaml', 'a seeded network, on seeded images'),
  handler: (argv) => {
    requireNewFile(argv.output, argv.force, '-o');
    if (argv.writeManifest !== undefined) requireNewFile(argv.writeManifest, argv.force, '--write-manifest');
    if ((argv.inputs === undefined) === (argv.images === undefined)) throw new InputError('--inputs', 'give the calibration images: --inputs images.npy, or --images N seeded ones (one of them)');
    if (argv.seed !== undefined && argv.images === undefined) throw new InputError('--seed', 'applies to --images (seeded images) only');
    const images = argv.inputs ?? { count: argv.images!, seed: argv.seed ?? 1 };
    const result = networkCalibrateFiles(argv.manifest, images, { layout: argv.layout as ImageLayout | undefined, writeManifest: argv.writeManifest });
    warn(result.model.warnings);
    writeNewFile(argv.output, result.scalesJson, argv.force);
    if (argv.writeManifest !== undefined) writeNewFile(argv.writeManifest, result.manifest, argv.force, '--write-manifest');
    say([...networkSummary(loadNetwork(argv.manifest), result.model), `wrote ${argv.output}`, ...(argv.writeManifest !== undefined ? [`wrote ${argv.writeManifest}`] : [])]);
  },
});

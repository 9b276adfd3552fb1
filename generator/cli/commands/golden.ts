/** `flexor golden`: the golden model of a trained layer on the user's activation vectors. */
import { goldenLayerOutputs } from '../../eda/layertools.js';
import { defineCommand, layerSettingFlags, layerSettings, say, writeNewFile } from '../flags.js';

export const goldenCommand = defineCommand({
  command: 'golden <layer>',
  describe: 'The golden model on your activation vectors: int64 [V, N] in units of 2^-(alpha-frac - requant-shift)',
  builder: (b) =>
    b
      .positional('layer', { type: 'string', demandOption: true, describe: 'the layer (.npz, docs/FORMAT.md)' })
      .options(layerSettingFlags)
      .options({
        inputs: { type: 'string', demandOption: true, describe: 'activation vectors, .npy int [V, K]' },
        float: { type: 'boolean', default: false, describe: 'write float64 (the fixed-point values times their scale) instead of int64' },
        output: { alias: 'o', type: 'string', demandOption: true, describe: 'the .npy to write' },
        force: { type: 'boolean', default: false, describe: 'overwrite an existing file' },
      })
      .example('$0 golden conv1.npz --inputs acts.npy --bias -o out.npy', ''),
  handler: (argv) => {
    const result = goldenLayerOutputs(argv.layer, argv.inputs, layerSettings(argv), argv.float ? 'float' : 'int');
    writeNewFile(argv.output, result.npy, argv.force);
    const units = argv.float ? 'float64' : `int64 in units of 2^-${result.config.alphaFrac - (result.config.requant?.shift ?? 0)}`;
    say([`wrote ${argv.output}: ${result.vectors} vector(s) x ${result.config.n} channels, ${units}`]);
  },
});

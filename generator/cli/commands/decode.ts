/** `flexor decode`: a trained layer's binary codes as .npy. */
import { decodeLayerCodes } from '../../eda/layertools.js';
import { defineCommand, say, writeNewFile } from '../flags.js';

export const decodeCommand = defineCommand({
  command: 'decode <layer>',
  describe: "A trained layer's binary codes: int8 {-1, +1}, shape [q, *shape], PyTorch order",
  builder: (b) =>
    b
      .positional('layer', { type: 'string', demandOption: true, describe: 'the layer (.npz, docs/FORMAT.md)' })
      .options({
        output: { alias: 'o', type: 'string', demandOption: true, describe: 'the .npy to write' },
        force: { type: 'boolean', default: false, describe: 'overwrite an existing file' },
      })
      .example('$0 decode conv1.npz -o codes.npy', ''),
  handler: (argv) => {
    writeNewFile(argv.output, decodeLayerCodes(argv.layer), argv.force);
    say([`wrote ${argv.output}`]);
  },
});

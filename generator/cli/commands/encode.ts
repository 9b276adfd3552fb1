/** `flexor encode`: binary (or float) weights to FleXOR layers, exactly (docs/ENCODE.md). */
import { encodeLayerFiles } from '../../formats/weightfile.js';
import { defineCommand, integerFlag, matrixFlags, say, writeNewFiles } from '../flags.js';

export const encodeCommand = defineCommand({
  command: 'encode <weights..>',
  describe: 'Convert binary (or float) weights to FleXOR: the exact nearest encrypted bits per slice; one layer .npz per file',
  builder: (b) =>
    b
      .positional('weights', { type: 'string', array: true, demandOption: true, describe: 'weight .npy files, [Cout, Cin, kh, kw] or [out, in]: -1/+1 integers or floats' })
      .options(matrixFlags)
      .options({
        matrix: { type: 'string', describe: 'the XOR matrix (.json or .npy) instead of drawing one' },
        plane: { type: 'string', coerce: integerFlag('--plane', 'an integer from 0 to planes - 1'), describe: 'which plane of a multi-plane --matrix file (default 0)' },
        weighted: { type: 'boolean', default: false, describe: 'weight each bit error by |w| (float weights)' },
        importance: { type: 'string', describe: 'per-weight importance .npy (same shape as the one weight file)' },
        output: { alias: 'o', type: 'string', demandOption: true, describe: 'a folder for the layers (<name>.npz each), or a .npz for one file' },
        force: { type: 'boolean', default: false, describe: 'overwrite existing outputs' },
      })
      .example('$0 encode conv1.npy conv2.npy --nin 16 --nout 20 --ntap 2 -o encoded/', 'exact, unweighted')
      .example('$0 encode fc.npy --matrix m.npy --weighted -o fc.npz', "weighted by the float weights' magnitudes"),
  handler: (argv) => {
    const encoded = encodeLayerFiles({
      weights: argv.weights,
      nIn: argv.nin,
      nOut: argv.nout,
      nTap: argv.ntap,
      dense: argv.dense,
      draw: argv.draw,
      seed: argv.seed,
      matrixFile: argv.matrix,
      plane: argv.plane,
      weighted: argv.weighted,
      importanceFile: argv.importance,
      output: argv.output,
      force: argv.force,
    });
    // Only the layers' own files are written; nothing else in the folder is touched.
    writeNewFiles(encoded.files, argv.force, encoded.folder);
    for (const l of encoded.layers) {
      say([`${l.name}: ${l.result.weights} weights, ${l.result.bitErrors} bit errors, bit error rate ${l.bitErrorRate.toFixed(6)} (${l.result.method})`]);
    }
    say([`overall: ${encoded.weights} weights, ${encoded.bitErrors} bit errors, bit error rate ${encoded.bitErrorRate.toFixed(6)}`, `wrote ${argv.output}`]);
  },
});

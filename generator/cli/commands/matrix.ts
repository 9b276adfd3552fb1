/** `flexor matrix`: the XOR matrix (or one per plane) with its rank, as text, JSON or .npy. */
import { InputError } from '../../core/errors.js';
import { MAX_PLANES } from '../../core/matrix.js';
import { MATRIX_FORMATS, matrixOutput, type MatrixFormat } from '../../formats/matrixoutput.js';
import { defineCommand, integerFlag, matrixFlags, say, warn, writeNewFile } from '../flags.js';

export const matrixCommand = defineCommand({
  command: 'matrix',
  describe: 'Draw the XOR matrix (or matrices) and print or write it with its rank',
  builder: (b) =>
    b
      .options(matrixFlags)
      .options({
        planes: { type: 'string', coerce: integerFlag('--planes', `an integer from 1 to ${MAX_PLANES}`), default: '1', describe: 'bit-planes q, each with its own matrix' },
        format: { choices: MATRIX_FORMATS, default: 'text' as MatrixFormat, describe: 'output format' },
        output: { alias: 'o', type: 'string', describe: 'write to this file instead of standard output' },
        force: { type: 'boolean', default: false, describe: 'overwrite an existing output file' },
      })
      .example('$0 matrix --nin 16 --nout 20 --ntap 2 --seed 1', 'print the matrix and its rank')
      .example('$0 matrix --nin 16 --nout 20 --ntap 2 --draw full', 'the first matrix of rank 15 with every column used')
      .example('$0 matrix --nin 16 --nout 20 --ntap 2 --planes 2 --format npy -o m.npy', 'write [2, 20, 16] uint8 for numpy'),
  handler: (argv) => {
    if (argv.format === 'npy' && argv.output === undefined) throw new InputError('--format', 'npy is binary: give -o FILE');
    const result = matrixOutput({ nIn: argv.nin, nOut: argv.nout, nTap: argv.ntap, dense: argv.dense, seed: argv.seed, planes: argv.planes, draw: argv.draw }, argv.format);
    if (argv.output === undefined) {
      process.stdout.write(result.contents);
    } else {
      writeNewFile(argv.output, result.contents, argv.force);
      say([...result.summary, `wrote ${argv.output}`]);
    }
    warn(result.warnings);
  },
});

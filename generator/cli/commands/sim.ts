/** `flexor sim`: the user's activation vectors through a generated layer's RTL. */
import { simulateLayerDesign } from '../../eda/layertools.js';
import { SIMULATORS, type Simulator } from '../../eda/simulate.js';
import { checkFailed, defineCommand, requireNewFile, say, writeNewFile } from '../flags.js';

export const simCommand = defineCommand({
  command: 'sim <dir>',
  describe: "Your activation vectors through a generated layer's RTL; writes what the hardware produced, as flexor golden does",
  builder: (b) =>
    b
      .positional('dir', { type: 'string', demandOption: true, describe: 'a layer folder written by flexor generate layer' })
      .options({
        inputs: { type: 'string', demandOption: true, describe: 'activation vectors, .npy int [V, K]' },
        simulator: { choices: SIMULATORS, default: 'iverilog' as Simulator, describe: 'which simulator' },
        float: { type: 'boolean', default: false, describe: 'write float64 instead of int64' },
        output: { alias: 'o', type: 'string', demandOption: true, describe: 'the .npy to write' },
        force: { type: 'boolean', default: false, describe: 'overwrite an existing file' },
      })
      .example('$0 sim rtl-out/conv1 --inputs acts.npy -o hw.npy', 'then compare with flexor golden: cmp or numpy'),
  handler: async (argv) => {
    requireNewFile(argv.output, argv.force, '-o');
    const sim = await simulateLayerDesign(argv.dir, argv.inputs, argv.simulator, argv.float ? 'float' : 'int');
    writeNewFile(argv.output, sim.npy, argv.force);
    const r = sim.result;
    say([`${r.simulator}: ${r.passed} passed, ${r.failed} failed against the golden model -- ${r.ok ? 'PASS' : 'FAIL'}`, `wrote ${argv.output}: ${sim.vectors} vector(s) x ${sim.config.n} channels`]);
    if (!r.ok) {
      process.stdout.write(r.output.split('\n').filter((l) => l.startsWith('MISMATCH')).join('\n') + '\n');
      checkFailed();
    }
  },
});

/** `flexor prove`: a SAT proof that every XOR decoder of a design computes y = M x (docs/PROVE.md). */
import { proofText, proveDesign } from '../../eda/prove.js';
import { checkFailed, defineCommand, say } from '../flags.js';

export const proveCommand = defineCommand({
  command: 'prove <dir>',
  describe: "Prove with Yosys's SAT solver that every XOR decoder in a design computes y = M x for all inputs",
  builder: (b) => b.positional('dir', { type: 'string', demandOption: true, describe: 'a design or network folder' }).example('$0 prove rtl-out/demo-decoder', ''),
  handler: async (argv) => {
    const proofs = await proveDesign(argv.dir);
    say(proofs.map(proofText));
    if (!proofs.every((p) => p.proven)) checkFailed();
  },
});

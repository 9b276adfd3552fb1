/** `flexor network`: a whole network from a manifest, one design folder per layer (docs/NETWORK.md). */
import { generateNetwork } from '../../rtl/network.js';
import { writeDesignFiles } from '../../rtl/output.js';
import { defineCommand, say, warn } from '../flags.js';

export const networkCommand = defineCommand({
  command: 'network <manifest>',
  describe: 'A whole network from a manifest (JSON or YAML): one design folder per layer, a file list and a storage report',
  builder: (b) =>
    b
      .positional('manifest', { type: 'string', demandOption: true, describe: 'the network manifest (docs/NETWORK.md)' })
      .options({
        output: { alias: 'o', type: 'string', demandOption: true, describe: 'output folder' },
        force: { type: 'boolean', default: false, describe: 'replace a previous design in the output folder' },
      })
      .example('$0 network docs/examples/resnet20-mixed.yaml -o rtl-out/net && $0 verify rtl-out/net', ''),
  handler: (argv) => {
    const network = generateNetwork(argv.manifest);
    writeDesignFiles(argv.output, network.files, argv.force);
    warn(network.warnings);
    say([`wrote ${argv.output}`, ...network.summary, 'storage (storage.json, README.md):']);
    for (const r of network.storage) {
      say([`  ${r.name}: ${r.weights} weights, ${r.encryptedBits} encrypted bits, ${r.bitsPerWeight.toFixed(3)} bits/weight, ${r.compressionVsBinary.toFixed(2)}x vs 1-bit, ${r.compressionVsFloat.toFixed(1)}x vs float32`]);
    }
  },
});

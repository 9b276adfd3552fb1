/** `flexor compare`: a layer against its 1-bit binary twin, both synthesized the same way. */
import { DEFAULT_SYNTH_TARGET, SYNTH_TARGETS, YOSYS_KINDS, type YosysKind } from '../../eda/synth.js';
import { compareWithBaseline, comparisonJson, comparisonText } from '../../evidence/compare.js';
import { checkFailed, defineCommand, requireNewFile, say, writeNewFile, cacheFlag, pnrFlags, pnrSettings } from '../flags.js';

export const compareCommand = defineCommand({
  command: 'compare <dir>',
  describe: 'A generated layer against its 1-bit binary twin: memory bits, LUTs, flip-flops, LUT levels, what the decoders cost',
  builder: (b) =>
    b
      .positional('dir', { type: 'string', demandOption: true, describe: 'a layer folder' })
      .options({
        ...cacheFlag,
        ...pnrFlags,
        target: { choices: SYNTH_TARGETS, default: DEFAULT_SYNTH_TARGET, describe: 'technology mapping' },
        yosys: { choices: YOSYS_KINDS, default: 'embedded' as YosysKind, describe: 'embedded or system yosys' },
        json: { type: 'string', describe: 'also write the comparison as JSON' },
        force: { type: 'boolean', default: false, describe: 'overwrite an existing --json file' },
      })
      .example('$0 compare rtl-out/demo-layer --target xilinx', '')
      .example('$0 compare rtl-out/demo-layer --pnr up5k --pnr-clock-mhz 12', 'also place and route both: post-route Fmax side by side'),
  handler: async (argv) => {
    if (argv.json !== undefined) requireNewFile(argv.json, argv.force, '--json');
    const pnr = pnrSettings(argv);
    const comparison = await compareWithBaseline(argv.dir, { target: argv.target, yosys: argv.yosys, cache: argv.cache, pnr, onLog: (line) => say([line], process.stderr) });
    say([comparisonText(comparison)]);
    const sides = [comparison.flexor, comparison.baseline];
    if (sides.some((s) => !s.synth.ok || s.pnr?.ok === false)) checkFailed();
    if (argv.json !== undefined) writeNewFile(argv.json, comparisonJson(comparison), argv.force, '--json');
  },
});

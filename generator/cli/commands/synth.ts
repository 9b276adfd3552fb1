/** `flexor synth`: Yosys synthesis of a design (each design of a network folder) and its cost targets. */
import { DEFAULT_SYNTH_TARGET, SYNTH_TARGETS, YOSYS_KINDS, synthReportText, type YosysKind } from '../../eda/synth.js';
import { acceleratorBlocksText, synthesizeFolder } from '../../evidence/netsynth.js';
import { synthesisJson, targetsText } from '../../evidence/targets.js';
import { designFolders } from '../../formats/manifest.js';
import { checkFailed, defineCommand, requireNewFile, say, writeNewFile, cacheFlag } from '../flags.js';

export const synthCommand = defineCommand({
  command: 'synth <dir>',
  describe: 'Synthesize a generated design with Yosys (inside Node by default) and report LUTs, flip-flops, carry cells, memory bits, LUT levels and the cost targets',
  builder: (b) =>
    b
      .positional('dir', { type: 'string', demandOption: true, describe: 'a design or network folder' })
      .options({
        ...cacheFlag,
        target: { choices: SYNTH_TARGETS, default: DEFAULT_SYNTH_TARGET, describe: 'technology mapping' },
        yosys: { choices: YOSYS_KINDS, default: 'embedded' as YosysKind, describe: 'embedded (@yowasp/yosys, no install) or the system yosys on PATH' },
        json: { type: 'string', describe: 'also write the report as JSON to this file' },
        force: { type: 'boolean', default: false, describe: 'overwrite an existing --json file' },
        large: { type: 'boolean', default: false, describe: 'synthesize an accelerator even when its LUT estimate says it would take very long' },
      })
      .example('$0 synth rtl-out/demo-layer --target xilinx --json synth.json', ''),
  handler: async (argv) => {
    if (argv.json !== undefined) requireNewFile(argv.json, argv.force, '--json');
    const designs = [];
    for (const dir of designFolders(argv.dir)) {
      // A missed target is information, not a failed check: the exit status is the synthesis's.
      const { synth, targets, blocks } = await synthesizeFolder(dir, { target: argv.target, yosys: argv.yosys, cache: argv.cache, large: argv.large });
      say([`${dir}:`, synthReportText(synth), ...(blocks ? [acceleratorBlocksText(blocks, synth.total)] : []), targetsText(targets)]);
      for (const e of synth.errors) say([`error: ${e}`], process.stderr);
      if (!synth.ok) checkFailed();
      designs.push({ dir, synth, targets, ...(blocks ? { blocks } : {}) });
    }
    if (argv.json !== undefined) writeNewFile(argv.json, synthesisJson(designs), argv.force, '--json');
  },
});

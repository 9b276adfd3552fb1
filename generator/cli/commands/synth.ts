/** `flexor synth`: Yosys synthesis of a design (each design of a network folder) and its cost targets. */
import { DEFAULT_SYNTH_TARGET, SYNTH_TARGETS, YOSYS_KINDS, synthReportText, type YosysKind } from '../../eda/synth.js';
import { acceleratorBlocksText, synthesizeFolder } from '../../evidence/netsynth.js';
import { synthesisJson, targetsText } from '../../evidence/targets.js';
import { designFolders } from '../../formats/manifest.js';
import { pnrFiguresText } from '../../evidence/pnrfigures.js';
import { checkFailed, defineCommand, requireNewFile, say, writeNewFile, cacheFlag, pnrFlags, pnrSettings } from '../flags.js';

export const synthCommand = defineCommand({
  command: 'synth <dir>',
  describe: 'Synthesize a generated design with Yosys (inside Node by default) and report LUTs, flip-flops, carry cells, memory bits, LUT levels and the cost targets',
  builder: (b) =>
    b
      .positional('dir', { type: 'string', demandOption: true, describe: 'a design or network folder' })
      .options({
        ...cacheFlag,
        ...pnrFlags,
        target: { choices: SYNTH_TARGETS, default: DEFAULT_SYNTH_TARGET, describe: 'technology mapping' },
        yosys: { choices: YOSYS_KINDS, default: 'embedded' as YosysKind, describe: 'embedded (@yowasp/yosys, no install) or the system yosys on PATH' },
        json: { type: 'string', describe: 'also write the report as JSON to this file' },
        force: { type: 'boolean', default: false, describe: 'overwrite an existing --json file' },
        large: { type: 'boolean', default: false, describe: 'synthesize an accelerator even when its LUT estimate says it would take very long' },
      })
      .example('$0 synth rtl-out/demo-layer --target xilinx --json synth.json', '')
      .example('$0 synth rtl-out/demo-decoder --pnr hx8k', 'also place and route: post-route Fmax and LCs beside the synthesis'),
  handler: async (argv) => {
    if (argv.json !== undefined) requireNewFile(argv.json, argv.force, '--json');
    const pnr = pnrSettings(argv);
    const onLog = (line: string) => say([line], process.stderr);
    const designs = [];
    for (const dir of designFolders(argv.dir)) {
      // A missed target is information, not a failed check: the exit status is the synthesis's.
      const result = await synthesizeFolder(dir, { target: argv.target, yosys: argv.yosys, cache: argv.cache, large: argv.large, pnr, onLog });
      const { synth, targets, blocks } = result;
      say([`${dir}:`, synthReportText(synth), ...(blocks ? [acceleratorBlocksText(blocks, synth.total)] : []), targetsText(targets), ...(result.pnr ? [pnrFiguresText(result.pnr)] : [])]);
      for (const e of synth.errors) say([`error: ${e}`], process.stderr);
      if (!synth.ok || result.pnr?.ok === false) checkFailed();
      designs.push({ dir, ...result });
    }
    if (argv.json !== undefined) writeNewFile(argv.json, synthesisJson(designs), argv.force, '--json');
  },
});

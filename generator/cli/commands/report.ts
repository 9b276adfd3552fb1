/** `flexor report`: one self-contained HTML page about a design. */
import { DEFAULT_SYNTH_TARGET, SYNTH_TARGETS } from '../../eda/synth.js';
import { designReport } from '../../evidence/report.js';
import { synthesisOrigin } from '../../eda/synth.js';
import { checkFailed, defineCommand, requireNewFile, say, writeNewFile, cacheFlag } from '../flags.js';

export const reportCommand = defineCommand({
  command: 'report <dir>',
  describe: 'One self-contained HTML page: synthesis table, memory savings against the 1-bit baseline, sweep plot, the XOR network',
  builder: (b) =>
    b
      .positional('dir', { type: 'string', demandOption: true, describe: 'a decoder or layer folder' })
      .options({
        ...cacheFlag,
        sweep: { type: 'string', describe: 'a folder written by flexor sweep, to include its plot' },
        target: { choices: SYNTH_TARGETS, default: DEFAULT_SYNTH_TARGET, describe: 'technology mapping' },
        output: { alias: 'o', type: 'string', demandOption: true, describe: 'the .html to write' },
        force: { type: 'boolean', default: false, describe: 'overwrite an existing file' },
      })
      .example('$0 report rtl-out/demo-layer -o report.html', ''),
  handler: async (argv) => {
    // designReport checks the folder and --sweep before it synthesizes.
    requireNewFile(argv.output, argv.force, '-o');
    const report = await designReport(argv.dir, { sweep: argv.sweep, target: argv.target, cache: argv.cache });
    writeNewFile(argv.output, report.html, argv.force);
    say([`wrote ${argv.output}`, `synthesis: ${synthesisOrigin(report.synth)}`]);
    if (!report.synth.ok) checkFailed();
  },
});

/** `flexor report`: one self-contained HTML page about a design. */
import { DEFAULT_SYNTH_TARGET, SYNTH_TARGETS } from '../../eda/synth.js';
import { designReport, networkReport } from '../../evidence/report.js';
import { readManifest } from '../../formats/manifest.js';
import { synthesisOrigin } from '../../eda/synth.js';
import { InputError } from '../../core/errors.js';
import { fmaxText } from '../../evidence/pnrfigures.js';
import { checkFailed, defineCommand, requireNewFile, say, writeNewFile, cacheFlag, pnrFlags, pnrSettings } from '../flags.js';

export const reportCommand = defineCommand({
  command: 'report <dir>',
  describe: 'One self-contained HTML page: a decoder or layer (synthesis table, memory savings against the 1-bit baseline, sweep plot, the XOR network) or a network accelerator (its blocks, accuracy and confusion matrix)',
  builder: (b) =>
    b
      .positional('dir', { type: 'string', demandOption: true, describe: 'a decoder, layer or network accelerator folder' })
      .options({
        ...cacheFlag,
        ...pnrFlags,
        sweep: { type: 'string', describe: 'a folder written by flexor sweep, to include its plot' },
        target: { choices: SYNTH_TARGETS, default: DEFAULT_SYNTH_TARGET, describe: 'technology mapping' },
        labels: { type: 'string', describe: 'a network: the true labels (.npy [V]) of the images --predicted labels' },
        predicted: { type: 'string', describe: 'a network: labels to score (flexor sim --labels or flexor golden --labels), .npy [V]' },
        'clock-mhz': { type: 'number', describe: 'a network: the clock of the images-per-second figure (default: that of flexor network --clock-mhz, 100)' },
        output: { alias: 'o', type: 'string', demandOption: true, describe: 'the .html to write' },
        force: { type: 'boolean', default: false, describe: 'overwrite an existing file' },
      })
      .example('$0 report rtl-out/demo-layer -o report.html', '')
      .example('$0 report rtl-out/demo-decoder --pnr hx8k -o report.html', 'with a place-and-route section: post-route Fmax, LCs')
      .example('$0 report rtl-out/digits-acc --labels test_labels.npy --predicted hw_labels.npy -o report.html', 'a network, with its accuracy'),
  handler: async (argv) => {
    // designReport checks the folder and --sweep before it synthesizes.
    requireNewFile(argv.output, argv.force, '-o');
    const pnr = pnrSettings(argv);
    if (readManifest(argv.dir).kind === 'accelerator') {
      if (pnr !== undefined) throw new InputError('--pnr', 'applies to a decoder or layer folder; run flexor synth --pnr on the accelerator');
      const page = networkReport(argv.dir, { labels: argv.labels, predicted: argv.predicted, clockMhz: argv.clockMhz });
      writeNewFile(argv.output, page.html, argv.force);
      say([`wrote ${argv.output}`]);
      return;
    }
    if (argv.labels !== undefined || argv.predicted !== undefined) throw new InputError(argv.labels !== undefined ? '--labels' : '--predicted', 'applies to a network accelerator folder');
    const report = await designReport(argv.dir, { sweep: argv.sweep, target: argv.target, cache: argv.cache, pnr, onLog: (line) => say([line], process.stderr) });
    writeNewFile(argv.output, report.html, argv.force);
    say([`wrote ${argv.output}`, `synthesis: ${synthesisOrigin(report.synth)}`, ...(report.pnr ? [`post-route Fmax (${report.pnr.device}): ${fmaxText(report.pnr)}`] : [])]);
    if (!report.synth.ok || report.pnr?.ok === false) checkFailed();
  },
});

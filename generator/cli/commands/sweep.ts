/** `flexor sweep`: a layer synthesized over lists of parameters, resumable (docs/SWEEP.md). */
import { MAX_SEED } from '../../core/matrix.js';
import { DEFAULT_SYNTH_TARGET, SYNTH_TARGETS } from '../../eda/synth.js';
import { sweepIntoFolder, type SkippedPoint, type SweepResult } from '../../evidence/sweep.js';
import { fmaxText } from '../../evidence/pnrfigures.js';
import { checkFailed, defineCommand, integerFlag, listFlag, say, shapeFlag, warn, writeFiles, cacheFlag, pnrFlags, pnrSettings } from '../flags.js';

/** The skipped points: how many, and the reasons of the first three. */
function warnSkipped(skipped: readonly SkippedPoint[]): void {
  if (skipped.length === 0) return;
  warn([`${skipped.length} point(s) skipped: ${skipped.slice(0, 3).map((s) => s.reason).join('; ')}${skipped.length > 3 ? '; ...' : ''}`]);
}

/** A progress bar on standard error: redrawn in place on a terminal, one line per point otherwise. */
function progressBar(stream: NodeJS.WriteStream) {
  const tty = stream.isTTY;
  return {
    update(done: number, total: number, last?: SweepResult, cached?: boolean): void {
      const width = 30;
      const bar = '#'.repeat(Math.round((done / Math.max(1, total)) * width)).padEnd(width, '.');
      const line = `[${bar}] ${done}/${total}${last ? ` ${last.key}${cached ? ' (done before)' : last.error ? ` ERROR ${last.error}` : ` ${last.luts} LUTs${last.pnr ? `, ${fmaxText(last.pnr)}` : ''}`}` : ''}`;
      const columns = (stream.columns ?? 120) - 1;
      stream.write(tty ? `\r${line.slice(0, columns).padEnd(columns)}` : `${line}\n`);
    },
    end(): void {
      if (tty) stream.write('\n');
    },
  };
}

export const sweepCommand = defineCommand({
  command: 'sweep',
  describe: 'Synthesize a layer over lists of Nin, Nout, nTap, planes, lanes and simd: CSV, JSON and an SVG plot; resumes where it stopped',
  builder: (b) =>
    b
      .options({
        ...cacheFlag,
        ...pnrFlags,
        shape: { type: 'string', demandOption: true, coerce: shapeFlag, describe: 'weight shape: Cout,Cin,kh,kw or out,in' },
        nin: { type: 'string', demandOption: true, coerce: listFlag('--nin'), describe: 'list of Nin' },
        nout: { type: 'string', demandOption: true, coerce: listFlag('--nout'), describe: 'list of Nout' },
        ntap: { type: 'string', default: '2', coerce: listFlag('--ntap'), describe: 'list of nTap' },
        planes: { type: 'string', default: '1', coerce: listFlag('--planes'), describe: 'list of q' },
        lanes: { type: 'string', default: '1', coerce: listFlag('--lanes'), describe: 'list of lanes' },
        simd: { type: 'string', default: '1', coerce: listFlag('--simd'), describe: 'list of simd' },
        seed: { type: 'string', coerce: integerFlag('--seed', `an integer from 0 to ${MAX_SEED}`), default: '1', describe: 'seed of the drawn layers' },
        target: { choices: SYNTH_TARGETS, default: DEFAULT_SYNTH_TARGET, describe: 'technology mapping' },
        jobs: { type: 'string', coerce: integerFlag('--jobs', 'an integer from 1 to 64'), describe: 'points synthesized at once (default: the cores)' },
        output: { alias: 'o', type: 'string', demandOption: true, describe: 'folder for sweep.jsonl (the resumable state), sweep.csv, sweep.json, sweep.svg' },
      })
      .example('$0 sweep --shape 16,16,3,3 --nin 8,12,16 --nout 20 --ntap 2,3 --lanes 4 --simd 16 -o rtl-out/sweep', 'run again with the same -o to resume')
      .example('$0 sweep --shape 4,16,1,1 --nin 8,16 --nout 20 --simd 16 --pnr up5k -o rtl-out/sweep-up5k', 'also place and route every point: Fmax and LCs columns'),
  handler: async (argv) => {
    const pnr = pnrSettings(argv);
    const progress = progressBar(process.stderr);
    const sweep = await sweepIntoFolder(argv.output, {
      shape: argv.shape,
      axes: { nIn: argv.nin!, nOut: argv.nout!, nTap: argv.ntap!, planes: argv.planes!, lanes: argv.lanes!, simd: argv.simd! },
      seed: argv.seed,
      target: argv.target,
      cache: argv.cache,
      jobs: argv.jobs,
      pnr,
      onPlan: (plan) => warnSkipped(plan.skipped),
      onProgress: progress.update,
    });
    progress.end();
    writeFiles(sweep.files);
    const failed = sweep.results.filter((r) => r.error !== undefined);
    say([`${sweep.results.length} point(s), ${failed.length} failed; wrote ${argv.output}/sweep.csv, sweep.json, sweep.svg`]);
    if (failed.length > 0) checkFailed();
  },
});

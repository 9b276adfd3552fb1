/** `flexor asic`: area per module and worst path with the open OSU 0.18 um cells (Yosys and OpenSTA); an estimate without wires. */
import { InputError } from '../../core/errors.js';
import { DEFAULT_ASIC_PERIOD_NS, asicEstimate, asicJson, asicReportText } from '../../eda/asic.js';
import { YOSYS_KINDS, type YosysKind } from '../../eda/synth.js';
import { checkFailed, defineCommand, requireNewFile, say, writeNewFile } from '../flags.js';

/** --period-ns 10 or 4.5: a positive number of ns. */
function nsFlag(raw: unknown): number | undefined {
  if (raw === undefined) return undefined;
  if (Array.isArray(raw)) throw new InputError('--period-ns', 'is given more than once');
  const text = String(raw).trim();
  const value = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || !(value > 0) || value > 1e6) throw new InputError('--period-ns', `must be a number of ns above 0; got ${JSON.stringify(String(raw))}`);
  return value;
}

export const asicCommand = defineCommand({
  command: 'asic <dir>',
  describe: 'ASIC estimate with the open 180 nm OSU 0.18 um cells (no PDK download): cell area per module (Yosys) and the worst path and maximum clock (OpenSTA), without wires',
  builder: (b) =>
    b
      .positional('dir', { type: 'string', demandOption: true, describe: 'a design folder (flexor generate)' })
      .options({
        'period-ns': { type: 'string', coerce: nsFlag, describe: `the clock period OpenSTA checks (default ${DEFAULT_ASIC_PERIOD_NS}); the shortest period is reported either way` },
        yosys: { choices: YOSYS_KINDS, default: 'embedded' as YosysKind, describe: 'embedded (@yowasp/yosys) or the system yosys on PATH' },
        json: { type: 'string', describe: 'also write the report as JSON to this file' },
        force: { type: 'boolean', default: false, describe: 'overwrite an existing --json file' },
      })
      .example('$0 asic rtl-out/demo-layer --json asic.json', ''),
  handler: async (argv) => {
    if (argv.json !== undefined) requireNewFile(argv.json, argv.force, '--json');
    const report = await asicEstimate(argv.dir, { periodNs: argv['period-ns'], yosys: argv.yosys });
    say([asicReportText(report).trimEnd()]);
    for (const e of report.errors) say([`error: ${e}`], process.stderr);
    if (!report.ok) checkFailed();
    if (argv.json !== undefined) writeNewFile(argv.json, asicJson(argv.dir, report), argv.force, '--json');
  },
});

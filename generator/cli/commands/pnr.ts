/** `flexor pnr`: place and route on iCE40 inside the out-of-context wrapper; utilization, post-route Fmax, a bitstream. */
import { InputError } from '../../core/errors.js';
import { DEFAULT_PNR_CLOCK_MHZ, PNR_ROUTERS, placeAndRoute, pnrJson, pnrReportText, type PnrRouter } from '../../eda/pnr.js';
import { PNR_DEVICES, type PnrDevice } from '../../rtl/ooc.js';
import { YOSYS_KINDS, type YosysKind } from '../../eda/synth.js';
import { cacheFlag, checkFailed, defineCommand, integerFlag, mhzFlag, requireNewFile, say, writeNewFile } from '../flags.js';

export const pnrCommand = defineCommand({
  command: 'pnr <dir>',
  describe: 'Place and route a generated design on iCE40 (nextpnr-ice40 inside Node, installed on first use) inside a 4-pin wrapper: utilization and post-route Fmax',
  builder: (b) =>
    b
      .positional('dir', { type: 'string', demandOption: true, describe: 'a design folder (flexor generate)' })
      .options({
        ...cacheFlag,
        device: { type: 'string', demandOption: true, describe: `iCE40 device: ${PNR_DEVICES.join(' or ')}` },
        'clock-mhz': { type: 'string', coerce: mhzFlag('--clock-mhz'), describe: `the clock nextpnr aims at (default ${DEFAULT_PNR_CLOCK_MHZ}); the achieved one is reported either way` },
        seed: { type: 'string', coerce: integerFlag('--seed', 'an integer from 1 to 2147483647'), describe: "nextpnr's placer seed (default 1)" },
        router: { choices: PNR_ROUTERS, default: 'router1' as PnrRouter, describe: "nextpnr's router; where router1 makes no progress (the same arcs left, ripup after ripup), another --seed or router2" },
        bitstream: { type: 'string', describe: 'also write the bitstream (icepack) to this .bin file' },
        pcf: { type: 'string', describe: 'also write the pin constraints used to this file' },
        yosys: { choices: YOSYS_KINDS, default: 'embedded' as YosysKind, describe: 'embedded (@yowasp/yosys) or the system yosys on PATH' },
        json: { type: 'string', describe: 'also write the report as JSON to this file' },
        force: { type: 'boolean', default: false, describe: 'overwrite existing output files' },
      })
      .example('$0 pnr rtl-out/demo-layer --device hx8k --json pnr.json', '')
      .example('$0 pnr rtl-out/demo-decoder --device up5k --bitstream decoder.bin --pcf decoder.pcf', ''),
  handler: async (argv) => {
    const device = argv.device as PnrDevice;
    if (!PNR_DEVICES.includes(device)) throw new InputError('--device', `must be one of ${PNR_DEVICES.join(', ')}; got ${JSON.stringify(argv.device)}`);
    const outputs: [string | undefined, string][] = [[argv.json, '--json'], [argv.bitstream, '--bitstream'], [argv.pcf, '--pcf']];
    for (const [path, flag] of outputs) if (path !== undefined) requireNewFile(path, argv.force, flag);
    const report = await placeAndRoute(
      argv.dir,
      { device, clockMhz: argv['clock-mhz'], seed: argv.seed, router: argv.router, bitstream: argv.bitstream !== undefined, yosys: argv.yosys, cache: argv.cache },
      (line) => say([line], process.stderr),
    );
    say([pnrReportText(report).trimEnd()]);
    for (const e of report.errors) say([`error: ${e}`], process.stderr);
    if (!report.ok) checkFailed();
    if (argv.json !== undefined) writeNewFile(argv.json, pnrJson(argv.dir, report), argv.force, '--json');
    if (argv.pcf !== undefined) writeNewFile(argv.pcf, report.pcf, argv.force, '--pcf');
    if (argv.bitstream !== undefined && report.bitstream !== undefined) {
      writeNewFile(argv.bitstream, report.bitstream, argv.force, '--bitstream');
      say([`bitstream: ${argv.bitstream} (${report.bitstream.length} bytes, icepack); pins: ${Object.entries(report.wrapper.pins).map(([p, pin]) => `${p} ${pin}`).join(', ')}`]);
    }
  },
});

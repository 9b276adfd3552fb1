/** `flexor verify`: a design's testbench in Icarus Verilog and Verilator, every vector against the golden model. */
import { SIMULATORS, verifyDesign, type Simulator } from '../../eda/simulate.js';
import { designFolders } from '../../formats/manifest.js';
import { checkFailed, defineCommand, say, warn } from '../flags.js';

export const verifyCommand = defineCommand({
  command: 'verify <dir>',
  describe: "Build and run a generated design's testbench; exit 0 only if every vector passed",
  builder: (b) =>
    b
      .positional('dir', { type: 'string', demandOption: true, describe: 'folder written by flexor generate' })
      .options({
        simulator: { choices: [...SIMULATORS, 'both'] as const, default: 'both', describe: 'which simulator(s) to run' },
        waves: { type: 'boolean', default: false, describe: 'write DIR/build/<simulator>/waves.vcd' },
      })
      .example('$0 verify rtl-out/dec', 'Icarus Verilog and Verilator')
      .example('$0 verify rtl-out/dec --simulator iverilog --waves', 'one simulator, with a waveform'),
  handler: async (argv) => {
    const simulators: Simulator[] = argv.simulator === 'both' ? [...SIMULATORS] : [argv.simulator as Simulator];
    const folders = designFolders(argv.dir);
    // One design after the other, each reported as it finishes (a network folder holds several).
    for (const dir of folders) {
      if (folders.length > 1) say([`== ${dir}`]);
      const report = await verifyDesign(dir, simulators, { waves: argv.waves });
      if (report.changed.length > 0) warn([`edited since generation: ${report.changed.join(', ')}`]);
      for (const r of report.results) {
        if (!r.ok) process.stdout.write(r.output.endsWith('\n') ? r.output : `${r.output}\n`);
        const verdict = r.ok ? 'PASS' : `FAIL (exit status ${r.exitCode}, ${r.expected} vectors expected)`;
        say([`${r.simulator}: ${r.passed} passed, ${r.failed} failed -- ${verdict}`, ...r.figures.map((f) => `${r.simulator}: ${f}`)]);
        if (argv.waves && r.ok) say([`${r.simulator}: waveform in ${dir}/build/${r.simulator}/waves.vcd`]);
      }
      if (!report.ok) checkFailed();
    }
  },
});

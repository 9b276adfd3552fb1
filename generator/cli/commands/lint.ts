/** `flexor lint`: verilator --lint-only -Wall over a design's RTL (each design of a network folder). */
import { lintDesign } from '../../eda/simulate.js';
import { designFolders } from '../../formats/manifest.js';
import { checkFailed, defineCommand, say } from '../flags.js';

export const lintCommand = defineCommand({
  command: 'lint <dir>',
  describe: 'verilator --lint-only -Wall over the generated RTL; exit non-zero on any warning',
  builder: (b) => b.positional('dir', { type: 'string', demandOption: true, describe: 'folder written by flexor generate' }).example('$0 lint rtl-out/dec', ''),
  handler: (argv) => {
    for (const dir of designFolders(argv.dir)) {
      const report = lintDesign(dir);
      if (report.output) process.stdout.write(report.output);
      say([`${dir}: ${report.command}: ${report.ok ? 'clean' : 'WARNINGS'}`]);
      if (!report.ok) checkFailed();
    }
  },
});

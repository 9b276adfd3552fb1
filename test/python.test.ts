/**
 * The Python side (python/tests: FleXOR training in PyTorch, the exporter) run by /usr/bin/python3,
 * whose Debian packages (python3-torch, python3-numpy) they need. Where torch is not installed
 * they skip, and this test is reported as pending with the reason; `make example-digits` installs
 * the packages and runs them.
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from './helpers.js';

const PYTHON = '/usr/bin/python3';

describe('python/tests (unittest)', function () {
  it('pass where torch is installed', function () {
    this.timeout(300_000);
    if (!existsSync(PYTHON)) {
      console.log(`      skipped: ${PYTHON} is missing`);
      this.skip();
    }
    const run = spawnSync(PYTHON, ['-m', 'unittest', 'discover', '-s', join(PROJECT_ROOT, 'python/tests'), '-v'], { cwd: PROJECT_ROOT, encoding: 'utf8' });
    const output = `${run.stdout}${run.stderr}`;
    expect(run.status, output.slice(-3000)).to.equal(0);
    const ran = /^Ran (\d+) tests?/m.exec(output);
    expect(ran, output.slice(-3000)).to.not.equal(null);
    const skipped = Number(/skipped=(\d+)/.exec(output)?.[1] ?? 0);
    if (skipped === Number(ran![1])) {
      const reason = /skipped '([^']+)'/.exec(output)?.[1] ?? 'no reason given';
      console.log(`      skipped: all ${skipped} Python tests (${reason}); make example-digits installs torch and runs them`);
      this.skip();
    }
    expect(skipped, `some Python tests skipped:\n${output.slice(-3000)}`).to.equal(0);
  });
});

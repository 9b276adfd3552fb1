/**
 * The guard of `make test-unit` (test/unit-guard/run.ts) on a test file that runs the tools and
 * passes anyway: the run fails, naming each test and tool; without those tests it passes.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { expect } from 'chai';
import { PROJECT_ROOT } from './helpers.js';

const GUARD = join(PROJECT_ROOT, 'dist/test/unit-guard/run.js');
const OFFENDER = join(PROJECT_ROOT, 'dist/test/unit-guard/offender.fixture.js');

function guarded(...args: string[]) {
  const r = spawnSync(process.execPath, [GUARD, '--reporter', 'test/reporter.cjs', OFFENDER, ...args], { cwd: PROJECT_ROOT, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('the unit-set guard (make test-unit)', function () {
  it('fails a run whose tests call iverilog or the embedded Yosys, in process or through the CLI, naming each, though every test passed', function () {
    const r = guarded();
    expect(r.stdout, r.stderr).to.match(/^4 passed, 0 failed$/m);
    expect(r.status, r.stdout + r.stderr).to.equal(1);
    const report = r.stderr.slice(r.stderr.indexOf('unit set: '));
    expect(report).to.match(/^unit set: \d+ call\(s\) of a simulator or Yosys/);
    const offender = 'dist/test/unit-guard/offender.fixture.js: a test file that runs the tools';
    expect(report).to.include(`${offender} simulates in Icarus: iverilog `);
    expect(report).to.include(`${offender} proves with the embedded Yosys: yosys (embedded) `);
    expect(report).to.include(`${offender} proves through the CLI: yosys (embedded) `);
    expect(report).not.to.include('runs no tool');
  });

  it('passes a run whose tests run no tool', function () {
    const r = guarded('--grep', 'runs no tool');
    expect(r.stdout, r.stderr).to.match(/^1 passed, 0 failed$/m);
    expect(r.status, r.stdout + r.stderr).to.equal(0);
    expect(r.stderr).not.to.include('unit set: ');
  });
});

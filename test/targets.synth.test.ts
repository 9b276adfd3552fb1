/**
 * Hardware cost targets through Yosys (see targets.test.ts): the targets in flexor synth's text and
 * JSON for a hand-made layer with a MAC hierarchy, and in the HTML report of a decoder.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateDecoder } from '../generator/rtl/decoder.js';
import { writeDesignFiles } from '../generator/rtl/output.js';
import { baseModuleName, type ModuleFigures } from '../generator/eda/synth.js';
import { type TargetCheck } from '../generator/evidence/targets.js';
import { runCli, tempDir } from './helpers.js';
import { TOP, writeLayerFolder } from './targets-folder.js';

function named(checks: readonly TargetCheck[], name: string): TargetCheck {
  const c = checks.find((x) => x.name === name);
  expect(c, `check ${name} in ${checks.map((x) => x.name).join(', ')}`).to.not.equal(undefined);
  return c!;
}

describe('targets: design folders', function () {
  it('flexor synth: the targets after the table and in --json; a missed target leaves the exit status 0', function () {
    const dir = writeLayerFolder(join(tempDir('targets-synth'), 'layer'));
    const jsonFile = join(dir, 'synth.json');
    const run = runCli(['synth', dir, '--target', 'xilinx', '--json', jsonFile]);
    expect(run.status, run.stderr + run.stdout).to.equal(0);
    const json = JSON.parse(readFileSync(jsonFile, 'utf8')) as { ok: boolean; modules: ModuleFigures[]; targets: TargetCheck[] };
    expect(json.ok).to.equal(true);
    // The MAC array from the JSON's own per-module rows: t_mac, two pairs and an adder.
    const byBase = (name: string) => json.modules.find((m) => baseModuleName(m.module) === name)!;
    expect(byBase(`${TOP}_mac`).submodules).to.deep.equal({ [`${TOP}_mac_add`]: 1, [`${TOP}_mac_pair`]: 2 });
    const macLuts = byBase(`${TOP}_mac`).luts + 2 * byBase(`${TOP}_mac_pair`).luts + byBase(`${TOP}_mac_add`).luts;
    expect(byBase(`${TOP}_mac_pair`).luts).to.be.above(0);
    expect(json.targets.map((c) => c.name)).to.deep.equal(['decoder p0 LUTs', 'decoder p0 LUT levels', 'MAC array LUTs per MAC', 'LUTs per MAC, whole layer', 'trained weight bits', 'weight memory bits']);
    const mac = named(json.targets, 'MAC array LUTs per MAC');
    expect(mac.measured).to.equal(macLuts / 4);
    expect(mac.met).to.equal(macLuts <= 13 * 4);
    // The whole layer: every module's LUTs (one instance of each here) over the same 4 MACs.
    const whole = named(json.targets, 'LUTs per MAC, whole layer');
    const allLuts = json.modules.reduce((n, m) => n + m.luts * m.instances, 0);
    expect(whole).to.include({ measured: allLuts / 4, target: 15, met: allLuts <= 15 * 4 });
    expect(named(json.targets, 'decoder p0 LUTs')).to.include({ measured: byBase(`${TOP}_dec_p0`).luts, target: 20, status: 'met' });
    expect(named(json.targets, 'decoder p0 LUT levels')).to.include({ measured: 1, target: 1, status: 'met' });
    expect(named(json.targets, 'trained weight bits')).to.include({ measured: 80, target: 80, status: 'met' });
    expect(named(json.targets, 'weight memory bits')).to.include({ measured: 100, target: 96, status: 'missed', missedBy: 4 });

    const out = run.stdout;
    const table = out.indexOf('total (all instances)');
    const section = out.indexOf('targets (docs/SYNTH.md, Targets):');
    expect(table).to.be.above(-1);
    expect(section, 'the targets after the table').to.be.above(table);
    expect(out).to.match(/^ {2}weight memory bits +100 bits +exactly 96 +MISSED by 4 bits \(4\.2%\)$/m);
    expect(out).to.match(/^ {2}MAC array LUTs per MAC +[\d.]+ LUTs? per MAC +at most 13 \(FINN: 27\) +(met|MISSED by [\d.]+ LUTs? per MAC \([\d.]+%\))$/m);
    expect(out).to.contain(`${macLuts} LUTs in ${TOP}_mac with its submodules / 4 MACs (lanes 1 x simd 4 x planes 1)`);
    expect(out).to.match(/^ {2}LUTs per MAC, whole layer +[\d.]+ LUTs? per MAC +at most 15 +(met|MISSED by [\d.]+ LUTs? per MAC \([\d.]+%\))$/m);
    expect(out.indexOf('LUTs per MAC, whole layer'), 'beside the MAC array').to.be.above(out.indexOf('MAC array LUTs per MAC'));
  });

  it('flexor report on a decoder: the HTML holds its decoder targets', function () {
    const parent = tempDir('targets-report');
    const dir = join(parent, 'dec');
    writeDesignFiles(dir, generateDecoder({ nIn: 14, nOut: 16, nTap: 7, seed: 3 }).files, false);
    const file = join(parent, 'report.html');
    const run = runCli(['report', dir, '--target', 'xilinx', '-o', file]);
    expect(run.status, run.stderr + run.stdout).to.equal(0);
    const html = readFileSync(file, 'utf8');
    expect(html).to.contain('<h2>Hardware cost targets</h2>');
    // 16 rows of 7 taps: 16 x ceil(6/5) = 32 LUTs, 2 levels at most; a 7-input XOR is one LUT level on xilinx.
    expect(html).to.match(/<tr><td>decoder LUTs<\/td><td class="num">\d+ LUTs?<\/td><td>at most 32<\/td><td class="met">met<\/td>/);
    expect(html).to.match(/<tr><td>decoder LUT levels<\/td><td class="num">1 LUT level<\/td><td>at most 2<\/td><td class="met">met<\/td>/);
    expect(html).to.not.contain('MAC array');
  });
});

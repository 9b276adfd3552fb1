/**
 * Opt-in (make test-pnr): place and route with nextpnr-ice40 and the ASIC estimate with OpenSTA on
 * generated designs. Each test skips, saying why, when its tool is missing (the nextpnr package is
 * never installed here: make test-pnr installs it first).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { expect } from 'chai';
import { OSU018_LIB_PATH } from '../generator/eda/asic.js';
import { nextpnrInstalled, pnrToolsDir } from '../generator/eda/pnr.js';
import { runCliOk, tempDir } from './helpers.js';

function skipUnless(ctx: Mocha.Context, ok: boolean, why: string): void {
  if (ok) return;
  process.stdout.write(`      skipped: ${why}\n`);
  ctx.skip();
}

function generate(kind: 'decoder' | 'layer', args: string[]): string {
  const dir = join(tempDir(`pnr-${kind}`), kind);
  runCliOk(['generate', kind, ...args, '-o', dir]);
  return dir;
}

const DECODER = ['--nin', '16', '--nout', '20', '--ntap', '2', '--seed', '1'];
const SMALL_LAYER = ['--shape', '4,16,1,1', '--nin', '16', '--nout', '20', '--ntap', '2', '--seed', '1', '--lanes', '1', '--simd', '16', '--alpha-bits', '8', '--alpha-frac', '6'];

describe('flexor pnr (nextpnr-ice40)', function () {
  beforeEach(function () {
    skipUnless(this, nextpnrInstalled(), `@yowasp/nextpnr-ice40 is not installed in ${pnrToolsDir()} (make pnr-tools)`);
  });

  it('places and routes the default decoder on HX8K: utilization and post-route Fmax from the JSON report', function () {
    const dir = generate('decoder', DECODER);
    const json = join(dir, 'pnr.json');
    const r = runCliOk(['pnr', dir, '--device', 'hx8k', '--json', json]);
    const report = JSON.parse(readFileSync(json, 'utf8'));
    expect(report.utilization.ICESTORM_LC.used).to.be.within(20, 200);
    expect(report.utilization.ICESTORM_LC.available).to.equal(7680);
    expect(report.utilization.SB_IO.used).to.equal(4);
    expect(report.fmaxMhz).to.be.above(50);
    expect(report.wrapper).to.include({ inputBits: 16, outputBits: 20 });
    expect(r.stdout).to.include(`post-route maximum clock: ${report.fmaxMhz.toFixed(2)} MHz`);
    expect(r.stdout).to.include('inside the wrapper');
    expect(report.cached).to.equal(false);

    // Again: nextpnr's run comes from the place-and-route cache, the same figures; --no-cache runs it.
    const again = runCliOk(['pnr', dir, '--device', 'hx8k', '--json', json, '--force']);
    const cached = JSON.parse(readFileSync(json, 'utf8'));
    expect(cached.cached).to.equal(true);
    expect(again.stdout).to.include('from the place-and-route cache: nextpnr did not run');
    expect([cached.fmaxMhz, cached.utilization]).to.deep.equal([report.fmaxMhz, report.utilization]);
    const fresh = runCliOk(['pnr', dir, '--device', 'hx8k', '--json', json, '--force', '--no-cache']);
    expect(JSON.parse(readFileSync(json, 'utf8')).cached).to.equal(false);
    expect(fresh.stdout).to.not.include('place-and-route cache');
    // Another seed is another run, and so is another router.
    runCliOk(['pnr', dir, '--device', 'hx8k', '--seed', '2', '--json', json, '--force']);
    expect(JSON.parse(readFileSync(json, 'utf8'))).to.include({ cached: false, seed: 2, router: 'router1' });
    const router2 = runCliOk(['pnr', dir, '--device', 'hx8k', '--router', 'router2', '--json', json, '--force']);
    expect(JSON.parse(readFileSync(json, 'utf8'))).to.include({ cached: false, seed: 1, router: 'router2' });
    expect(router2.stdout).to.include('seed 1, router2');
  });

  it('places and routes a small layer on UP5K and writes its bitstream and pins', function () {
    const dir = generate('layer', SMALL_LAYER);
    const json = join(dir, 'pnr.json');
    const bin = join(dir, 'layer.bin');
    const pcf = join(dir, 'layer.pcf');
    const r = runCliOk(['pnr', dir, '--device', 'up5k', '--clock-mhz', '12', '--json', json, '--bitstream', bin, '--pcf', pcf]);
    const report = JSON.parse(readFileSync(json, 'utf8'));
    expect(report.utilization.ICESTORM_LC.used).to.be.above(1000);
    expect(report.fmaxMhz).to.be.above(5);
    expect(existsSync(bin) && readFileSync(bin).length).to.be.above(100000);
    // The UP5K's DSPs: the one lane's alpha x acc product is an SB_MAC16 (synth_ice40 -dsp).
    expect(report.dsp).to.equal(true);
    expect(report.utilization.ICESTORM_DSP).to.deep.equal({ used: 1, available: 8 });
    expect(r.stdout).to.include('multipliers in DSP blocks (synth_ice40 -dsp): 1 SB_MAC16');
    expect(readFileSync(pcf, 'utf8')).to.include('set_io clk 35');
    expect(r.stdout).to.match(/bitstream: .*layer\.bin/);
  });
});

describe('--pnr: the post-route figures of flexor pnr in flexor synth and flexor report', function () {
  beforeEach(function () {
    skipUnless(this, nextpnrInstalled(), `@yowasp/nextpnr-ice40 is not installed in ${pnrToolsDir()} (make pnr-tools)`);
  });

  it('synth --pnr hx8k and report --pnr hx8k on the default decoder give the Fmax and LCs flexor pnr gives', function () {
    const dir = generate('decoder', DECODER);
    const pnrJson = join(dir, 'pnr.json');
    const synthJson = join(dir, 'synth.json');
    const html = join(dir, 'report.html');
    runCliOk(['pnr', dir, '--device', 'hx8k', '--json', pnrJson]);
    const synth = runCliOk(['synth', dir, '--pnr', 'hx8k', '--json', synthJson]);
    const report = runCliOk(['report', dir, '--pnr', 'hx8k', '-o', html]);
    const alone = JSON.parse(readFileSync(pnrJson, 'utf8'));
    const beside = JSON.parse(readFileSync(synthJson, 'utf8')).pnr;
    expect(alone.fmaxMhz).to.be.above(50);
    expect(beside.fmaxMhz).to.equal(alone.fmaxMhz);
    expect(beside.lcs).to.deep.equal(alone.utilization.ICESTORM_LC);
    expect(beside).to.include({ device: 'hx8k', fits: true, ok: true, clockMhz: 100, seed: 1 });
    expect(synth.stdout).to.include(`post-route Fmax: ${alone.fmaxMhz.toFixed(2)} MHz (met 100 MHz)`);
    expect(report.stdout).to.include(`post-route Fmax (hx8k): ${alone.fmaxMhz.toFixed(2)} MHz`);
    expect(readFileSync(html, 'utf8')).to.include(`<td>post-route Fmax</td><td class="num">${alone.fmaxMhz.toFixed(2)} MHz</td>`);
  });
});

describe('flexor asic (OSU 0.18 um, OpenSTA)', function () {
  beforeEach(function () {
    const sta = spawnSync('sh', ['-c', 'command -v sta'], { encoding: 'utf8' }).status === 0;
    skipUnless(this, sta && existsSync(process.env.FLEXOR_OSU018_LIB ?? OSU018_LIB_PATH), 'OpenSTA (sta) or the OSU 0.18 um library is missing (make asic-tools)');
  });

  it('gives the area and the worst path of the default decoder', function () {
    const dir = generate('decoder', DECODER);
    const json = join(dir, 'asic.json');
    const r = runCliOk(['asic', dir, '--json', json]);
    const report = JSON.parse(readFileSync(json, 'utf8'));
    expect(report.totalArea).to.be.within(500, 5000);
    expect(report.sta.slackNs).to.be.above(0);
    expect(report.sta.arrivalNs).to.be.above(0);
    expect(r.stdout).to.include('without wires');
    expect(r.stdout).to.match(/worst path \(OpenSTA/);
  });
});

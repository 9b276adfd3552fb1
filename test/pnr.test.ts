/**
 * flexor pnr and flexor asic without the tools: nextpnr's JSON report and OpenSTA's report read
 * from saved fixtures (test/fixtures/pnr/, their README.md), the Yosys area statistics, the
 * out-of-context wrapper's text, and bad flags (exit 2 naming the flag, before any tool runs).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { parseAreaStat, parseStaReport } from '../generator/eda/asic.js';
import { checkPnrOptions, mainClock, overUsed, parseNextpnrReport, parsePorts, pnrReportText, type PnrReport } from '../generator/eda/pnr.js';
import { oocWrapper, wrapperPcf, type DesignPort } from '../generator/rtl/ooc.js';
import { pnrCacheDir, pnrCacheKey } from '../generator/eda/synthcache.js';
import { PROJECT_ROOT, runCli } from './helpers.js';

const FIXTURES = join(PROJECT_ROOT, 'test/fixtures/pnr');
const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');

describe("nextpnr's report (fixture: a 32-bit multiplier between shift registers on HX8K)", () => {
  const figures = parseNextpnrReport(fixture('nextpnr-report.json'));
  const log = fixture('nextpnr-log.txt');

  it('reads the utilization of every kind of site', () => {
    expect(figures.utilization.ICESTORM_LC).to.deep.equal({ used: 1423, available: 7680 });
    expect(figures.utilization.ICESTORM_RAM).to.deep.equal({ used: 0, available: 32 });
    expect(figures.utilization.SB_IO).to.deep.equal({ used: 4, available: 256 });
  });

  it("agrees with the utilization nextpnr's log prints", () => {
    const printed = [...log.matchAll(/^Info:\s+(\w+):\s+(\d+)\/\s*(\d+)\s+\d+%$/gm)];
    expect(printed.length).to.be.greaterThan(3);
    for (const [, kind, used, available] of printed) expect(figures.utilization[kind], kind).to.deep.equal({ used: Number(used), available: Number(available) });
  });

  it("takes the post-route Fmax: the JSON's, which is the log's last (post-route) line, not its first (pre-route) one", () => {
    const clock = mainClock(figures)!;
    expect(clock).to.match(/^clk\$/);
    const { achievedMhz, constraintMhz } = figures.fmax[clock];
    expect(constraintMhz).to.equal(100);
    const lines = [...log.matchAll(/Max frequency for clock '([^']*)': ([\d.]+) MHz/g)];
    expect(lines.length).to.equal(2);
    expect(achievedMhz.toFixed(2)).to.equal(lines[1][2]);
    expect(achievedMhz.toFixed(2)).not.to.equal(lines[0][2]);
  });

  it('prints the figures it read', () => {
    const clock = mainClock(figures)!;
    const report = {
      device: 'hx8k', package: 'ct256', top: 'dut', clockMhz: 100, seed: 1, fmaxMhz: figures.fmax[clock].achievedMhz, met: false,
      wrapper: { module: 'dut_ooc', inputBits: 64, outputBits: 32, pins: { clk: 'J3', sin: 'B10', shift: 'B7', sout: 'B12' }, luts: 32, flipFlops: 96 },
      utilization: figures.utilization, figures, nextpnrVersion: '0.8.621', nextpnrLog: '', pcf: '', wrapperText: '', errors: [], ok: true, seconds: 1,
    } as unknown as PnrReport;
    const text = pnrReportText(report);
    expect(text).to.match(/^ICESTORM_LC\s+1423\s+7680\s+18\.5%$/m);
    expect(text).to.include('post-route maximum clock: 58.60 MHz');
    expect(text).to.include('MISSED');
    expect(text).to.include('inside the wrapper dut_ooc');
    expect(text).to.include('the design without the wrapper: about 1327 LCs');
    expect(text).to.not.include('cache');
    expect(pnrReportText({ ...report, cached: true })).to.include('from the place-and-route cache: nextpnr did not run');
  });

  it('names the sites a design too large overuses', () => {
    const tooLarge = 'Info: Device utilisation:\nInfo: \t         ICESTORM_LC:   10173/   7680   132%\nInfo: \t        ICESTORM_RAM:       0/     32     0%\n';
    expect(overUsed(tooLarge)).to.deep.equal(['ICESTORM_LC 10173 of 7680 (132%)']);
    expect(overUsed(log)).to.deep.equal([]);
  });

  it('refuses a report that is not JSON or has no utilization', () => {
    expect(() => parseNextpnrReport('Info: not json')).to.throw(/not JSON/);
    expect(() => parseNextpnrReport('{}')).to.throw(/no utilization/);
  });
});

describe('the place-and-route cache', () => {
  const base = { nextpnrVersion: '0.8.621', args: ['--hx8k', '--freq', '100', '--seed', '1'], files: new Map([['netlist.json', '{}'], ['pins.pcf', 'set_io clk J3']]) };

  it('keys a run by the nextpnr version, its arguments and the files it reads, each of which changes the key', () => {
    const key = pnrCacheKey(base);
    expect(key).to.match(/^[0-9a-f]{64}$/);
    expect(pnrCacheKey({ ...base, files: new Map(base.files) })).to.equal(key);
    const variants = [
      { ...base, nextpnrVersion: '0.8.622' },
      { ...base, args: ['--hx8k', '--freq', '100', '--seed', '2'] },
      { ...base, args: ['--seed', '1', '--hx8k', '--freq', '100'] },
      { ...base, files: new Map([['netlist.json', '{ }'], ['pins.pcf', 'set_io clk J3']]) },
      { ...base, files: new Map([['netlist.json', '{}'], ['pins.pcf', 'set_io clk J4']]) },
    ];
    const keys = new Set([key, ...variants.map(pnrCacheKey)]);
    expect(keys.size).to.equal(variants.length + 1);
  });

  it('lives in pnr/ beside the synthesis cache, under the same environment rules', () => {
    expect(pnrCacheDir({ FLEXOR_CACHE_DIR: '/c' }, '/h')).to.equal('/c/pnr');
    expect(pnrCacheDir({ XDG_CACHE_HOME: '/x' }, '/h')).to.equal('/x/flexor-rtl/pnr');
    expect(pnrCacheDir({}, '/h')).to.equal('/h/.cache/flexor-rtl/pnr');
    expect(pnrCacheDir({ FLEXOR_NO_CACHE: '1' }, '/h')).to.equal(undefined);
  });
});

describe('OpenSTA and the area statistics (fixtures: the default ResNet-20 layer in OSU 0.18 um)', () => {
  it("reads the worst path of report_checks: arrival, required, slack, the shortest period", () => {
    const sta = parseStaReport(fixture('opensta-layer.txt'), 10)!;
    expect(sta.arrivalNs).to.equal(7.253);
    expect(sta.requiredNs).to.equal(9.822);
    expect(sta.slackNs).to.equal(2.569);
    expect(sta.met).to.equal(true);
    expect(sta.minPeriodNs).to.be.closeTo(7.431, 1e-9);
    expect(sta.maxClockMhz).to.be.closeTo(1000 / 7.431, 1e-9);
    expect(sta.startpoint).to.match(/^u_acts\//);
    expect(sta.tnsNs).to.equal(0);
    // slack = required - arrival, as the report prints them.
    expect(sta.requiredNs - sta.arrivalNs).to.be.closeTo(sta.slackNs, 1e-9);
  });

  it('reads a violated path and nothing from a report without one', () => {
    const violated = fixture('opensta-layer.txt').replace('2.569   slack (MET)', '-1.250   slack (VIOLATED)');
    const sta = parseStaReport(violated, 5)!;
    expect(sta.met).to.equal(false);
    expect(sta.minPeriodNs).to.equal(6.25);
    expect(parseStaReport('Error: netlist.v, line 8 syntax error', 10)).to.equal(undefined);
  });

  it('adds up the area over the hierarchy: decoders against the MAC array', () => {
    const top = 'flexor_layer_16x144_oi_16x20_t2_q1_p4g16_s1';
    const area = parseAreaStat(fixture('osu018-layer-stat.json'), top);
    const stat = JSON.parse(fixture('osu018-layer-stat.json')) as { design: { area: number } };
    expect(area.totalArea).to.be.closeTo(stat.design.area, 1e-6);
    const block = (name: string) => area.blocks.find((b) => b.name === name)!;
    const dec = block(`${top}_dec_p0`);
    const mac = block(`${top}_mac`);
    expect(dec.instances).to.equal(4);
    expect(mac.instances).to.equal(1);
    expect(dec.area).to.equal(4 * 1112);
    expect(mac.area).to.be.greaterThan(30 * dec.area);
    expect(area.blocks.reduce((s, b) => s + b.area, 0)).to.be.closeTo(area.totalArea, 1e-6);
    expect(area.modules.find((m) => m.module.endsWith('_mac_pair') || m.module.includes('_mac_pair\\'))!.instances).to.equal(32);
  });
});

describe('the out-of-context wrapper', () => {
  const layerPorts: DesignPort[] = [
    { name: 'clk', direction: 'input', width: 1 },
    { name: 'rst', direction: 'input', width: 1 },
    { name: 's_axis_act_tdata', direction: 'input', width: 128 },
    { name: 's_axis_act_tvalid', direction: 'input', width: 1 },
    { name: 's_axis_act_tready', direction: 'output', width: 1 },
    { name: 'm_axis_out_tdata', direction: 'output', width: 128 },
  ];

  it('puts every input but the clock on the input chain and every output on the output chain, in port order', () => {
    const w = oocWrapper('lay', layerPorts);
    expect(w.module).to.equal('lay_ooc');
    expect(w.clock).to.equal('clk');
    expect(w.inputBits).to.equal(130);
    expect(w.outputBits).to.equal(129);
    expect(w.layout.map((l) => [l.port, l.offset])).to.deep.equal([['rst', 0], ['s_axis_act_tdata', 1], ['s_axis_act_tvalid', 129], ['s_axis_act_tready', 0], ['m_axis_out_tdata', 1]]);
    expect(w.text).to.include('.clk(clk)');
    expect(w.text).to.include('.s_axis_act_tdata(in_q[128:1])');
    expect(w.text).to.include('.m_axis_out_tdata(dut_out[128:1])');
    expect(w.text).to.include('if (shift) in_q <= {in_q[128:0], sin};');
    expect(w.text).to.match(/^module lay_ooc \($/m);
    for (const line of w.text.split('\n')) expect(line.length, line).to.be.at.most(100);
  });

  it('wraps a combinational design: no clock port, one-bit chains', () => {
    const w = oocWrapper('d', [{ name: 'a', direction: 'input', width: 1 }, { name: 'y', direction: 'output', width: 1 }]);
    expect(w.clock).to.equal(undefined);
    expect(w.text).to.include('if (shift) in_q <= sin;');
    expect(w.text).to.include("if (shift) out_q <= 1'b0;");
  });

  it('refuses inout ports, designs without outputs and two clocks', () => {
    expect(() => oocWrapper('d', [{ name: 'p', direction: 'inout', width: 1 }, { name: 'y', direction: 'output', width: 1 }])).to.throw(/inout/);
    expect(() => oocWrapper('d', [{ name: 'a', direction: 'input', width: 4 }])).to.throw(/no outputs/);
    expect(() => oocWrapper('d', [{ name: 'clk', direction: 'input', width: 1 }, { name: 'aclk', direction: 'input', width: 1 }, { name: 'y', direction: 'output', width: 1 }])).to.throw(/2 clock inputs/);
  });

  it('pins the four ports on each device', () => {
    expect(wrapperPcf('up5k')).to.include('set_io clk 35\nset_io sin 4\nset_io shift 2\nset_io sout 47\n');
    expect(wrapperPcf('hx8k')).to.include('set_io clk J3\n');
  });

  it("reads the top's ports from Yosys's RTLIL, in port order", () => {
    const il = ['module \\t', '  wire width 128 output 3 \\q', '  wire input 1 \\clk', '  wire $auto$1', '  wire width 8 input 2 \\a', 'end'].join('\n');
    expect(parsePorts(il)).to.deep.equal([
      { name: 'clk', direction: 'input', width: 1 },
      { name: 'a', direction: 'input', width: 8 },
      { name: 'q', direction: 'output', width: 128 },
    ]);
  });
});

describe('flexor pnr and flexor asic: bad flags exit 2 naming the flag, before any tool runs', () => {
  const dir = join(PROJECT_ROOT, 'rtl-out');
  const cases: [string[], RegExp][] = [
    [['pnr', dir, '--device', 'xc7a35t'], /--device: must be one of hx8k, up5k; got "xc7a35t"/],
    [['pnr', dir], /--device: is required/],
    [['pnr', dir, '--device', 'hx8k', '--clock-mhz', 'fast'], /--clock-mhz: must be a number of MHz/],
    [['pnr', dir, '--device', 'up5k', '--clock-mhz', '0'], /--clock-mhz: must be a number of MHz/],
    [['pnr', dir, '--device', 'up5k', '--clock-mhz', '-12'], /--clock-mhz/],
    [['pnr', dir, '--device', 'up5k', '--seed', '1.5'], /--seed: must be an integer/],
    [['pnr', dir, '--device', 'hx8k', '--router', 'router3'], /--router: must be one of router1, router2; got "router3"/],
    [['asic', dir, '--period-ns', '0'], /--period-ns: must be a number of ns above 0/],
    [['asic', dir, '--period-ns', 'x'], /--period-ns/],
  ];
  for (const [args, message] of cases) {
    it(`flexor ${args[0]} DIR ${args.slice(2).join(' ')}`, () => {
      const r = runCli(args);
      expect(r.status, r.stderr).to.equal(2);
      expect(r.stderr).to.match(message);
      expect(r.stdout).to.equal('');
    });
  }

  it('checkPnrOptions: the library refuses the same', () => {
    expect(() => checkPnrOptions({ device: 'ecp5' as 'hx8k' })).to.throw(/--device/);
    expect(() => checkPnrOptions({ device: 'hx8k', clockMhz: Number.NaN })).to.throw(/--clock-mhz/);
    expect(() => checkPnrOptions({ device: 'hx8k', router: 'router3' as 'router1' })).to.throw(/--router: must be one of router1, router2/);
    expect(checkPnrOptions({ device: 'up5k' })).to.deep.equal({ device: 'up5k', clockMhz: 100, seed: 1, router: 'router1' });
  });
});

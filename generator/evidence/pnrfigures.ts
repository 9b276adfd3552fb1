/**
 * Post-route figures beside the synthesis (docs/IMPLEMENTATION.md, "Fmax in the other
 * evidence"): `flexor synth`, `compare`, `sweep` and `report` with `--pnr hx8k|up5k` run the
 * place and route of `flexor pnr` (placeAndRoute, the same wrapper, synthesis cache and nextpnr)
 * and add a `pnr` section: the device, the post-route Fmax, the LCs, block RAMs and DSPs used, and
 * whether the design fits. A design too large for the device is a figure ("does not fit: N of M
 * LCs"), not a failure. Without the option nothing runs and no place-and-route tool is needed.
 *
 * pnrFigures, pnrFiguresText and pnrComparisonText are pure: a PnrReport (or its figures) in,
 * figures and text out.
 */
import { checkPnrOptions, placeAndRoute, wrapperLcs, type PnrFlagNames, type PnrReport, type PnrRouter, type SiteUse } from '../eda/pnr.js';
import type { PnrDevice } from '../rtl/ooc.js';
import type { SynthOptions } from '../eda/synth.js';

/** The flags of the commands that take place and route as an option. */
export const PNR_EVIDENCE_FLAGS: PnrFlagNames = { device: '--pnr', clockMhz: '--pnr-clock-mhz', seed: '--pnr-seed', router: '--pnr-router' };

/** Place and route as an option of synth, compare, sweep and report. */
export interface PnrSettings {
  device: PnrDevice;
  /** The clock nextpnr aims at, MHz (default 100). */
  clockMhz?: number;
  /** nextpnr's placer seed (default 1). */
  seed?: number;
  /** nextpnr's router (default router1). */
  router?: PnrRouter;
}

/** The `pnr` section of synth --json, compare --json, a sweep result and the report. */
export interface PnrFigures {
  device: PnrDevice;
  package: string;
  /** The clock nextpnr aimed at, MHz. */
  clockMhz: number;
  seed: number;
  router: PnrRouter;
  /** False when the design needs more sites of a kind than the device has (then no Fmax). */
  fits: boolean;
  /** The post-route maximum frequency of the clock (nextpnr's JSON report); null when not placed. */
  fmaxMhz: number | null;
  /** fmaxMhz >= clockMhz; null when not placed. */
  met: boolean | null;
  /** Logic cells (ICESTORM_LC), the wrapper's included; null when nextpnr did not get as far as packing. */
  lcs: SiteUse | null;
  /** Block RAMs (ICESTORM_RAM, 4 kbit EBRs). */
  ebrs: SiteUse | null;
  /** DSP blocks (ICESTORM_DSP, SB_MAC16): the UP5K has 8, the HX8K none. */
  dsps: SiteUse | null;
  /** Multipliers were mapped to DSP blocks (synth_ice40 -dsp, on the UP5K). */
  dspMapping: boolean;
  /** The LCs the out-of-context wrapper takes (one per chain bit). */
  wrapperLcs: number;
  /** lcs.used minus the wrapper's: about what the design itself takes. */
  designLcs: number | null;
  /** The sites overused when the design does not fit: `ICESTORM_LC 10173 of 7680 (132%)`. */
  overused: string[];
  /** Every kind of site, as nextpnr lists them. */
  utilization: Record<string, SiteUse>;
  nextpnrVersion: string;
  /** Place and route gave a verdict: placed and routed, or does not fit. False when it failed otherwise (see errors). */
  ok: boolean;
  /** Why place and route failed, other than not fitting. */
  errors: string[];
  seconds: number;
}

/** The settings checked (input errors name --pnr, --pnr-clock-mhz, --pnr-seed, --pnr-router) with their defaults. */
export function checkPnrSettings(settings: PnrSettings): Required<PnrSettings> {
  return checkPnrOptions(settings, PNR_EVIDENCE_FLAGS);
}

/** The figures of a place-and-route report. */
export function pnrFigures(r: PnrReport): PnrFigures {
  const site = (kind: string): SiteUse | null => r.utilization[kind] ?? null;
  const lcs = site('ICESTORM_LC');
  const fits = r.overused.length === 0;
  const placed = r.ok && r.fmaxMhz !== undefined;
  return {
    device: r.device,
    package: r.package,
    clockMhz: r.clockMhz,
    seed: r.seed,
    router: r.router,
    fits,
    fmaxMhz: placed ? r.fmaxMhz! : null,
    met: placed ? r.met ?? null : null,
    lcs,
    ebrs: site('ICESTORM_RAM'),
    dsps: site('ICESTORM_DSP'),
    dspMapping: r.dsp,
    wrapperLcs: wrapperLcs(r),
    designLcs: lcs === null ? null : Math.max(0, lcs.used - wrapperLcs(r)),
    overused: [...r.overused],
    utilization: r.utilization,
    nextpnrVersion: r.nextpnrVersion,
    ok: r.ok || !fits,
    errors: fits ? [...r.errors] : [],
    seconds: Number(r.seconds.toFixed(3)),
  };
}

/** Places and routes the design in `dir` (flexor pnr's flow) and returns its figures; does not throw on a design that does not fit. */
export async function pnrEvidence(dir: string, settings: PnrSettings, options: Pick<SynthOptions, 'yosys' | 'cache'> = {}, log: (line: string) => void = () => {}): Promise<PnrFigures> {
  const checked = checkPnrSettings(settings);
  const report = await placeAndRoute(dir, { ...checked, yosys: options.yosys, cache: options.cache }, log);
  return pnrFigures(report);
}

// ---------------------------------------------------------------------------------------- text

/** "53 of 7680 (0.7%)". */
function useText(u: SiteUse): string {
  return `${u.used} of ${u.available}${u.available > 0 ? ` (${((100 * u.used) / u.available).toFixed(1)}%)` : ''}`;
}

/** "314.70 MHz", "does not fit: 10173 of 7680 LCs", "failed": the one figure of a design's place and route. */
export function fmaxText(f: PnrFigures): string {
  if (!f.fits) return f.lcs !== null && f.lcs.used > f.lcs.available ? `does not fit: ${f.lcs.used} of ${f.lcs.available} LCs` : `does not fit: ${f.overused.join(', ')}`;
  if (f.fmaxMhz === null) return 'failed';
  return `${f.fmaxMhz.toFixed(2)} MHz`;
}

/** "iCE40 HX8K ct256, nextpnr-ice40 0.8.621, aimed at 100 MHz, seed 1, router1". */
export function pnrSettingsText(f: PnrFigures): string {
  return `iCE40 ${f.device.toUpperCase()} ${f.package}, nextpnr-ice40 ${f.nextpnrVersion}, aimed at ${f.clockMhz} MHz, seed ${f.seed}, ${f.router}${f.dspMapping ? ', multipliers in DSPs (synth_ice40 -dsp)' : ''}`;
}

/** The pnr section of flexor synth's text: settings, Fmax (or "does not fit"), the sites used. */
export function pnrFiguresText(f: PnrFigures): string {
  const lines = [`place and route (docs/IMPLEMENTATION.md; the design inside its out-of-context wrapper): ${pnrSettingsText(f)}, ${f.seconds.toFixed(1)} s`];
  const verdict = f.fmaxMhz !== null ? `${fmaxText(f)} (${f.met ? 'met' : 'MISSED'} ${f.clockMhz} MHz)` : fmaxText(f);
  lines.push(`  post-route Fmax: ${verdict}`);
  if (f.lcs !== null) lines.push(`  LCs: ${useText(f.lcs)}, of which the wrapper about ${f.wrapperLcs}: the design about ${f.designLcs}`);
  if (f.ebrs !== null) lines.push(`  block RAM (EBR): ${useText(f.ebrs)}`);
  if (f.dsps !== null) lines.push(`  DSP (SB_MAC16): ${useText(f.dsps)}`);
  for (const e of f.errors) lines.push(`  error: ${e}`);
  return `${lines.join('\n')}\n`;
}

/** FleXOR's Fmax over the baseline's; null when either has none. */
export function fmaxRatio(flexor: PnrFigures, baseline: PnrFigures): number | null {
  return flexor.fmaxMhz !== null && baseline.fmaxMhz !== null && baseline.fmaxMhz > 0 ? flexor.fmaxMhz / baseline.fmaxMhz : null;
}

/** The place-and-route rows of flexor compare: name, FleXOR, 1-bit binary, FleXOR / binary (no row for sites neither side's device has). */
export function pnrComparisonRows(flexor: PnrFigures, baseline: PnrFigures): [string, string, string, string][] {
  const use = (u: SiteUse | null) => (u === null ? '-' : `${u.used} of ${u.available}`);
  const ratio = (a: SiteUse | null, b: SiteUse | null) => (a !== null && b !== null && b.used > 0 ? (a.used / b.used).toFixed(3) : '-');
  return [
    ['post-route Fmax', fmaxText(flexor), fmaxText(baseline), fmaxRatio(flexor, baseline)?.toFixed(3) ?? '-'],
    ['LCs', use(flexor.lcs), use(baseline.lcs), ratio(flexor.lcs, baseline.lcs)],
    ['block RAM (EBR)', use(flexor.ebrs), use(baseline.ebrs), ratio(flexor.ebrs, baseline.ebrs)],
    ['DSP (SB_MAC16)', use(flexor.dsps), use(baseline.dsps), ratio(flexor.dsps, baseline.dsps)],
  ].filter(([, a, b]) => a !== '-' || b !== '-') as [string, string, string, string][];
}

/** The place-and-route table of flexor compare. */
export function pnrComparisonText(flexor: PnrFigures, baseline: PnrFigures): string {
  const rows = [['figure', 'FleXOR', '1-bit binary', 'FleXOR / binary'], ...pnrComparisonRows(flexor, baseline)];
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => r[i].length)));
  const lines = [`place and route: ${pnrSettingsText(flexor)}`];
  for (const r of rows) lines.push(r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
  for (const [side, f] of [['FleXOR', flexor], ['1-bit binary', baseline]] as const) for (const e of f.errors) lines.push(`${side}: error: ${e}`);
  return `${lines.join('\n')}\n`;
}

/**
 * One self-contained HTML report: the synthesis table, the hardware cost targets (met or missed,
 * generator/targets.ts), the memory a FleXOR layer saves against its
 * 1-bit binary twin, the sweep plot and a picture of the XOR decoder network. Inline CSS and SVG
 * only: no scripts, no external resources, so the file opens anywhere and can be mailed as is.
 */
import { comparisonRows, type Comparison } from './compare.js';
import type { XorMatrix } from '../core/matrix.js';
import { displayName, type SynthReport } from '../eda/synth.js';
import { figureText, resultText, targetText, type TargetCheck } from './targets.js';
import { VERSION } from '../formats/version.js';
import { escapeXml } from './svg.js';

export { escapeXml };

/** Largest Nout decoderNetworkSvg draws; larger matrices get a note instead. */
export const MAX_DRAWN_N_OUT = 64;

const CSS = `
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; padding: 0 1em; }
h1 { font-size: 1.6em; } h2 { font-size: 1.25em; margin-top: 2em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 0.5em 0 1em; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; }
th { background: #f2f2f2; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.total td { font-weight: bold; background: #fafafa; }
.note { color: #555; font-size: 0.9em; }
.bad { color: #b00020; } .good { color: #1b7f2a; }
td.met { background: #e6f4ea; color: #1b7f2a; font-weight: bold; } td.missed { background: #fdecea; color: #b00020; font-weight: bold; }
td.open { color: #555; }
figure { margin: 1em 0; overflow-x: auto; }
`;

function num(v: number): string {
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));
}

function table(headers: readonly string[], rows: readonly (readonly (string | number)[])[], totalRow = -1): string {
  const head = `<tr>${headers.map((h) => `<th>${escapeXml(h)}</th>`).join('')}</tr>`;
  const body = rows
    .map((row, i) => `<tr${i === totalRow ? ' class="total"' : ''}>${row.map((c) => (typeof c === 'number' ? `<td class="num">${num(c)}</td>` : `<td>${escapeXml(c)}</td>`)).join('')}</tr>`)
    .join('\n');
  return `<table>\n<thead>${head}</thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
}

function synthSection(r: SynthReport): string {
  const headers = ['module', 'instances', 'LUTs', 'flip-flops', 'carry cells', 'DSPs', 'block RAMs', 'memory bits', 'LUT levels'];
  const rows = r.modules.map((m) => [displayName(m.module), m.instances, m.luts, m.flipFlops, m.carryCells, m.dsps, m.blockRams, m.memoryBits, m.lutLevels ?? '']);
  const t = r.total;
  rows.push(['total (every instance)', 1, t.luts, t.flipFlops, t.carryCells, t.dsps, t.blockRams, t.memoryBits, r.lutLevels]);
  const parts = [
    '<h2>Synthesis</h2>',
    `<p>Top <code>${escapeXml(r.top)}</code>, target <b>${escapeXml(r.target)}</b>, Yosys ${escapeXml(r.yosysVersion)} (${escapeXml(r.yosys)}), ${r.seconds.toFixed(1)} s. Figures per module are for one instance.</p>`,
    table(headers, rows, rows.length - 1),
  ];
  if (r.errors.length > 0) parts.push(`<p class="bad">Errors:</p><ul>${r.errors.map((e) => `<li class="bad">${escapeXml(e)}</li>`).join('')}</ul>`);
  if (r.warnings.length > 0) parts.push(`<details><summary>${r.warnings.length} warning(s)</summary><ul>${r.warnings.map((w) => `<li>${escapeXml(w)}</li>`).join('')}</ul></details>`);
  if (r.memoryMapping.length > 0) parts.push(`<p class="note">Memory mapping: ${r.memoryMapping.map(escapeXml).join('; ')}</p>`);
  return parts.join('\n');
}

function comparisonSection(c: Comparison): string {
  const rows = comparisonRows(c);
  const pct = (a: number, b: number) => (b === 0 ? '' : `${a - b >= 0 ? '+' : ''}${(((a - b) / b) * 100).toFixed(1)}%`);
  const body = rows.map(([name, a, b]) => [name, a, b, `${a - b >= 0 ? '+' : ''}${a - b}`, pct(a, b)]);
  const saved = c.baseline.trainedBits - c.flexor.trainedBits;
  const memorySaved = c.baseline.memoryBits - c.flexor.memoryBits;
  const extra = c.flexor.decoderLuts - c.baseline.decoderLuts;
  const ratio = c.baseline.memoryBits === 0 ? '' : ` (${((c.flexor.memoryBits / c.baseline.memoryBits) * 100).toFixed(1)}% of the binary layer's memory)`;
  return [
    '<h2>Memory savings against the 1-bit binary layer</h2>',
    `<p>Both synthesized for <b>${escapeXml(c.flexor.synth.target)}</b>. FleXOR stores <b>${memorySaved}</b> fewer weight-memory bits${escapeXml(ratio)} and ${saved} fewer trained bits; its XOR decoders cost <b>${extra}</b> LUTs${
      extra > 0 ? ` (${(saved / extra).toFixed(1)} stored bits saved per decoder LUT)` : ''
    }.</p>`,
    table(['figure', 'FleXOR', '1-bit binary', 'difference', 'relative'], body),
  ].join('\n');
}

/** The hardware cost targets: one row per check, met in green, missed in red (docs/SYNTH.md, Targets). */
function targetsSection(checks: readonly TargetCheck[]): string {
  const parts = ['<h2>Hardware cost targets</h2>'];
  if (checks.length === 0) {
    parts.push('<p class="note">No target applies to this design.</p>');
    return parts.join('\n');
  }
  const rows = checks.map((c) => {
    const cls = c.status === 'met' ? 'met' : c.status === 'missed' ? 'missed' : 'open';
    const measured = c.measured === null ? '-' : figureText(c.measured, c.unit);
    return `<tr><td>${escapeXml(c.name)}</td><td class="num">${escapeXml(measured)}</td><td>${escapeXml(targetText(c))}</td><td class="${cls}">${escapeXml(resultText(c))}</td><td class="note">${escapeXml(c.detail)}</td></tr>`;
  });
  parts.push(
    '<p class="note">Decoder and MAC-array targets are measured on <code>--target xilinx</code> (6-input LUTs); the weight-memory targets come from manifest.json and hold on any target.</p>',
    `<table>\n<thead><tr><th>check</th><th>measured</th><th>target</th><th>result</th><th>how</th></tr></thead>\n<tbody>\n${rows.join('\n')}\n</tbody>\n</table>`,
  );
  return parts.join('\n');
}

/** Strips an XML declaration or doctype, so a stand-alone SVG can be inlined in HTML. */
function inlineSvg(svg: string): string {
  return svg.replace(/^\s*<\?xml[^>]*\?>\s*/, '').replace(/^\s*<!DOCTYPE[^>]*>\s*/i, '').trim();
}

/**
 * The report as one HTML file (XHTML-style markup: every element closed). Sections appear only
 * for the inputs given. `sweepSvg` and `decoderSvg` are inlined as they are: pass the output of
 * sweepSvg and decoderNetworkSvg, not untrusted markup.
 */
export function htmlReport(input: { title: string; synth?: SynthReport; targets?: readonly TargetCheck[]; comparison?: Comparison; sweepSvg?: string; decoderSvg?: string }): string {
  const sections: string[] = [];
  if (input.synth) sections.push(synthSection(input.synth));
  if (input.targets) sections.push(targetsSection(input.targets));
  if (input.comparison) sections.push(comparisonSection(input.comparison));
  if (input.sweepSvg) {
    sections.push(
      [
        '<h2>Design-space sweep</h2>',
        '<p class="note">LUTs and weight-memory bits against stored bits per weight, one colour per nTap. Dots are sweep points; each line joins the smallest value at each bits-per-weight.</p>',
        `<figure>${inlineSvg(input.sweepSvg)}</figure>`,
      ].join('\n'),
    );
  }
  if (input.decoderSvg) {
    sections.push(
      [
        '<h2>XOR decoder network</h2>',
        '<p class="note">Encrypted bits x on the left; each decoded weight bit y is the XOR of the inputs wired to it.</p>',
        `<figure>${inlineSvg(input.decoderSvg)}</figure>`,
      ].join('\n'),
    );
  }
  if (sections.length === 0) sections.push('<p class="note">Nothing to report: no synthesis, targets, comparison, sweep or decoder was given.</p>');
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8"/>',
    '<meta name="viewport" content="width=device-width, initial-scale=1"/>',
    `<title>${escapeXml(input.title)}</title>`,
    `<style>${CSS}</style>`,
    '</head>',
    '<body>',
    `<h1>${escapeXml(input.title)}</h1>`,
    `<p class="note">Generated by flexor-rtl ${escapeXml(VERSION)}.</p>`,
    ...sections,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/**
 * The XOR network of one plane's matrix: inputs x0..x(Nin-1) on the left, one XOR symbol per
 * output row y_j on the right with a line from each of its taps. Above MAX_DRAWN_N_OUT outputs
 * (or Nin) the picture would be unreadable: a small SVG with a note instead.
 */
export function decoderNetworkSvg(matrix: XorMatrix): string {
  const { nIn, nOut, bits } = matrix;
  if (nOut > MAX_DRAWN_N_OUT || nIn > MAX_DRAWN_N_OUT) {
    const note = `The ${nOut} x ${nIn} XOR network is too large to draw (at most ${MAX_DRAWN_N_OUT} outputs); see matrix.json.`;
    return [
      `<svg xmlns="http://www.w3.org/2000/svg" width="640" height="40" viewBox="0 0 640 40" font-family="sans-serif" font-size="12">`,
      `<text class="note" x="10" y="24">${escapeXml(note)}</text>`,
      '</svg>',
      '',
    ].join('\n');
  }
  const row = 16;
  const top = 30;
  const rows = Math.max(nIn, nOut);
  const height = top + rows * row + 20;
  const inputX = 60;
  const gateX = 420;
  const r = 6;
  const width = gateX + 110;
  const f = (v: number) => v.toFixed(1);
  // Inputs and outputs spread over the same height, each centred in its band.
  const yIn = (i: number) => top + ((i + 0.5) * rows * row) / nIn;
  const yOut = (j: number) => top + ((j + 0.5) * rows * row) / nOut;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="monospace" font-size="11">`);
  out.push(`<title>${escapeXml(`XOR decoder network: ${nIn} inputs, ${nOut} outputs`)}</title>`);
  out.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`);
  out.push(`<text x="${inputX}" y="16" text-anchor="end" font-family="sans-serif">encrypted x</text>`);
  out.push(`<text x="${gateX + r + 8}" y="16" font-family="sans-serif">decoded y</text>`);
  out.push('<g class="wires" stroke="#6a8caf" stroke-width="0.8" fill="none">');
  for (let j = 0; j < nOut; j++) {
    for (let i = 0; i < nIn; i++) {
      if (bits[j * nIn + i] !== 1) continue;
      const x1 = inputX + 4;
      const x2 = gateX - r;
      const mid = (x1 + x2) / 2;
      out.push(`<path d="M${f(x1)},${f(yIn(i))} C${f(mid)},${f(yIn(i))} ${f(mid)},${f(yOut(j))} ${f(x2)},${f(yOut(j))}"/>`);
    }
  }
  out.push('</g>');
  out.push('<g class="inputs">');
  for (let i = 0; i < nIn; i++) {
    out.push(`<circle cx="${inputX + 2}" cy="${f(yIn(i))}" r="2.5" fill="#000000"/><text x="${inputX - 4}" y="${f(yIn(i) + 4)}" text-anchor="end">x${i}</text>`);
  }
  out.push('</g>');
  out.push('<g class="gates">');
  for (let j = 0; j < nOut; j++) {
    const y = yOut(j);
    let taps = 0;
    for (let i = 0; i < nIn; i++) taps += bits[j * nIn + i];
    const label = taps === 0 ? `y${j} = 0` : `y${j}`;
    out.push(
      `<g class="xor" data-row="${j}"><circle cx="${gateX}" cy="${f(y)}" r="${r}" fill="#ffffff" stroke="#000000"/>` +
        `<line x1="${gateX - r}" y1="${f(y)}" x2="${gateX + r}" y2="${f(y)}" stroke="#000000"/>` +
        `<line x1="${gateX}" y1="${f(y - r)}" x2="${gateX}" y2="${f(y + r)}" stroke="#000000"/>` +
        `<line x1="${gateX + r}" y1="${f(y)}" x2="${gateX + r + 6}" y2="${f(y)}" stroke="#000000"/>` +
        `<text x="${gateX + r + 10}" y="${f(y + 4)}">${escapeXml(label)}</text></g>`,
    );
  }
  out.push('</g>');
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

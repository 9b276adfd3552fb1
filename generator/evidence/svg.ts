/**
 * The pictures of the evidence commands, as stand-alone SVG (the HTML report inlines them): the
 * sweep's plot and the XOR network of a decoder. Plain SVG 1.1, no scripts, deterministic.
 */
import type { XorMatrix } from '../core/matrix.js';
import type { SweepResult } from './sweep.js';

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** Largest Nout decoderNetworkSvg draws; larger matrices get a note instead. */
export const MAX_DRAWN_N_OUT = 64;

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

// ---------------------------------------------------------------------------------------- sweep

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

/** "Nice" tick values covering [lo, hi]: steps of 1, 2 or 5 times a power of ten. */
function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  const raw = (hi - lo) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const ticks: number[] = [];
  for (let t = Math.floor(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  if (ticks[ticks.length - 1] < hi) ticks.push(Number((ticks[ticks.length - 1] + step).toPrecision(12)));
  return ticks;
}

function tickLabel(v: number): string {
  if (Math.abs(v) >= 1e6) return `${Number((v / 1e6).toPrecision(4))}M`;
  if (Math.abs(v) >= 1e4) return `${Number((v / 1e3).toPrecision(4))}k`;
  return String(Number(v.toPrecision(4)));
}

interface Panel {
  title: string;
  yLabel: string;
  value: (r: SweepResult) => number;
}

/**
 * LUTs (left) and weight-memory bits (right) against bits per weight, one series per nTap (its own
 * colour, one legend entry). Every point is a dot; each series' line joins its smallest value at
 * each bits-per-weight (the cheapest lanes/simd/Nout there). Points with an error are left out.
 */
export function sweepSvg(results: readonly SweepResult[]): string {
  const ok = results.filter((r) => r.error === undefined);
  const taps = [...new Set(ok.map((r) => r.nTap))].sort((a, b) => a - b);
  const colour = (t: number) => PALETTE[taps.indexOf(t) % PALETTE.length];
  const panels: Panel[] = [
    { title: 'LUTs', yLabel: 'LUTs', value: (r) => r.luts },
    { title: 'Weight memory', yLabel: 'memory bits', value: (r) => r.memoryBits },
  ];
  const pw = 360;
  const ph = 260;
  const margin = { left: 70, right: 20, top: 40, bottom: 50 };
  const panelWidth = margin.left + pw + margin.right;
  const legendHeight = 24 + 18 * Math.max(1, taps.length);
  const width = panelWidth * panels.length;
  const height = margin.top + ph + margin.bottom + legendHeight;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`);
  out.push(`<title>FleXOR sweep: LUTs and memory bits against bits per weight</title>`);
  out.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`);
  const xs = ok.map((r) => r.bitsPerWeight);
  const xTicks = niceTicks(Math.min(0, ...xs), xs.length ? Math.max(...xs) : 1);
  panels.forEach((panel, pi) => {
    const ox = pi * panelWidth + margin.left;
    const oy = margin.top;
    const ys = ok.map(panel.value);
    const yTicks = niceTicks(0, ys.length ? Math.max(...ys) : 1);
    const [x0, x1] = [xTicks[0], xTicks[xTicks.length - 1]];
    const [y0, y1] = [yTicks[0], yTicks[yTicks.length - 1]];
    const px = (v: number) => ox + ((v - x0) / (x1 - x0 || 1)) * pw;
    const py = (v: number) => oy + ph - ((v - y0) / (y1 - y0 || 1)) * ph;
    const f = (v: number) => v.toFixed(1);
    out.push(`<g class="panel" data-panel="${escapeXml(panel.title)}">`);
    out.push(`<text x="${f(ox + pw / 2)}" y="${oy - 16}" text-anchor="middle" font-size="13" font-weight="bold">${escapeXml(panel.title)}</text>`);
    for (const t of yTicks) {
      out.push(`<line x1="${f(ox)}" y1="${f(py(t))}" x2="${f(ox + pw)}" y2="${f(py(t))}" stroke="#e0e0e0"/>`);
      out.push(`<line x1="${f(ox - 4)}" y1="${f(py(t))}" x2="${f(ox)}" y2="${f(py(t))}" stroke="#000000"/>`);
      out.push(`<text x="${f(ox - 6)}" y="${f(py(t) + 4)}" text-anchor="end">${escapeXml(tickLabel(t))}</text>`);
    }
    for (const t of xTicks) {
      out.push(`<line x1="${f(px(t))}" y1="${f(oy + ph)}" x2="${f(px(t))}" y2="${f(oy + ph + 4)}" stroke="#000000"/>`);
      out.push(`<text x="${f(px(t))}" y="${f(oy + ph + 16)}" text-anchor="middle">${escapeXml(tickLabel(t))}</text>`);
    }
    out.push(`<line x1="${f(ox)}" y1="${f(oy + ph)}" x2="${f(ox + pw)}" y2="${f(oy + ph)}" stroke="#000000"/>`);
    out.push(`<line x1="${f(ox)}" y1="${f(oy)}" x2="${f(ox)}" y2="${f(oy + ph)}" stroke="#000000"/>`);
    out.push(`<text x="${f(ox + pw / 2)}" y="${f(oy + ph + 36)}" text-anchor="middle">bits per weight (planes x Nin / Nout)</text>`);
    out.push(`<text x="${f(ox - 52)}" y="${f(oy + ph / 2)}" text-anchor="middle" transform="rotate(-90 ${f(ox - 52)} ${f(oy + ph / 2)})">${escapeXml(panel.yLabel)}</text>`);
    for (const t of taps) {
      const series = ok.filter((r) => r.nTap === t);
      const best = new Map<number, number>();
      for (const r of series) best.set(r.bitsPerWeight, Math.min(best.get(r.bitsPerWeight) ?? Infinity, panel.value(r)));
      const line = [...best.entries()].sort((a, b) => a[0] - b[0]).map(([x, y]) => `${f(px(x))},${f(py(y))}`).join(' ');
      out.push(`<polyline class="series" data-ntap="${t}" points="${line}" fill="none" stroke="${colour(t)}" stroke-width="1.5"/>`);
      for (const r of series) {
        out.push(
          `<circle cx="${f(px(r.bitsPerWeight))}" cy="${f(py(panel.value(r)))}" r="3" fill="${colour(t)}"><title>${escapeXml(`${r.key}: ${panel.yLabel} ${panel.value(r)}`)}</title></circle>`,
        );
      }
    }
    out.push('</g>');
  });
  const ly = margin.top + ph + margin.bottom + 8;
  out.push(`<g class="legend">`);
  out.push(`<text x="${margin.left}" y="${ly + 6}" font-weight="bold">nTap</text>`);
  if (taps.length === 0) out.push(`<text x="${margin.left + 40}" y="${ly + 6}">no results without errors</text>`);
  taps.forEach((t, i) => {
    const y = ly + 18 * (i + 1);
    out.push(`<g class="legend-entry" data-ntap="${t}"><line x1="${margin.left}" y1="${y}" x2="${margin.left + 24}" y2="${y}" stroke="${colour(t)}" stroke-width="2"/><circle cx="${margin.left + 12}" cy="${y}" r="3" fill="${colour(t)}"/><text x="${margin.left + 32}" y="${y + 4}">nTap = ${t}</text></g>`);
  });
  out.push('</g>');
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

/** Counts [true][predicted] of `classes` classes; an error for a label outside 0..classes-1. */
export function confusionCounts(truth: readonly number[], predicted: readonly number[], classes: number): number[][] {
  if (truth.length !== predicted.length) throw new RangeError(`confusionCounts: ${truth.length} true labels but ${predicted.length} predicted`);
  const counts = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  truth.forEach((t, i) => {
    const p = predicted[i];
    if (!(Number.isInteger(t) && t >= 0 && t < classes && Number.isInteger(p) && p >= 0 && p < classes)) throw new RangeError(`confusionCounts: label pair ${t}, ${p} (entry ${i}) outside 0..${classes - 1}`);
    counts[t][p]++;
  });
  return counts;
}

/**
 * The confusion matrix as a grid: a row per true class, a column per predicted class, each cell
 * shaded by its count as a share of its row (the diagonal is what was right) and labelled with
 * the count.
 */
export function confusionSvg(counts: readonly (readonly number[])[], title: string): string {
  const classes = counts.length;
  const cell = 34;
  const left = 90;
  const top = 70;
  const width = left + classes * cell + 20;
  const height = top + classes * cell + 40;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`);
  out.push(`<title>${escapeXml(title)}</title>`);
  out.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`);
  out.push(`<text x="${left + (classes * cell) / 2}" y="20" text-anchor="middle" font-size="13" font-weight="bold">${escapeXml(title)}</text>`);
  out.push(`<text x="${left + (classes * cell) / 2}" y="${top - 26}" text-anchor="middle">predicted class</text>`);
  out.push(`<text x="20" y="${top + (classes * cell) / 2}" text-anchor="middle" transform="rotate(-90 20 ${top + (classes * cell) / 2})">true class</text>`);
  counts.forEach((row, t) => {
    const total = row.reduce((a, b) => a + b, 0);
    out.push(`<text x="${left - 8}" y="${top + t * cell + cell / 2 + 4}" text-anchor="end">${t}</text>`);
    row.forEach((n, p) => {
      const share = total === 0 ? 0 : n / total;
      const hue = t === p ? '27,127,42' : '176,0,32';
      const x = left + p * cell;
      const y = top + t * cell;
      out.push(`<rect class="cell" data-true="${t}" data-predicted="${p}" x="${x}" y="${y}" width="${cell}" height="${cell}" fill="rgba(${hue},${(share * 0.85).toFixed(3)})" stroke="#cccccc"><title>${escapeXml(`true ${t}, predicted ${p}: ${n}`)}</title></rect>`);
      if (n > 0) out.push(`<text x="${x + cell / 2}" y="${y + cell / 2 + 4}" text-anchor="middle" fill="${share > 0.5 ? '#ffffff' : '#222222'}">${n}</text>`);
    });
  });
  for (let p = 0; p < classes; p++) out.push(`<text x="${left + p * cell + cell / 2}" y="${top - 8}" text-anchor="middle">${p}</text>`);
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

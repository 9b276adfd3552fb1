/**
 * The netlist of an XOR decoder: two-input XOR gates arranged as one balanced tree per matrix row.
 * Built from the matrix alone; the templates only print it.
 */
import { rowTaps, unusedColumns, type XorMatrix } from '../core/matrix.js';

/** A signal of the decoder: an encrypted input bit, a gate's output, or constant zero. */
export type Signal = { readonly kind: 'input'; readonly index: number } | { readonly kind: 'gate'; readonly id: number } | { readonly kind: 'zero' };

export interface XorGate {
  readonly id: number;
  /** The row whose tree holds this gate. */
  readonly row: number;
  /** 1 for a gate fed by inputs only, n for a gate whose deepest input is a level n-1 gate. */
  readonly level: number;
  /** Position among the gates of the same row and level, from 0. */
  readonly position: number;
  readonly a: Signal;
  readonly b: Signal;
}

export interface DecodedBit {
  readonly row: number;
  readonly taps: readonly number[];
  readonly driver: Signal;
  /** XOR levels between the inputs and this output: ceil(log2(taps)), 0 for one tap or none. */
  readonly depth: number;
}

export interface XorNetlist {
  readonly nIn: number;
  readonly nOut: number;
  readonly gates: readonly XorGate[];
  readonly outputs: readonly DecodedBit[];
  /** Input bits no row uses (kept as ports, named as unused in the RTL). */
  readonly unusedInputs: readonly number[];
  /** Largest output depth, in two-input XOR levels. */
  readonly depth: number;
}

/**
 * Builds the balanced XOR trees: each row's taps (ascending) are paired level by level, left to
 * right; an odd signal out passes up unchanged. A row of k taps uses k-1 gates and ceil(log2 k)
 * levels. Gates are numbered row by row, level by level.
 */
export function buildXorNetlist(m: XorMatrix): XorNetlist {
  const gates: XorGate[] = [];
  const outputs: DecodedBit[] = [];
  for (let row = 0; row < m.nOut; row++) {
    const taps = rowTaps(m, row);
    const perLevel: number[] = [];
    let layer: { signal: Signal; level: number }[] = taps.map((index) => ({ signal: { kind: 'input', index }, level: 0 }));
    while (layer.length > 1) {
      const next: typeof layer = [];
      for (let k = 0; k + 1 < layer.length; k += 2) {
        const level = Math.max(layer[k].level, layer[k + 1].level) + 1;
        const position = perLevel[level] ?? 0;
        perLevel[level] = position + 1;
        const gate: XorGate = { id: gates.length, row, level, position, a: layer[k].signal, b: layer[k + 1].signal };
        gates.push(gate);
        next.push({ signal: { kind: 'gate', id: gate.id }, level });
      }
      if (layer.length % 2 === 1) next.push(layer[layer.length - 1]);
      layer = next;
    }
    const driver: Signal = layer.length === 0 ? { kind: 'zero' } : layer[0].signal;
    outputs.push({ row, taps, driver, depth: layer.length === 0 ? 0 : layer[0].level });
  }
  return {
    nIn: m.nIn,
    nOut: m.nOut,
    gates,
    outputs,
    unusedInputs: unusedColumns(m),
    depth: outputs.reduce((d, o) => Math.max(d, o.depth), 0),
  };
}

/** Evaluates the netlist on input bits x (nIn entries 0/1): an independent check of the trees. */
export function evaluateNetlist(net: XorNetlist, x: ArrayLike<number>): Uint8Array {
  const values = new Uint8Array(net.gates.length);
  const value = (s: Signal): number => (s.kind === 'input' ? x[s.index] & 1 : s.kind === 'gate' ? values[s.id] : 0);
  for (const g of net.gates) values[g.id] = value(g.a) ^ value(g.b);
  return Uint8Array.from(net.outputs, (o) => value(o.driver));
}

/** The view of the gearboxes (templates/layer/layer_gearbox.hbs): every unit's ring, one control. */
import type { GeneratedFile } from '../design.js';
import type { GearboxModel, LayerModel } from './model.js';
import { moduleView, rtlFile } from './view.js';

export function gearboxView(model: LayerModel) {
  const g = model.gearbox;
  const rings = model.config.planes * model.plan.units;
  return {
    ...moduleView(model, model.names.gearbox),
    planes: model.config.planes,
    units: model.plan.units,
    groupsBits: rings * g.group,
    bitsBits: rings * g.chunk,
    chunk: g.chunk,
    lastAmount: g.lastAmount,
    endAdvance: g.endAdvance,
    group: g.group,
    groups: g.groups,
    groupPointerBits: g.groupPointerBits,
    offsetBits: g.offsetBits,
    positionBits: g.positionBits,
    fillBits: g.fillBits,
    start: g.start,
    delayBits: g.delayBits,
    delaysBits: g.delayBits * g.delays.length,
    // Unit u's delay at DELAYS[u*DELAY_W +: DELAY_W]: the concatenation lists the last unit first.
    delays: [...g.delays].reverse().map((delay, i) => ({ delay, unit: g.delays.length - 1 - i })),
    anyDelay: g.delays.some((d) => d > 0),
    // used_q counts 0..NG groups.
    usedBits: g.groupPointerBits + 1,
    pops: g.pops,
    restHigh: g.positionBits > g.offsetBits,
    ...phaseView(g),
  };
}

/**
 * A `phases` gearbox's phase table and window multiplexer, as the template prints them: up to 4
 * phases one case on ph_q; beyond, a case on ph_q[1:0] per group of two or more phases, then one
 * on ph_q[3:2] among the groups (GearboxPhase.code).
 */
function phaseView(g: GearboxModel) {
  if (g.window !== 'phases') return { phased: false };
  const ringBits = g.groups * g.group;
  const label = (code: number) => `${g.phaseBits}'d${code}`;
  const usedBits = g.groupPointerBits + 1;
  const pick = (values: { end: string; last: string; chunk: string }) =>
    values.end === values.last && values.last === values.chunk
      ? values.chunk
      : values.last === values.chunk
        ? `vec_end_i ? ${values.end} : ${values.chunk}`
        : `vec_end_i ? ${values.end} : row_end_i ? ${values.last} : ${values.chunk}`;
  const window = (position: number) => ringSlice(position, g.chunk, ringBits);
  const twoLevel = g.phaseBits === 4;
  const his = twoLevel ? [...new Set(g.phases.map((p) => p.code >> 2))] : [];
  const groups = his.map((hi) => ({ hi, members: g.phases.filter((p) => p.code >> 2 === hi) }));
  return {
    phased: true,
    twoLevel,
    phaseCount: g.phases.length,
    phaseBits: g.phaseBits,
    phaseText: `The ${g.phases.length} positions: ${g.phases.map((p) => p.position).join(', ')}.`,
    startPhaseLabel: label(g.startPhase),
    phaseRows: g.phases.map((p) => ({
      label: label(p.code),
      position: p.position,
      next: pick({ end: label(p.next.end.phase), last: label(p.next.last.phase), chunk: label(p.next.chunk.phase) }),
      pops: pick({ end: `${usedBits}'d${p.next.end.pops}`, last: `${usedBits}'d${p.next.last.pops}`, chunk: `${usedBits}'d${p.next.chunk.pops}` }),
      window: window(p.position),
    })),
    defaultWindow: window(g.phases[0].position),
    // Two levels: the groups of two or more, each a case on ph_q[1:0]; then the case on ph_q[3:2].
    windowGroups: groups
      .filter((x) => x.members.length > 1)
      .map((x) => ({
        name: `pick_${x.hi}`,
        cases: x.members.map((p) => ({ label: `2'd${p.code & 3}`, position: p.position, window: window(p.position) })),
        defaultWindow: window(x.members[0].position),
      })),
    windowTop: groups.map((x) => ({
      label: `2'd${x.hi}`,
      source: x.members.length > 1 ? `pick_${x.hi}` : window(x.members[0].position),
      what: x.members.length > 1 ? `positions ${x.members.map((p) => p.position).join(', ')}` : `position ${x.members[0].position}`,
    })),
    windowTopFull: groups.length === 4,
    unusedRing: unreadRing(g.phases.map((p) => p.position), g.chunk, ringBits),
  };
}

/** The ring bits no window reads, as a concatenation of ranges (highest first); undefined if none. */
function unreadRing(positions: readonly number[], chunk: number, ringBits: number): string | undefined {
  const read = new Set(positions.flatMap((p) => Array.from({ length: chunk }, (_, i) => (p + i) % ringBits)));
  const ranges: string[] = [];
  for (let hi = ringBits - 1; hi >= 0; ) {
    if (read.has(hi)) {
      hi--;
      continue;
    }
    let lo = hi;
    while (lo > 0 && !read.has(lo - 1)) lo--;
    ranges.push(hi === lo ? `ring[${hi}]` : `ring[${hi}:${lo}]`);
    hi = lo - 1;
  }
  return ranges.length === 0 ? undefined : ranges.length === 1 ? ranges[0] : `{${ranges.join(', ')}}`;
}

/** Ring bits position .. position + width - 1 (modulo the ring), the first at bit 0. */
function ringSlice(position: number, width: number, ringBits: number): string {
  const end = position + width;
  if (end <= ringBits) return `ring[${end - 1}:${position}]`;
  return `{ring[${end - ringBits - 1}:0], ring[${ringBits - 1}:${position}]}`;
}

export function gearboxFile(model: LayerModel): GeneratedFile {
  return rtlFile(model, model.names.gearbox, 'layer/layer_gearbox', gearboxView(model));
}

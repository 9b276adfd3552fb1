/**
 * Where each memory of a synthesized design went (docs/SYNTH.md, "Where the memories went"): one
 * row per memory the RTL declares, its module, name and width x depth from the design Yosys
 * elaborated (`memories.il`, written before any memory pass), and its place after mapping from the
 * mapped netlist: the cells memory_libmap named after it (`<memory>.<i>.<j>`), block RAM or LUT
 * RAM, else logic (a ROM) or flip-flops (a RAM).
 */

/** block RAM and LUT RAM: the memory's own cells; logic: a ROM in LUTs; flip-flops: a RAM in registers. */
export type MemoryPlace = 'block RAM' | 'LUT RAM' | 'logic' | 'flip-flops';

export interface MemoryPlacement {
  /** The module in the netlist (as `ModuleFigures.module`). */
  module: string;
  memory: string;
  width: number;
  depth: number;
  /** width x depth. */
  bits: number;
  /** No write port. */
  rom: boolean;
  /** Instances of the module in the design. */
  instances: number;
  place: MemoryPlace;
  /** The cells holding one instance of the memory, by type (block RAM and LUT RAM only). */
  cells: Record<string, number>;
}

interface DeclaredMemory {
  module: string;
  memory: string;
  width: number;
  depth: number;
  rom: boolean;
}

/** An RTLIL name as write_json writes it: a public name without its leading backslash. */
function plainName(name: string): string {
  return name.startsWith('\\') ? name.slice(1) : name;
}

/** The memories of an RTLIL text (`write_rtlil` of the memories and their write ports), in order. */
export function declaredMemories(rtlil: string): DeclaredMemory[] {
  const memories: DeclaredMemory[] = [];
  const written = new Set<string>();
  let module = '';
  let inWrite = false;
  for (const line of rtlil.split('\n').map((l) => l.trim())) {
    const m = /^module (\S+)$/.exec(line);
    if (m) module = plainName(m[1]);
    const mem = /^memory width (\d+) size (\d+)(?: offset -?\d+)? (\S+)$/.exec(line);
    if (mem) memories.push({ module, memory: plainName(mem[3]), width: Number(mem[1]), depth: Number(mem[2]), rom: true });
    if (line.startsWith('cell ')) inWrite = /^cell \$memwr/.test(line);
    const id = /^parameter \\MEMID "(.*)"$/.exec(line);
    if (id && inWrite) written.add(`${module}\n${plainName(id[1].replace(/\\\\/g, '\\'))}`);
  }
  return memories.map((d) => ({ ...d, rom: !written.has(`${d.module}\n${d.memory}`) }));
}

interface NetlistCells {
  modules: Record<string, { cells: Record<string, { type: string }> }>;
}

/** The place of every declared memory in the mapped netlist; modules the netlist lacks are left out. */
export function memoryPlacements(rtlil: string, netlist: NetlistCells, blockRam: RegExp, instances: ReadonlyMap<string, number>): MemoryPlacement[] {
  return declaredMemories(rtlil).flatMap((d) => {
    const module = netlist.modules[d.module];
    const count = instances.get(d.module);
    if (module === undefined || count === undefined) return [];
    const cells: Record<string, number> = {};
    for (const [name, cell] of Object.entries(module.cells)) {
      if (name.startsWith(`${d.memory}.`) && /^\d/.test(name.slice(d.memory.length + 1))) cells[cell.type] = (cells[cell.type] ?? 0) + 1;
    }
    const types = Object.keys(cells);
    const place: MemoryPlace = types.some((t) => blockRam.test(t)) ? 'block RAM' : types.length > 0 ? 'LUT RAM' : d.rom ? 'logic' : 'flip-flops';
    return [{ ...d, bits: d.width * d.depth, instances: count, place, cells }];
  });
}

/** Where a memory went, in words: `block RAM: 1 RAMB18E1`, `LUT RAM: 22 RAM32M`, `logic (LUTs)`, `flip-flops`. */
export function placeText(p: MemoryPlacement): string {
  const cells = Object.entries(p.cells)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([t, c]) => `${c} ${t}`)
    .join(', ');
  if (p.place === 'logic') return 'logic (LUTs)';
  return cells === '' ? p.place : `${p.place}: ${cells}`;
}

/** The memories as a table, one row per memory (cells per instance), for the synthesis report. */
export function memoryTableLines(placements: readonly MemoryPlacement[], display: (module: string) => string): string[] {
  const head = ['module', 'memory', 'width x depth', 'bits', 'count', 'where (one instance)'];
  const rows = placements.map((p) => [display(p.module), p.memory, `${p.width} x ${p.depth}`, String(p.bits), String(p.instances), placeText(p)]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const format = (cols: string[]) => cols.map((c, i) => (i === 3 || i === 4 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [format(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(format)];
}

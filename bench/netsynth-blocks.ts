/**
 * An accelerator synthesized block by block (synthesizeBlocks, generator/evidence/netsynth.ts):
 * each block alone in Yosys (xilinx), blocks that differ only in their names once (the synthesis
 * cache), the table of `flexor synth` with the generator's estimate. For designs too large for
 * one synthesis run, such as ResNet-20 (make resnet20-synth).
 *
 *     node dist/bench/netsynth-blocks.js DIR [REGEX]      REGEX: only the blocks whose name matches
 */
import { acceleratorBlocksText, synthesizeBlocks } from '../generator/evidence/netsynth.js';

const [dir, only] = process.argv.slice(2);
if (dir === undefined) {
  console.error('usage: node dist/bench/netsynth-blocks.js DIR [REGEX]');
  process.exit(2);
}
const start = Date.now();
const { rows, distinct, cached } = await synthesizeBlocks(dir, { target: 'xilinx', only: only === undefined || only === '' ? undefined : new RegExp(only), log: (l) => console.log(l) });
const sum = (f: (r: (typeof rows)[number]) => number | null) => rows.reduce((n, r) => n + (f(r) ?? 0), 0);
/** The sum of the rows (cellTypes empty: the LUT RAM sites are summed from the rows). */
const total = {
  module: 'blocks', cells: 0, instances: 1, luts: sum((r) => r.luts), flipFlops: sum((r) => r.flipFlops), carryCells: sum((r) => r.carryCells), memoryBits: sum((r) => r.memoryBits),
  dsps: sum((r) => r.dsps), blockRams: sum((r) => r.blockRams), cellTypes: {},
};
console.log(acceleratorBlocksText(rows, total, sum((r) => r.lutRamSites)).replace(/\n\s*$/, ''));
console.log(`${rows.length} blocks, ${distinct} distinct designs, ${cached} runs from the synthesis cache; ${((Date.now() - start) / 1000).toFixed(0)} s.`);

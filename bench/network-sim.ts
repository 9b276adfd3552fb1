/**
 * LeNet-5 (docs/examples/lenet5.yaml, seeded, with the scales the manifest gives) as an
 * accelerator in Verilator: the golden model's images per second against the simulated
 * hardware's, measured side by side in one run, and the hardware's cycles per image against the
 * slowest block's ideal. Run: node dist/bench/network-sim.js (a few minutes: Verilator compiles
 * the whole network).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { networkGolden } from '../generator/core/netgolden.js';
import { testRandom } from '../generator/core/prng.js';
import { verifyDesign } from '../generator/eda/simulate.js';
import { generateNetworkAccelerator } from '../generator/rtl/network/generate.js';
import { writeDesignFiles } from '../generator/rtl/output.js';

const MANIFEST = fileURLToPath(new URL('../../docs/examples/lenet5.yaml', import.meta.url));
const IMAGES = 4;

const work = mkdtempSync(join(tmpdir(), 'flexor-bench-lenet-'));
try {
  const rng = testRandom(3, 0);
  const design = generateNetworkAccelerator(MANIFEST, { images: IMAGES });
  const dir = join(work, 'lenet5');
  writeDesignFiles(dir, design.files, false);
  const start = process.hrtime.bigint();
  const report = await verifyDesign(dir, ['verilator']);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const [r] = report.results;
  const cycles = /^cycles per image: ([0-9.]+)/m.exec(r.output)?.[1];
  const images = { kind: 'integer' as const, images: Array.from({ length: 8 }, () => Int32Array.from({ length: 784 }, () => rng.below(256))) };
  const t0 = process.hrtime.bigint();
  networkGolden(design.model, images);
  const golden = 8 / (Number(process.hrtime.bigint() - t0) / 1e9);
  console.log(`lenet5 accelerator in Verilator: ${r.passed} of ${IMAGES} images bit-exact (${r.ok ? 'PASS' : 'FAIL'}), build and run ${seconds.toFixed(1)} s`);
  console.log(`lenet5 cycles per image: ${cycles} measured, ${design.idealCyclesPerImage} ideal (the slowest block: ${design.slowest})`);
  console.log(`lenet5 images/s: golden model ${golden.toFixed(1)}, Verilator (build included) ${(IMAGES / seconds).toFixed(2)}; ratio ${(golden / (IMAGES / seconds)).toFixed(1)}`);
  if (!r.ok) process.exitCode = 1;
} finally {
  rmSync(work, { recursive: true, force: true });
}

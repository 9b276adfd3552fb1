/**
 * Preloaded into every Node process of a guarded run (NODE_OPTIONS=--import=...): compiling or
 * instantiating WebAssembly, which in this project only the embedded Yosys (@yowasp/yosys) does,
 * logs the call and throws. Loading the package stays harmless (its version is read without
 * running it). Patching the global object here, in the process's own thread, costs next to nothing
 * and holds however a module was loaded (import or require).
 */
import { appendFileSync } from 'node:fs';
import { LOG_VARIABLE, TEST_VARIABLE } from './run.js';

function refuse(what: string): never {
  const log = process.env[LOG_VARIABLE];
  if (log) appendFileSync(log, `yosys (embedded) ${what}\t${process.env[TEST_VARIABLE] ?? ''}\n`);
  throw new Error(`${what}: the embedded Yosys is not run in the unit set (make test-unit); name the test file *.synth.test.ts`);
}

for (const name of ['compile', 'compileStreaming', 'instantiate', 'instantiateStreaming'] as const) {
  Object.defineProperty(WebAssembly, name, { value: () => refuse(`WebAssembly.${name}`), writable: true, configurable: true });
}
for (const name of ['Module', 'Instance'] as const) {
  Object.defineProperty(WebAssembly, name, { value: function refused() { refuse(`new WebAssembly.${name}`); }, writable: true, configurable: true });
}

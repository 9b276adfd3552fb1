/**
 * The out-of-context wrapper of flexor pnr is lint-clean (verilator --lint-only -Wall) around a
 * generated decoder and a generated layer.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { oocWrapper, type DesignPort } from '../generator/rtl/ooc.js';
import { manifestOf, runCliOk, tempDir } from './helpers.js';

function lintWrapped(dir: string, ports: DesignPort[]): void {
  const manifest = manifestOf(dir);
  const w = oocWrapper(manifest.top as string, ports);
  writeFileSync(join(dir, w.fileName), w.text);
  const args = ['--lint-only', '-Wall', '--top-module', w.module, '-f', manifest.rtlFileList as string, w.fileName];
  const r = spawnSync('verilator', args, { cwd: dir, encoding: 'utf8' });
  const output = `${r.stdout}${r.stderr}`;
  expect(r.status, output).to.equal(0);
  expect(output).not.to.match(/%(Warning|Error)/);
}

describe('the place-and-route wrapper in Verilator -Wall', () => {
  it('around the default decoder (combinational: no clock port)', () => {
    const dir = join(tempDir('ooc-dec'), 'dec');
    runCliOk(['generate', 'decoder', '--nin', '16', '--nout', '20', '--ntap', '2', '--seed', '1', '-o', dir]);
    lintWrapped(dir, [
      { name: 'enc_i', direction: 'input', width: 16 },
      { name: 'dec_o', direction: 'output', width: 20 },
    ]);
  });

  it('around the default ResNet-20 layer (its clock on the wrapper clock, 132 + 131 chain bits)', () => {
    const dir = join(tempDir('ooc-layer'), 'layer');
    runCliOk(['generate', 'layer', '--shape', '16,16,3,3', '--nin', '16', '--nout', '20', '--ntap', '2', '--seed', '1', '--lanes', '4', '--simd', '16', '-o', dir]);
    lintWrapped(dir, [
      { name: 'clk', direction: 'input', width: 1 },
      { name: 'rst', direction: 'input', width: 1 },
      { name: 's_axis_act_tdata', direction: 'input', width: 128 },
      { name: 's_axis_act_tvalid', direction: 'input', width: 1 },
      { name: 's_axis_act_tready', direction: 'output', width: 1 },
      { name: 's_axis_act_tlast', direction: 'input', width: 1 },
      { name: 'm_axis_out_tdata', direction: 'output', width: 128 },
      { name: 'm_axis_out_tvalid', direction: 'output', width: 1 },
      { name: 'm_axis_out_tready', direction: 'input', width: 1 },
      { name: 'm_axis_out_tlast', direction: 'output', width: 1 },
    ]);
  });
});

/**
 * The `flexor` commands that run Yosys (see cli.test.ts): prove, and sweep with report.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { generateDecoderCli as generate, runCli, runCliOk as ok, tempDir } from './helpers.js';

describe('flexor CLI', () => {
  describe('verify and lint', () => {
    it('prove says proven, then REFUTED with a counterexample after one tap is moved (exit 1)', () => {
      const dir = join(tempDir('prove'), 'dec');
      generate(['--nin', '16', '--nout', '20', '--ntap', '2', '--seed', '1'], dir);
      expect(ok(['prove', dir]).stdout).to.match(/^flexor_dec_16x20_t2_s1 \(plane 0\): proven/m);
      const rtl = join(dir, 'rtl', 'flexor_dec_16x20_t2_s1.sv');
      writeFileSync(rtl, readFileSync(rtl, 'utf8').replace('assign x0_1_0 = enc_i[10] ^ enc_i[15];', 'assign x0_1_0 = enc_i[10] ^ enc_i[14];'));
      const r = runCli(['prove', dir]);
      expect(r.status).to.equal(1);
      expect(r.stdout).to.match(/REFUTED: input [0-9a-f]{4} expected [0-9a-f]{5} got [0-9a-f]{5} \(output bits 0 differ\)/);
    });

    it('sweep writes CSV, JSON and SVG and resumes; report writes one self-contained HTML page', () => {
      const dir = tempDir('sweep');
      const args = ['sweep', '--shape', '4,16', '--nin', '4,6', '--nout', '8', '--target', 'generic', '-o', join(dir, 'sw')];
      const first = ok(args);
      expect(first.stdout).to.include('2 point(s), 0 failed');
      expect(readFileSync(join(dir, 'sw', 'sweep.csv'), 'utf8').trim().split('\n')).to.have.length(3);
      expect(readFileSync(join(dir, 'sw', 'sweep.svg'), 'utf8')).to.match(/^<svg/);
      const again = ok(args);
      expect(again.stderr.match(/\(done before\)/g)).to.have.length(2);
      generate(['--nin', '4', '--nout', '6', '--ntap', '2'], join(dir, 'dec'));
      ok(['report', join(dir, 'dec'), '--sweep', join(dir, 'sw'), '--target', 'generic', '-o', join(dir, 'report.html')]);
      const html = readFileSync(join(dir, 'report.html'), 'utf8');
      expect(html).to.match(/^<!DOCTYPE html>/i).and.include('<svg').and.include('flexor_dec_4x6_t2_s1');
      expect(html).to.not.match(/(src|href)="(https?:)?\/\//);
      expect(html).to.include('Yosys ran');
      // A second report of the same design reuses the synthesis; --no-cache runs Yosys again.
      const second = ok(['report', join(dir, 'dec'), '--target', 'generic', '-o', join(dir, 'again.html')]);
      expect(second.stdout).to.include('synthesis: from the synthesis cache (Yosys did not run');
      expect(readFileSync(join(dir, 'again.html'), 'utf8')).to.include('from the synthesis cache');
      const fresh = ok(['report', join(dir, 'dec'), '--target', 'generic', '--no-cache', '-o', join(dir, 'fresh.html')]);
      expect(fresh.stdout).to.match(/synthesis: Yosys ran \(\d+\.\d s\)/);
    });
  });
});

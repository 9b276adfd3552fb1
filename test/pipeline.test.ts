/**
 * `--pipeline` (generator/rtl/layer/pipeline.ts, planMacStages of generator/rtl/macarray.ts): the
 * option's parsing and its errors, the register stages cut into the MAC trees (every path from a
 * chain to the accumulator crosses the same number of registers), and what a pipelined layer's
 * summary, manifest, command and RTL say about the added latency. The simulations are in
 * layer.sim.test.ts.
 */
import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateLayer, parsePipeline, pipelineText, type LayerGenOptions } from '../generator/rtl/layer/generate.js';
import { planMacArray, planMacStages } from '../generator/rtl/macarray.js';
import { readNetwork } from '../generator/formats/networkfile.js';
import { expectInputError, tempDir } from './helpers.js';

const DEMO: LayerGenOptions = { shape: [16, 16, 3, 3], nIn: 16, nOut: 20, nTap: 2, seed: 1, lanes: 4, simd: 16, vectors: 1 };

const text = (f: { path: string; contents: string | Uint8Array }) => f.contents as string;

describe('--pipeline', () => {
  it('reads decoders, mac:N (mac is mac:1), scale and none, in any order, and writes them back in one order', () => {
    expect(parsePipeline(undefined)).to.deep.equal({ decoders: false, mac: 0, scale: false });
    expect(parsePipeline('none')).to.deep.equal({ decoders: false, mac: 0, scale: false });
    expect(parsePipeline('scale, mac:3,decoders')).to.deep.equal({ decoders: true, mac: 3, scale: true });
    expect(parsePipeline('mac')).to.deep.equal({ decoders: false, mac: 1, scale: false });
    expect(parsePipeline({ decoders: false, mac: 2, scale: true })).to.deep.equal({ decoders: false, mac: 2, scale: true });
    expect(pipelineText(parsePipeline('scale,mac:16,decoders'))).to.equal('decoders,mac:16,scale');
    expect(pipelineText(parsePipeline('none'))).to.equal('none');
  });

  it('rejects anything else, naming --pipeline and what is allowed', () => {
    const allowed = 'a comma-separated list of decoders, mac:N (a register in the MAC trees every N adder levels, N from 1 to 16; mac is mac:1) and scale, or none';
    for (const bad of ['', 'fast', 'mac:0', 'mac:17', 'mac:x', 'mac:1.5', 'decoders,,scale', 'none,scale', 'output']) {
      expectInputError(() => parsePipeline(bad), '--pipeline', allowed, `got ${JSON.stringify(bad)}`);
    }
    expectInputError(() => parsePipeline('scale,scale'), '--pipeline', 'names scale twice');
    expectInputError(() => parsePipeline('mac:1,mac:2'), '--pipeline', 'names mac twice');
    expectInputError(() => parsePipeline({ decoders: true, mac: -1, scale: false }), '--pipeline', allowed);
    expectInputError(() => generateLayer({ ...DEMO, pipeline: 'mac:0' }), '--pipeline', allowed);
  });

  it('cuts every MAC tree so that each path from a chain to the accumulator crosses the same registers', () => {
    for (const [trees, simd] of [[4, 16], [1, 16], [2, 5], [1, 1], [3, 64], [1, 33], [2, 40]]) {
      const plan = planMacArray(trees, simd, 8, 24);
      for (let every = 0; every <= 6; every++) {
        const stages = planMacStages(plan, every);
        const where = `${trees} trees of ${simd}, mac:${every}`;
        expect(stages.levels, where).to.equal(1 + Math.max(0, ...plan.joins.map((j) => j.level)));
        expect(stages.cuts.map((c) => c.level), where).to.deep.equal(every === 0 ? [] : Array.from({ length: Math.floor(stages.levels / every) }, (_, i) => (i + 1) * every));
        // The registers each signal has crossed: 0 for a chain's sum and carry; a join's sum, its operands'.
        const delay = new Map<string, number>(plan.chains.flatMap((c) => [[`sum${c.index}`, 0], [`carry${c.index}`, 0]]));
        const cutsAt = (level: number) => stages.cuts.filter((c) => c.level === level);
        for (let level = 1; level <= stages.levels; level++) {
          for (const j of stages.joins.filter((x) => x.level + 1 === level)) {
            const left = delay.get(j.leftRef.signal);
            expect(left, `${where}: join ${j.id} reads ${j.leftRef.signal} before it exists`).to.not.equal(undefined);
            expect(delay.get(j.rightRef.signal), `${where}: join ${j.id}'s operands`).to.equal(left);
            expect(j.carryRef.chain, where).to.equal(j.carry);
            expect(delay.get(j.carryRef.signal), `${where}: join ${j.id}'s carry`).to.equal(left);
            delay.set(`sum${j.id}`, left!);
          }
          for (const cut of cutsAt(level)) {
            for (const n of cut.nodes) {
              expect(delay.has(n.source), `${where}: stage ${cut.index} loads ${n.source}`).to.equal(true);
              delay.set(n.signal, delay.get(n.source)! + 1);
            }
            for (const c of cut.carries) {
              expect(delay.has(c.source), `${where}: stage ${cut.index} loads ${c.source}`).to.equal(true);
              delay.set(c.signal, delay.get(c.source)! + 1);
            }
          }
        }
        expect(delay.get(stages.root.signal), `${where}: the root`).to.equal(stages.cuts.length);
        expect(stages.rootCarry.chain, where).to.equal(plan.rootCarry);
        expect(delay.get(stages.rootCarry.signal), `${where}: the root's carry`).to.equal(stages.cuts.length);
      }
    }
  });

  it('states the added latency in the summary, README, manifest and command, and adds a warning when mac:N fits no stage', () => {
    const design = generateLayer({ ...DEMO, pipeline: 'scale,mac:1,decoders' });
    const line = 'Pipeline: decoders,mac:1,scale (--pipeline); mac:1 is 2 register stage(s) in each MAC tree of 2 adder level(s): 4 added cycle(s) of latency, the same cycles per vector.';
    expect(design.summary).to.include(line);
    const file = (path: string) => text(design.files.find((f) => f.path === path)!);
    expect(file('README.md')).to.include(line);
    const manifest = JSON.parse(file('manifest.json'));
    expect(manifest.pipeline).to.deep.equal({ decoders: true, mac: 1, scale: true });
    expect(manifest.latency).to.deep.equal({ addedCycles: 4, macStages: 2, collectorCycles: 0 });
    const top = file(`rtl/${design.top}.sv`);
    expect(top).to.include('--pipeline decoders,mac:1,scale').and.include('localparam int FRONT = 3;');
    // The manifest's object regenerates the same design.
    const again = generateLayer({ ...DEMO, pipeline: manifest.pipeline });
    expect(again.files.map(text)).to.deep.equal(design.files.map(text));

    const plain = generateLayer(DEMO);
    expect(plain.summary.join('\n')).to.not.include('Pipeline');
    expect(JSON.parse(text(plain.files.find((f) => f.path === 'manifest.json')!)).latency.addedCycles).to.equal(0);
    expect(text(plain.files.find((f) => f.path === `rtl/${plain.top}.sv`)!)).to.not.include('pipe_advance');

    const none = generateLayer({ ...DEMO, pipeline: 'mac:3' });
    expect(none.warnings).to.include('--pipeline mac:3: the MAC trees have 2 adder level(s) before the accumulators, so no register stage fits (N up to 2 places them)');
  });

  it('is a layer setting of an independent-layers network manifest, defaults included', () => {
    const path = join(tempDir('pipe-net'), 'net.yaml');
    const yaml = (b: string) => `name: pn\ndefaults: { nIn: 4, nOut: 5, nTap: 2, lanes: 2, simd: 4, pipeline: decoders }\nlayers:\n  - { name: a, shape: [4, 8] }\n  - { name: b, shape: [4, 8], pipeline: ${b} }\n`;
    writeFileSync(path, yaml('"mac:1,scale"'));
    expect(readNetwork(path).layers.map((l) => l.pipeline)).to.deep.equal(['decoders', 'mac:1,scale']);
    writeFileSync(path, yaml('2'));
    expectInputError(() => readNetwork(path), `${path}:layers[1].pipeline`);
  });
});

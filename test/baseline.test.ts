import { expect } from 'chai';
import { baselineLayer, identityMatrix } from '../generator/core/baseline.js';
import { drawActivations, drawLayer, layerGolden, resolveLayer } from '../generator/core/layer.js';
import { generateLayer } from '../generator/rtl/layer/generate.js';
import { layerSource } from '../generator/formats/layersource.js';

describe('the 1-bit binary baseline', function () {
  for (const options of [
    { shape: [16, 16, 3, 3], nIn: 16, nOut: 20, nTap: 2, seed: 1, lanes: 4, simd: 16 },
    { shape: [7, 3, 2, 2], nIn: 5, nOut: 9, nTap: 2, seed: 8, layout: 'io' as const, lanes: 3, simd: 5, planes: 2, bias: true },
  ]) {
    it(`computes what the FleXOR layer computes, storing Nout bits per Nout weights (${options.shape.join('x')})`, function () {
      const config = resolveLayer(options);
      const data = drawLayer(config);
      const twin = layerSource({ lanes: options.lanes, simd: options.simd, seed: options.seed, trained: baselineLayer(data) });
      expect(twin.config.nIn).to.equal(config.nOut);
      expect(twin.data.matrices.every((m) => m.bits.every((b, i) => b === (Math.floor(i / m.nIn) === i % m.nIn ? 1 : 0)))).to.equal(true);
      for (const a of drawActivations(config, 4)) {
        expect(layerGolden(twin.data, a).final).to.deep.equal(layerGolden(data, a).final);
      }
      const flexor = generateLayer(options);
      const binary = generateLayer({ ...options, baseline: true });
      expect(binary.top).to.equal(`${flexor.top}_bin`);
      const file = (d: typeof flexor, path: string) => d.files.find((f) => f.path === path)!.contents;
      expect(file(binary, 'tb/expected.hex')).to.equal(file(flexor, 'tb/expected.hex'));
      const manifest = (d: typeof flexor) => JSON.parse(file(d, 'manifest.json') as string) as { storage: { memoryBits: number; trainedBits: number } };
      expect(manifest(binary).storage.trainedBits).to.equal(config.planes * Math.ceil((config.n * config.k) / config.nOut) * config.nOut);
      expect(manifest(binary).storage.memoryBits).to.be.greaterThan(manifest(flexor).storage.memoryBits);
      // The recorded command is the FleXOR layer's with --baseline: it reproduces this design.
      const command = (d: typeof flexor) => JSON.parse(file(d, 'manifest.json') as string).command as string;
      expect(command(binary)).to.equal(command(flexor).replace(' --weights', ' --baseline --weights'));
      expect(command(binary)).to.include(`--nin ${options.nIn} --nout ${options.nOut}`);
    });
  }

  it('identityMatrix is the identity', function () {
    expect(Array.from(identityMatrix(3).bits)).to.deep.equal([1, 0, 0, 0, 1, 0, 0, 0, 1]);
  });
});

/**
 * The public library API as a user of the package sees it: imported by the package's own name,
 * `flexor-rtl`, which Node resolves through package.json "exports" (to dist/generator/index.js).
 * A small decoder generated and checked in memory against the golden model, then simulated.
 */
import { expect } from 'chai';
import { join } from 'node:path';
import {
  acceleratorNetwork,
  decodeSlice,
  drawMatrix,
  generateDecoder,
  generateNetworkAccelerator,
  InputError,
  loadNetwork,
  networkGolden,
  networkGoldenFiles,
  networkModel,
  seededImages,
  verifyDesign,
  writeDesignFiles,
  type GeneratedFile,
} from 'flexor-rtl';
import { PROJECT_ROOT, tempDir } from './helpers.js';

function text(files: readonly GeneratedFile[], path: string): string {
  const file = files.find((f) => f.path === path);
  expect(file, `${path} among ${files.map((f) => f.path).join(', ')}`).to.not.equal(undefined);
  return String(file!.contents);
}

describe("library API (import from 'flexor-rtl')", () => {
  const options = { nIn: 4, nOut: 6, nTap: 2, seed: 1 };
  const design = generateDecoder(options);

  it('generates a decoder in memory: its module, matrix and expected outputs are the golden model', () => {
    expect(design.top).to.equal('flexor_dec_4x6_t2_s1');
    expect(text(design.files, `rtl/${design.top}.sv`)).to.match(new RegExp(`^module ${design.top}\\b`, 'm'));
    const matrix = drawMatrix(options);
    const json = JSON.parse(text(design.files, 'matrix.json')) as { planes: number[][][] };
    expect(json.planes[0].flat()).to.deep.equal(Array.from(matrix.bits));
    // Every input x (bit i = x[i]) and what the testbench expects (bit j = y[j]) for it.
    const stimulus = text(design.files, 'tb/stimulus.hex').trim().split('\n');
    const expected = text(design.files, 'tb/expected.hex').trim().split('\n');
    expect(stimulus).to.have.length(16);
    stimulus.forEach((line, v) => {
      const x = Array.from({ length: 4 }, (_, i) => (parseInt(line, 16) >> i) & 1);
      const y = decodeSlice(matrix, x).reduce((word, bit, j) => word | (bit << j), 0);
      expect(parseInt(expected[v], 16), `vector ${line}`).to.equal(y);
    });
  });

  it('rejects bad options with an InputError naming the flag', () => {
    expect(() => generateDecoder({ ...options, nTap: 5 }))
      .to.throw(InputError, /^--ntap: must be an integer from 1 to --nin \(4\); got 5$/)
      .with.property('field', '--ntap');
  });

  it('writes the design and passes its testbench in Icarus Verilog', async () => {
    const dir = join(tempDir('api'), 'dec');
    writeDesignFiles(dir, design.files, false);
    const report = await verifyDesign(dir, ['iverilog']);
    expect(report.ok, report.results.map((r) => r.output).join('\n')).to.equal(true);
    expect(report.results[0].passed).to.equal(16);
  });

  it('generates a network accelerator, and its folder gives the golden model of the manifest', () => {
    const manifest = join(PROJECT_ROOT, 'docs/examples/small-cnn.yaml');
    const design = generateNetworkAccelerator(manifest, { images: 3 });
    expect(design.top).to.equal('flexor_small_cnn');
    const dir = join(tempDir('api-net'), 'cnn');
    writeDesignFiles(dir, design.files, false);
    const spec = loadNetwork(manifest);
    const images = seededImages(spec, 2, 9);
    const direct = networkGolden(networkModel(spec).model, images).logits.map((l) => Array.from(l));
    const fromFolder = networkGolden(networkModel(loadNetwork(acceleratorNetwork(dir, 'golden'))).model, images).logits.map((l) => Array.from(l));
    expect(fromFolder).to.deep.equal(direct);
    expect(typeof networkGoldenFiles).to.equal('function');
  });

  it('exports the package entry only: a deep import into dist/ is refused', async () => {
    const deep = 'flexor-rtl/dist/generator/rtl/decoder.js';
    const error = await import(deep).then(
      () => undefined,
      (e: NodeJS.ErrnoException) => e,
    );
    expect(error?.code).to.equal('ERR_PACKAGE_PATH_NOT_EXPORTED');
  });
});

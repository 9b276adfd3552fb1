/**
 * The example manifests of docs/examples/ as they are committed: each chained network builds with
 * no flag, and the scales it gives are exactly those `flexor calibrate MANIFEST --images 32` chooses,
 * so they cannot drift from the calibration rule or the seeded weights unnoticed.
 */
import { expect } from 'chai';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { scaledLayers } from '../generator/core/network.js';
import { isChainedManifest, readManifestDocument } from '../generator/formats/networkfile.js';
import { loadNetwork, networkCalibrateFiles, networkModel } from '../generator/formats/networkrun.js';
import { PROJECT_ROOT, tempDir, withoutScales } from './helpers.js';

const EXAMPLES = join(PROJECT_ROOT, 'docs/examples');
const chained = readdirSync(EXAMPLES)
  .filter((f) => /\.ya?ml$/.test(f))
  .filter((f) => isChainedManifest(readManifestDocument(join(EXAMPLES, f))));

describe('docs/examples: the chained networks', () => {
  it('are the small CNN and LeNet-5', () => {
    expect(chained).to.include.members(['small-cnn.yaml', 'lenet5.yaml']);
  });

  it('include ResNet-20, uniform and at the mixed precision, as residual networks', () => {
    expect(chained).to.include.members(['resnet20.yaml', 'resnet20-mixed-net.yaml']);
  });

  for (const file of chained) {
    it(`${file}: gives every scale (conv, linear, add), exactly those of calibration on 32 seeded images`, function () {
      this.timeout(120_000);
      const path = join(EXAMPLES, file);
      const spec = loadNetwork(path);
      const given = Object.fromEntries(scaledLayers(spec).map((l) => [l.name, l.scale]));
      expect(Object.values(given).every((s) => s !== undefined), `${file} leaves a scale open`).to.equal(true);
      // The model builds from the manifest alone.
      expect(networkModel(spec).model.scales.length).to.equal(spec.tensors.length);
      const calibrated = networkCalibrateFiles(withoutScales(path, tempDir('examples')), { count: 32, seed: 1 });
      expect(calibrated.calibration.scales.layers).to.deep.equal(given);
    });
  }
});

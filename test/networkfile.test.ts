/**
 * Network manifests and the files around a network (generator/formats/networkfile.ts,
 * networkrun.ts): the examples, every kind of bad manifest (an InputError naming the field), the
 * independent-layers form, images in nchw and nhwc, the scales sidecar and the manifest with the
 * scales written in, and the golden and calibration entry points with their .npy outputs.
 */
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { InputError } from '../generator/core/errors.js';
import { calibrateNetwork } from '../generator/core/calibrate.js';
import { networkFloat } from '../generator/core/netfloat.js';
import { networkGolden } from '../generator/core/netgolden.js';
import { quantizeNetwork } from '../generator/core/netquant.js';
import { resolveNetwork } from '../generator/core/network.js';
import { manifestWithScales, readImages, readNetwork, readNetworkDescription, readScalesFile, scalesJson } from '../generator/formats/networkfile.js';
import { loadNetwork, networkCalibrateFiles, networkGoldenFiles, networkModel, networkSummary } from '../generator/formats/networkrun.js';
import { parseNpy, writeNpy } from '../generator/formats/npy.js';
import { readNetwork as readNetworkForRtl } from '../generator/rtl/network/layers.js';
import { PROJECT_ROOT, tempDir, withoutScales } from './helpers.js';

const EXAMPLES = join(PROJECT_ROOT, 'docs/examples');
const LAYERS = join(PROJECT_ROOT, 'test/fixtures/layers');

function inputError(fn: () => unknown): InputError {
  try {
    fn();
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error('expected an InputError');
}

/** Writes a YAML manifest into a fresh folder and returns its path. */
function manifest(text: string, name = 'net.yaml'): string {
  const dir = tempDir('netfile');
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const SMALL = [
  'name: tiny',
  'input: {shape: [6, 6, 1], bits: 8, scale: 0.00392156862745098, layout: nchw}',
  'defaults: {nIn: 4, nOut: 8, nTap: 2}',
  'layers:',
  '  - {name: c1, kind: conv, shape: [4, 1, 3, 3], padding: 1}',
  '  - {kind: relu}',
  '  - {name: p1, kind: maxpool, size: 2}',
  '  - {name: c2, kind: conv, shape: [2, 4, 3, 3], stride: 2, padding: 1, seed: 2}',
  '  - {kind: flatten}',
  '  - {name: fc, kind: linear, shape: [3, 8], seed: 3, bias: true}',
  '',
].join('\n');

describe('network manifests', () => {
  it('reads the examples: LeNet-5 and the small CNN', () => {
    const lenet = loadNetwork(join(EXAMPLES, 'lenet5.yaml'));
    expect(lenet.name).to.equal('lenet5');
    expect(lenet.layers.map((l) => `${l.name}:${l.kind}`)).to.deep.equal(['conv1:conv', 'relu1:relu', 'pool1:maxpool', 'conv2:conv', 'relu2:relu', 'pool2:maxpool', 'flat:flatten', 'fc1:linear', 'relu3:relu', 'fc2:linear']);
    const engines = lenet.layers.filter((l) => l.kind === 'conv' || l.kind === 'linear');
    expect(engines.map((l) => (l.kind === 'conv' || l.kind === 'linear' ? [l.config.shape, l.config.nIn, l.config.nOut, l.config.nTap, l.biasReal !== undefined] : []))).to.deep.equal([
      [[32, 1, 5, 5], 16, 20, 2, true],
      [[64, 32, 5, 5], 16, 20, 2, true],
      [[512, 3136], 16, 20, 2, true],
      [[10, 512], 16, 20, 2, true],
    ]);
    expect(lenet.inputScale).to.equal(1 / 255);
    expect(lenet.inputLayout).to.equal('nchw');
    const small = loadNetwork(join(EXAMPLES, 'small-cnn.yaml'));
    expect(small.tensors.map((t) => `${t.h}x${t.w}x${t.c}`)).to.deep.equal(['12x12x1', '12x12x8', '12x12x8', '6x6x8', '3x3x16', '3x3x16', '1x1x144', '1x1x10']);
    expect(networkSummary(small)[0]).to.equal('small_cnn: input 12 x 12 x 1, unsigned 8-bit');
  });

  it('reads a trained layer with from, relative to the manifest', () => {
    const path = manifest(['name: t', 'input: {shape: [1, 1, 12], bits: 6, signed: true, scale: 0.25}', 'layers:', '  - {name: fc, kind: linear, from: fc.npz, lanes: 2, simd: 4, scale: 0.5}', ''].join('\n'));
    copyFileSync(join(LAYERS, 'linear_q2_bias.npz'), join(path, '..', 'fc.npz'));
    const spec = loadNetwork(path);
    const fc = spec.layers[0];
    if (fc.kind !== 'linear') throw new Error('not linear');
    expect(fc.origin).to.deep.equal({ kind: 'file', file: 'fc.npz' });
    expect([fc.config.shape, fc.config.planes, fc.config.lanes, fc.actBits, fc.outBits]).to.deep.equal([[10, 12], 2, 2, 6, 16]);
    expect(fc.biasReal).to.have.length(10);
    const model = quantizeNetwork(spec, { layers: {} });
    expect(model.engines[0]!.alphaFrac).to.be.within(0, 15);
  });

  const bad: [string, string, string, string?][] = [
    // name, manifest text, field, a phrase of the message
    ['an unknown kind', SMALL.replace('kind: relu}', 'kind: gelu}'), 'net.yaml:layers[1].kind', 'conv, linear, relu, maxpool, avgpool, flatten'],
    ['a missing kind', SMALL.replace('{kind: relu}', '{name: r}'), 'net.yaml:layers[1].kind'],
    ['shapes that do not fit (channels)', SMALL.replace('shape: [2, 4, 3, 3]', 'shape: [2, 3, 3, 3]'), 'net.yaml:layers[3].shape', 'c2 (layers[3]) takes Cin = 3 input channels (weights [2, 3, 3, 3]), but its input is the output of p1 (layers[2]), 3 x 3 x 4'],
    ['shapes that do not fit (linear)', SMALL.replace('shape: [3, 8]', 'shape: [3, 9]'), 'net.yaml:layers[5].shape', 'fc (layers[5]) takes 1 x 1 x 9 (weights [3, 9]), but its input is the output of flatten4 (layers[4]), 1 x 1 x 8'],
    ['a linear layer without flatten', SMALL.replace('  - {kind: flatten}\n', '').replace('shape: [3, 8]', 'shape: [3, 2]'), 'net.yaml:layers[4].shape', 'put a flatten before it'],
    ['a pool that does not divide', SMALL.replace('size: 2}', 'size: 4}'), 'net.yaml:layers[2].size', 'a 4 x 4 pool does not divide its input, the output of relu1 (layers[1]), 6 x 6 x 4'],
    ['a pool without size', SMALL.replace(', size: 2}', '}'), 'net.yaml:layers[2].size', 'is required'],
    ['a kernel larger than its padded input', SMALL.replace('shape: [4, 1, 3, 3], padding: 1', 'shape: [4, 1, 9, 9], padding: 1'), 'net.yaml:layers[0].shape', 'does not fit'],
    ['a zero input scale', SMALL.replace('scale: 0.00392156862745098', 'scale: 0'), 'net.yaml:input.scale', 'positive'],
    ['a negative layer scale', SMALL.replace('bias: true}', 'bias: true, scale: -0.5}'), 'net.yaml:layers[5].scale', 'positive'],
    ['an unknown key', SMALL.replace('padding: 1}', 'padding: 1, lane: 2}'), 'net.yaml:layers[0].lane', 'allowed: name, kind, shape, from, stride, padding, scale, nIn'],
    ['a key of another kind', SMALL.replace('bias: true}', 'bias: true, padding: 1}'), 'net.yaml:layers[5].padding', 'is not a linear setting'],
    ['an unknown network key', SMALL.replace('name: tiny', 'name: tiny\nhdl: sv'), 'net.yaml:hdl', 'allowed: name, input, actBits, logitBits, defaults, layers'],
    ['an unknown input key', SMALL.replace('layout: nchw}', 'layout: nchw, zero: 3}'), 'net.yaml:input.zero'],
    ['a bad input layout', SMALL.replace('layout: nchw}', 'layout: chw}'), 'net.yaml:input.layout', 'nchw'],
    ['an input of the wrong rank', SMALL.replace('shape: [6, 6, 1]', 'shape: [6, 6]'), 'net.yaml:input.shape', '[H, W, C]'],
    ['a defaults key that is no engine setting', SMALL.replace('nTap: 2}', 'nTap: 2, padding: 1}'), 'net.yaml:defaults.padding'],
    ['stride 3', SMALL.replace('stride: 2', 'stride: 3'), 'net.yaml:layers[3].stride', '1 or 2'],
    ['padding as large as the kernel', SMALL.replace('stride: 2, padding: 1', 'stride: 2, padding: 3'), 'net.yaml:layers[3].padding', 'min(kh, kw) - 1 = 2'],
    ['too many lanes', SMALL.replace('seed: 3, bias: true', 'seed: 3, bias: true, lanes: 4'), 'net.yaml:layers[5].lanes', 'N = 3'],
    ['a missing nIn', SMALL.replace('defaults: {nIn: 4, ', 'defaults: {'), 'net.yaml:layers[0].nIn', 'required'],
    ['two layers of one name', SMALL.replace('name: c2', 'name: c1'), 'net.yaml:layers[3].name', 'earlier layer'],
    ['a last layer that is no conv or linear', SMALL.replace('seed: 3, bias: true}', 'seed: 3, bias: true}\n  - {kind: relu}'), 'net.yaml:layers[6].kind', 'logits'],
    ['logits that are not 1 x 1', SMALL.replace(/ {2}- \{kind: flatten\}\n.*\n/, '  - {name: c3, kind: conv, shape: [3, 2, 1, 1]}\n'), 'net.yaml:layers[4]', '1 x 1 x N'],
    ['actBits out of range', SMALL.replace('name: tiny', 'name: tiny\nactBits: 16'), 'net.yaml:actBits', 'from 2 to 15'],
    ['an unsigned input of 16 bits', SMALL.replace('bits: 8', 'bits: 16'), 'net.yaml:input.bits', 'unsigned'],
    ['a layer that is not an object', SMALL.replace('  - {kind: relu}', '  - relu'), 'net.yaml:layers[1]', 'must be an object'],
    ['no input shape', SMALL.replace('shape: [6, 6, 1], ', ''), 'net.yaml:input.shape', 'required'],
  ];
  for (const [name, text, field, phrase] of bad) {
    it(`rejects ${name}, naming ${field}`, () => {
      expect(text, 'the test edits the manifest').to.not.equal(SMALL);
      const path = manifest(text);
      const e = inputError(() => loadNetwork(path));
      expect(e.field).to.equal(path + field.slice('net.yaml'.length)); // the manifest as the user named it
      if (phrase !== undefined) expect(e.message).to.include(phrase);
    });
  }

  it('rejects seeded settings with from, and a bias the file lacks', () => {
    const text = ['input: {shape: [2, 2, 2]}', 'layers:', '  - {kind: conv, from: conv.npz, SETTING}', ''].join('\n');
    for (const [setting, field] of [['nIn: 4', 'nIn'], ['shape: [6, 2, 2, 2]', 'shape'], ['layout: oi', 'layout'], ['bias: true', 'bias']]) {
      const path = manifest(text.replace('SETTING', setting));
      copyFileSync(join(LAYERS, 'conv_io_q2.npz'), join(path, '..', 'conv.npz'));
      expect(inputError(() => loadNetwork(path)).field).to.equal(`${path}:layers[0].${field}`);
    }
  });

  it('still reads a list of independent layers, and tells a chained manifest apart', () => {
    const net = readNetworkForRtl(join(EXAMPLES, 'resnet20-mixed.yaml'));
    expect(net.name).to.equal('resnet20_mixed');
    expect(net.layers.map((l) => [l.name, l.nIn, l.lanes, l.layout])).to.deep.equal([
      ['stage1_conv', 19, 4, undefined],
      ['stage2_conv', 16, 8, undefined],
      ['stage3_conv', 7, 16, 'io'],
    ]);
    expect(readNetwork(join(EXAMPLES, 'resnet20-mixed.yaml')).layers).to.have.length(3);
    expect(inputError(() => readNetwork(join(EXAMPLES, 'lenet5.yaml'))).field).to.equal(`${join(EXAMPLES, 'lenet5.yaml')}:input`);
    expect(inputError(() => readNetworkDescription(join(EXAMPLES, 'resnet20-mixed.yaml'))).field).to.equal(`${join(EXAMPLES, 'resnet20-mixed.yaml')}:input`);
  });
});

describe('network images', () => {
  const spec = () => loadNetwork(manifest(SMALL.replace('{shape: [6, 6, 1]', '{shape: [6, 6, 2]').replace('shape: [4, 1, 3, 3]', 'shape: [4, 2, 3, 3]').replace(', layout: nchw', '')));

  it('reads [V, C, H, W] and [V, H, W, C] into stream order, never guessing which', () => {
    const s = spec();
    const dir = tempDir('images');
    // value = 100*c + 10*h + w (+ 1000 * image)
    const nchw = new Int32Array(2 * 2 * 6 * 6);
    const nhwc = new Int32Array(2 * 6 * 6 * 2);
    for (let v = 0; v < 2; v++) for (let c = 0; c < 2; c++) for (let h = 0; h < 6; h++) for (let w = 0; w < 6; w++) {
      const value = (100 * c + 10 * h + w) % 256;
      nchw[((v * 2 + c) * 6 + h) * 6 + w] = value;
      nhwc[((v * 6 + h) * 6 + w) * 2 + c] = value;
    }
    writeFileSync(join(dir, 'nchw.npy'), writeNpy({ dtype: 'int32', shape: [2, 2, 6, 6], data: nchw }));
    writeFileSync(join(dir, 'nhwc.npy'), writeNpy({ dtype: 'int32', shape: [2, 6, 6, 2], data: nhwc }));
    const a = readImages(join(dir, 'nchw.npy'), s, { layout: 'nchw' });
    const b = readImages(join(dir, 'nhwc.npy'), s, { layout: 'nhwc' });
    expect(a.kind).to.equal('integer');
    expect(a.images.map((x) => Array.from(x))).to.deep.equal(b.images.map((x) => Array.from(x)));
    expect(Array.from(a.images[0].slice(0, 4))).to.deep.equal([0, 100, 1, 101]); // (0,0) c0 c1, (0,1) c0 c1
    expect(inputError(() => readImages(join(dir, 'nchw.npy'), s)).field).to.equal('--layout');
    const shapeError = inputError(() => readImages(join(dir, 'nhwc.npy'), s, { layout: 'nchw' }));
    expect(shapeError.field).to.equal('nhwc.npy');
    expect(shapeError.message).to.include('[V, C, H, W] = [V, 2, 6, 6]');
  });

  it('range-checks integer images, naming the entry, and reads reals', () => {
    const s = spec();
    const dir = tempDir('images-bad');
    const data = new Int16Array(2 * 6 * 6);
    data[13] = 256;
    writeFileSync(join(dir, 'big.npy'), writeNpy({ dtype: 'int16', shape: [1, 2, 6, 6], data }));
    const e = inputError(() => readImages(join(dir, 'big.npy'), s, { layout: 'nchw' }));
    expect(e.field).to.equal('big.npy[0][0][2][1]');
    expect(e.message).to.include('unsigned 8-bit, 0 to 255');
    writeFileSync(join(dir, 'real.npy'), writeNpy({ dtype: 'float32', shape: [1, 2, 6, 6], data: new Float32Array(72).fill(0.5) }));
    const real = readImages(join(dir, 'real.npy'), s, { layout: 'nchw' });
    expect(real.kind).to.equal('real');
    expect(real.images[0][0]).to.equal(0.5);
    writeFileSync(join(dir, 'bool.npy'), writeNpy({ dtype: 'bool', shape: [1, 2, 6, 6], data: new Uint8Array(72) }));
    expect(inputError(() => readImages(join(dir, 'bool.npy'), s, { layout: 'nchw' })).message).to.include('dtype bool');
    const nan = new Float64Array(72);
    nan[5] = NaN;
    writeFileSync(join(dir, 'nan.npy'), writeNpy({ dtype: 'float64', shape: [1, 2, 6, 6], data: nan }));
    expect(inputError(() => readImages(join(dir, 'nan.npy'), s, { layout: 'nchw' })).field).to.equal('nan.npy[0][0][0][5]');
  });
});

describe('network scales and entry points', () => {
  /** The small CNN example without its scales, with images written as uint8 [V, 1, 12, 12]. */
  function setup(count = 6): { dir: string; manifestPath: string; images: string } {
    const dir = tempDir('netrun');
    const manifestPath = withoutScales(join(EXAMPLES, 'small-cnn.yaml'), dir);
    const data = Uint8Array.from({ length: count * 144 }, (_, i) => (i * 37 + (i >> 4) * 11) % 256);
    const images = join(dir, 'images.npy');
    writeFileSync(images, writeNpy({ dtype: 'uint8', shape: [count, 1, 12, 12], data }));
    return { dir, manifestPath, images };
  }

  it('writes the calibrated scales as a sidecar and into the manifest, and reads them back', () => {
    const { dir, manifestPath, images } = setup();
    const run = networkCalibrateFiles(manifestPath, images);
    const spec = loadNetwork(manifestPath);
    const direct = calibrateNetwork(spec, readImages(images, spec));
    expect(run.calibration.scales).to.deep.equal(direct.scales);
    expect(run.scalesJson).to.equal(scalesJson(spec, direct));
    const sidecar = join(dir, 'scales.json');
    writeFileSync(sidecar, run.scalesJson);
    expect(readScalesFile(sidecar, spec)).to.deep.equal(direct.scales);
    const doc = JSON.parse(run.scalesJson) as Record<string, unknown>;
    expect(doc).to.include({ format: 'flexor-network-scales', version: 1, network: 'small_cnn', rule: 'max', images: 6 });
    // The manifest with the scales: every conv/linear layer has its scale, exactly.
    const written = join(dir, 'calibrated.yaml');
    writeFileSync(written, run.manifest);
    const again = loadNetwork(written);
    for (const layer of again.layers) if (layer.kind === 'conv' || layer.kind === 'linear') expect(layer.scale).to.equal(direct.scales.layers[layer.name]);
    expect(quantizeNetwork(again, { layers: {} }).scales).to.deep.equal(run.model.scales);
    expect(manifestWithScales(manifestPath, spec, direct.scales)).to.equal(run.manifest);
    // Errors: another network, a bad scale.
    writeFileSync(sidecar, run.scalesJson.replace('"small_cnn"', '"other"'));
    expect(inputError(() => readScalesFile(sidecar, spec)).field).to.equal('scales.json:network');
    writeFileSync(sidecar, run.scalesJson.replace(/"conv1": [0-9.e-]+/, '"conv1": 0'));
    expect(inputError(() => readScalesFile(sidecar, spec)).field).to.equal('scales.json:scales.conv1');
    writeFileSync(sidecar, '{"format": "x"}');
    expect(inputError(() => readScalesFile(sidecar, spec)).message).to.include('not a scales file');
  });

  it('gives the golden logits and labels as .npy, integer or float', () => {
    const { dir, manifestPath, images } = setup();
    const spec = loadNetwork(manifestPath);
    const imgs = readImages(images, spec);
    const model = quantizeNetwork(spec, calibrateNetwork(spec, imgs).scales);
    const expected = networkGolden(model, imgs);
    const out = networkGoldenFiles(manifestPath, images, { calibrate: images });
    const logits = parseNpy(out.logits, 'logits.npy');
    expect(logits.dtype).to.equal('int64');
    expect(logits.shape).to.deep.equal([6, 10]);
    expect(Array.from(logits.data as BigInt64Array, Number)).to.deep.equal(expected.logits.flatMap((l) => Array.from(l)));
    const labels = parseNpy(out.labels, 'labels.npy');
    expect(Array.from(labels.data as BigInt64Array, Number)).to.deep.equal(expected.labels);
    expect(out.logitScale).to.equal(model.logitScale);
    // The same through a sidecar.
    const sidecar = join(dir, 'scales.json');
    writeFileSync(sidecar, networkCalibrateFiles(manifestPath, images).scalesJson);
    expect(Buffer.from(networkGoldenFiles(manifestPath, images, { scales: sidecar }).logits).equals(Buffer.from(out.logits))).to.equal(true);
    // The float view.
    const float = networkGoldenFiles(manifestPath, images, { float: true });
    const real = parseNpy(float.logits, 'float.npy');
    expect(real.dtype).to.equal('float64');
    expect(Array.from(real.data as Float64Array)).to.deep.equal(networkFloat(spec, imgs).logits.flatMap((l) => Array.from(l)));
    // Scale errors.
    expect(inputError(() => networkGoldenFiles(manifestPath, images)).field).to.equal(`${manifestPath}:layers[0].scale`);
    expect(inputError(() => networkGoldenFiles(manifestPath, images, { scales: sidecar, calibrate: images })).field).to.equal('--scales');
    expect(inputError(() => networkGoldenFiles(manifestPath, images, { float: true, calibrate: images })).field).to.equal('--calibrate');
    expect(networkModel(spec, { scales: sidecar }).model.scales).to.deep.equal(model.scales);
  });

  it('summarizes a network layer by layer', () => {
    const spec = resolveNetwork(readNetworkDescription(join(EXAMPLES, 'lenet5.yaml')));
    const lines = networkSummary(spec);
    expect(lines).to.have.length(11);
    expect(lines[1]).to.equal('  conv1: conv [32, 1, 5, 5] actBits 9, outBits 9 -> 28 x 28 x 32 signed 9-bit');
    expect(lines[2]).to.equal('  relu1: relu (folded: the requantization tail) -> 28 x 28 x 32 unsigned 8-bit');
  });
});

/** The design's package around its RTL: file lists, core, layer file, matrices, README, manifest. */
import { gf2Rank, matrixWarnings, targetRank } from '../../core/matrix.js';
import { matricesToJson } from '../../formats/matrixfile.js';
import { describeFiles, manifestFile, packageFiles, type GeneratedFile } from '../design.js';
import { render } from '../templates.js';
import type { LayerModel } from './model.js';
import { FAST_VECTORS } from './options.js';
import { pipelineLine, pipelineWarnings } from './pipeline.js';

export function layerWarnings(model: LayerModel): string[] {
  const { config } = model;
  return [...model.data.matrices.flatMap((m, p) => matrixWarnings(m, p, config.draw === 'full' ? targetRank(config) : m.nIn)), ...pipelineWarnings(model.pipeline)];
}

/** What was generated, in a few lines (the README's summary and `flexor generate`'s output). */
export function layerSummary(model: LayerModel): string[] {
  const { config, plan, widths, weights, choices } = model;
  const rom = choices.weights === 'rom';
  return [
    model.header.lines[0],
    `Parallelism: ${plan.units} weight unit(s) per plane, ${plan.slicesPerFetch} decoder(s) each; ${plan.stepsPerVector} cycles per vector in steady state (${model.macsPerCycle.toFixed(2)} binary MACs per cycle).`,
    rom
      ? `Weights: on-chip memory, a ROM per unit of ${weights.unitWordBits}-bit words (${plan.unitDepths.join(', ')} words) = ${weights.memoryBits} bits for ${weights.trainedBits} trained bits; ${plan.duplicateSlices} slice(s) per plane stored twice (at unit boundaries).`
      : `Weights: streamed, ${plan.depth} beats of ${plan.wordBits} bits = ${weights.memoryBits} bits per vector for ${weights.trainedBits} trained bits; ${plan.duplicateSlices} slice(s) per plane sent twice (at unit boundaries).`,
    `Widths: activations ${config.actBits}, accumulators ${widths.acc}, scales ${widths.alpha} (${config.alphaFrac} fraction bits), output ${widths.final}${config.requant ? ` after requantization (shift ${config.requant.shift})` : ''}.`,
    ...pipelineLine(model.pipeline),
    ...collectorLine(model),
    `Testbench: ${choices.vectorCount} vectors (${choices.stallVectors} ${choices.inputs ? `from ${choices.inputsFile ?? 'the inputs'}` : 'seeded'}, with random stalls; ${FAST_VECTORS} seeded at full speed).`,
  ];
}

/** One line when the collector adds latency (its columns of shift registers), else none. */
function collectorLine(model: LayerModel): string[] {
  const c = model.collector;
  if (!c.columns) return [];
  return [`Collector: columns of shift registers, one per row (rows = lanes = ${model.config.lanes}), no output multiplexer: a vector's results leave ${c.addedLatency} cycle(s) after its last emission's, the same cycles per vector.`];
}

/** File lists, core, layer.npz, matrix.json, README.md and manifest.json, after `files`. */
export function packageLayer(model: LayerModel, files: readonly GeneratedFile[]): GeneratedFile[] {
  const { config, plan, widths, weights, choices, header, top, testbenchTop } = model;
  const memoryFiles = files.filter((f) => f.role === 'memory').map((f) => f.path);
  const description = `FleXOR layer ${config.shape.join('x')}, ${config.layout}, q=${config.planes}, ${config.nIn}/${config.nOut}, lanes ${config.lanes}, simd ${config.simd}`;
  const all: GeneratedFile[] = [...files, ...packageFiles(files, { header, top, testbenchTop, hdl: choices.hdl, description })];
  all.push({ path: 'layer.npz', role: 'layer', contents: model.source.npz });
  all.push({ path: 'matrix.json', role: 'matrix', contents: matricesToJson(model.data.matrices, { rank: model.data.matrices.map(gf2Rank) }) });
  const warnings = layerWarnings(model);
  const readme: GeneratedFile = { path: 'README.md', role: 'readme', contents: '' };
  const listed = [...all, readme, { path: 'manifest.json', role: 'manifest' as const, contents: '' }];
  all.push({ ...readme, contents: render('design/design_readme', { header, top, testbenchTop, summary: layerSummary(model), fileLines: describeFiles(listed), warnings }) });
  const manifest = {
    kind: 'layer',
    config,
    origin: model.source.origin,
    name: choices.name,
    weights: choices.weights,
    // Memory styles other than auto (docs/SYNTH.md, "Memory styles").
    ...(choices.romStyle !== 'auto' ? { romStyle: choices.romStyle } : {}),
    ...(choices.actStyle !== 'auto' ? { actStyle: choices.actStyle } : {}),
    reset: choices.reset,
    hdl: choices.hdl,
    pipeline: choices.pipeline,
    top,
    rtlFileList: `${top}.f`,
    memoryFiles,
    testbench: { top: testbenchTop, fileList: `${testbenchTop}.f`, vectors: choices.vectorCount * config.n, vectorsRun: choices.vectorCount, stallVectors: choices.stallVectors },
    plan: { ...plan, unitPlans: plan.unitPlans },
    widths,
    throughput: { cyclesPerVector: plan.stepsPerVector, macsPerCycle: model.macsPerCycle },
    // The gearboxes' window (docs/ARCHITECTURE.md): a multiplexer over the read positions a step
    // can start at, the rings flip-flops ('phases'), or a shift of a ring held as memory ('shift').
    gearbox: { window: model.gearbox.window, ringBits: model.gearbox.groups * model.gearbox.group, positions: model.gearbox.phases.map((p) => p.position) },
    // --pipeline's register stages: the cycles of latency they add (the same cycles per vector);
    // the collector's columns: the cycles they take to fill after a vector's last emission.
    latency: { addedCycles: model.pipeline.added, macStages: model.pipeline.macStages.cuts.length, collectorCycles: model.collector.addedLatency },
    storage: { memoryBits: weights.memoryBits, trainedBits: weights.trainedBits, duplicateSlicesPerPlane: plan.duplicateSlices },
    warnings,
  };
  all.push(manifestFile(header, manifest, all));
  return all;
}

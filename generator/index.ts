/**
 * The public library API of flexor-rtl: `import { generateDecoder } from 'flexor-rtl'`. What is
 * exported here is supported; the modules behind it are internal and may move. Generators take a
 * configuration and return files (nothing touches the disk until writeDesignFiles); the flows run
 * tools on a design folder. Bad input is an InputError naming the field at fault.
 */

export { InputError } from './core/errors.js';

// ---------------------------------------------------------------- the matrix and the golden model (pure)
export { drawMatrix, drawPlanes, gf2Rank, matrixWarnings, MAX_N_OUT, MAX_PLANES, MAX_SEED, type MatrixSpec, type XorMatrix } from './core/matrix.js';
export { decodeSlice, decodeStream, packBits, StreamDecoder, unpackBits } from './core/golden.js';
export { bitErrorRate, encodePlane, PlaneEncoder, type EncodeMethod, type EncodeOptions, type EncodeResult } from './core/encode.js';
export {
  drawActivations,
  drawLayer,
  layerGolden,
  layerWidths,
  resolveLayer,
  weightBits,
  type LayerConfig,
  type LayerData,
  type LayerOptions,
  type LayerResult,
  type LayerWidths,
  type Layout,
} from './core/layer.js';
export type { TrainedLayer } from './core/trained.js';

// ---------------------------------------------------------------- file formats
export { parseNpy, writeNpy, type NpyArray, type NpyData, type NpyDtype } from './formats/npy.js';
export { readNpz, writeNpz } from './formats/npz.js';
export { layerNpzBytes, parseLayerNpz, readLayerFile, trainedLayerFromData } from './formats/layerfile.js';
export { matricesToJson, matricesToNpy, readMatrices } from './formats/matrixfile.js';
export { resolveMatrix, seededMatrixSpec, type MatrixOptions, type MatrixSource, type ResolvedMatrix, type SeededMatrixOptions } from './formats/matrixoptions.js';
export { MATRIX_FORMATS, matricesToText, matrixOutput, type MatrixFormat, type MatrixOutput } from './formats/matrixoutput.js';
export { layerInputs, layerSource, readActivations, type LayerSettings, type LayerSource, type LayerSourceOptions } from './formats/layersource.js';
export {
  encodeLayerFiles,
  encodeWeightFile,
  encodeWeightFiles,
  type EncodedLayer,
  type EncodedLayerFiles,
  type EncodeLayerFilesOptions,
  type EncodeReport,
} from './formats/weightfile.js';
export { designFolders, readManifest, type DesignManifest } from './formats/manifest.js';
export { readImages, readNetworkDescription, readScalesFile, scalesJson, STORED_NETWORK } from './formats/networkfile.js';
export {
  acceleratorNetwork,
  loadNetwork,
  networkCalibrateFiles,
  networkGoldenFiles,
  networkModel,
  networkSummary,
  type NetworkGoldenOutput,
  type ScaleOptions,
  type SeededImages,
} from './formats/networkrun.js';
export { resolveNetwork, type ImageLayout, type NetworkDescription, type NetworkImages, type NetworkSpec } from './core/network.js';
export { quantizeNetwork, type NetworkModel, type NetworkScales } from './core/netquant.js';
export { networkGolden, quantizeImages, seededImages } from './core/netgolden.js';
export { networkFloat } from './core/netfloat.js';
export { calibrateNetwork, type Calibration } from './core/calibrate.js';
export type { OutputFile } from './formats/files.js';
export { VERSION } from './formats/version.js';

// ---------------------------------------------------------------- generating designs, writing them
export { generateDecoder, type DecoderConfig, type DecoderOptions } from './rtl/decoder.js';
export { generateLayer, type LayerGenOptions, type WeightSource } from './rtl/layer/generate.js';
export { generateNetwork, readNetwork, type GeneratedNetwork, type NetworkLayer, type StorageRow } from './rtl/network/layers.js';
export { engineEstimate, streamBlockEstimate, LUT_MODEL, type BlockEstimate } from './rtl/network/estimate.js';
export { generateNetworkAccelerator, type NetworkAccelerator, type NetworkAcceleratorOptions } from './rtl/network/generate.js';
export { generateAccelerator, type AcceleratorDesign, type AcceleratorOptions } from './rtl/network/accelerator.js';
export { describeFiles, type FileRole, type GeneratedDesign, type GeneratedFile } from './rtl/design.js';
export { HDLS, RESET_STYLES, type Hdl, type ResetStyle } from './rtl/hdl.js';
export { checkOutputDir, writeDesignFiles } from './rtl/output.js';

// ---------------------------------------------------------------- tools on a design folder
export { lintDesign, simulate, SIMULATORS, verifyDesign, type LintReport, type SimulationResult, type Simulator, type VerifyReport } from './eda/simulate.js';
export {
  DEFAULT_SYNTH_TARGET,
  SYNTH_TARGETS,
  synthesizeDesign,
  synthReportText,
  YOSYS_KINDS,
  type ModuleFigures,
  type SynthOptions,
  type SynthReport,
  type SynthTarget,
  type YosysKind,
} from './eda/synth.js';
export { proofText, proveDesign, type Counterexample, type DecoderProof } from './eda/prove.js';
export { decodeLayerCodes, goldenLayerOutputs, simulateLayerDesign, type GoldenFormat, type LayerSimulation } from './eda/layertools.js';
export { simulateAccelerator, type AcceleratorSimulation } from './eda/networktools.js';

// ---------------------------------------------------------------- what the hardware costs
export { designTargets, synthesisJson, synthesizeWithTargets, targetsText, type TargetCheck } from './evidence/targets.js';
export { acceleratorBlocksText, synthesizeFolder, MAX_SYNTH_ESTIMATE, type AcceleratorBlockRow, type FolderSynthesis, type FolderSynthOptions } from './evidence/netsynth.js';
export { compareWithBaseline, comparisonJson, comparisonText, type CompareOptions, type CompareSide, type Comparison } from './evidence/compare.js';
export {
  checkPnrSettings,
  fmaxRatio,
  fmaxText,
  pnrComparisonText,
  pnrEvidence,
  pnrFigures,
  pnrFiguresText,
  PNR_EVIDENCE_FLAGS,
  type PnrFigures,
  type PnrSettings,
} from './evidence/pnrfigures.js';
export { placeAndRoute, pnrJson, pnrReportText, type PnrOptions, type PnrReport } from './eda/pnr.js';
export {
  planSweep,
  runSweep,
  sweepCsv,
  sweepFiles,
  sweepIntoFolder,
  type SkippedPoint,
  type SweepAxes,
  type SweepOptions,
  type SweepPoint,
  type SweepResult,
} from './evidence/sweep.js';
export { designReport, htmlReport, networkReport, type DesignReport, type DesignReportOptions, type NetworkReportOptions } from './evidence/report.js';
export { confusionCounts, confusionSvg, decoderNetworkSvg, escapeXml, sweepSvg } from './evidence/svg.js';

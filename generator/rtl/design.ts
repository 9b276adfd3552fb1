/**
 * What every generator returns: files in memory, plus the manifest that describes them. Nothing is
 * written here; the CLI (or a test) decides where the files go.
 */
import { canonicalJson, sha256 } from '../core/hash.js';
import type { Hdl } from './hdl.js';
import { render } from './templates.js';
import { MAX_COLUMNS, wrapCommand, wrapText } from './textwrap.js';
import { VERSION } from '../formats/version.js';

export type FileRole = 'rtl' | 'memory' | 'testbench' | 'vectors' | 'filelist' | 'core' | 'matrix' | 'layer' | 'network' | 'readme' | 'manifest';

export interface GeneratedFile {
  /** Path relative to the output folder, with forward slashes. */
  readonly path: string;
  readonly role: FileRole;
  /** Text, or bytes for binary files (.npz). */
  readonly contents: string | Uint8Array;
}

export interface GeneratedDesign {
  /** The synthesizable top module. */
  readonly top: string;
  /** The testbench's top module. */
  readonly testbenchTop: string;
  /** Every file, manifest.json last. */
  readonly files: readonly GeneratedFile[];
  /** Things the user should know (rank deficiency, unused columns...), also in the manifest. */
  readonly warnings: readonly string[];
  /** A few lines that say what was generated. */
  readonly summary: readonly string[];
}

/** What each kind of file is for, as `flexor generate` and the design's README.md explain it. */
export const ROLE_MEANING: Record<FileRole, string> = {
  rtl: 'synthesizable RTL (one module per file)',
  memory: 'memory initialisation ($readmemh) of the RTL: keep beside it',
  testbench: 'self-checking testbench (SystemVerilog, Icarus and Verilator)',
  vectors: 'test vectors and expected outputs from the golden model ($readmemh)',
  filelist: 'file list for any tool (-f / -c); paths relative to the design folder',
  core: 'FuseSoC CAPI2 core: default, lint and sim targets',
  matrix: 'the XOR matrix, as flexor matrix --format json writes it',
  layer: 'the layer the RTL holds, in the interchange format (docs/FORMAT.md): flexor sim and golden read it',
  network: 'the network the RTL holds (its manifest with scales and parallelism, its trained layers): flexor sim and golden read it',
  readme: 'this design at a glance',
  manifest: 'machine-readable configuration, matrix, netlist figures and file hashes',
};

/** One line per file: its path and what it is for. */
export function describeFiles(files: readonly GeneratedFile[]): string[] {
  const width = Math.max(...files.map((f) => f.path.length));
  return files.map((f) => `${f.path.padEnd(width)}  ${ROLE_MEANING[f.role]}`);
}

/** What the header of every generated file says. */
export interface HeaderView {
  readonly version: string;
  readonly command: string;
  /**
   * The command wrapped for an HDL header: the first line follows `// Command: `, the others are
   * aligned under it, every line within MAX_COLUMNS (unless one option alone is longer).
   */
  readonly commandLines: readonly string[];
  readonly configHash: string;
  /** Lines about the design (matrix, layer...), one sentence or paragraph each. */
  readonly lines: readonly string[];
  /** The same lines wrapped at spaces for `// ` comments within MAX_COLUMNS. */
  readonly commentLines: readonly string[];
}

/** What an HDL header prints before the command and before each line (templates/decoder/_header.hbs). */
const COMMAND_LABEL = '// Command: ';
const COMMENT_LABEL = '// ';

export function headerView(command: string, config: object, lines: readonly string[] = []): HeaderView {
  return {
    version: VERSION,
    command,
    commandLines: wrapCommand(command, MAX_COLUMNS - COMMAND_LABEL.length),
    configHash: sha256(canonicalJson(config)),
    lines,
    commentLines: lines.flatMap((line) => wrapText(line, MAX_COLUMNS - COMMENT_LABEL.length)),
  };
}

/** The manifest: configuration, files and their hashes. Deterministic (no time, no paths). */
export function manifestFile(header: HeaderView, body: Record<string, unknown>, files: readonly GeneratedFile[]): GeneratedFile {
  const manifest = {
    generator: 'flexor-rtl',
    version: header.version,
    command: header.command,
    configHash: header.configHash,
    ...body,
    files: files.map((f) => ({ path: f.path, role: f.role, sha256: sha256(f.contents) })),
  };
  return { path: 'manifest.json', role: 'manifest', contents: `${JSON.stringify(manifest, null, 2)}\n` };
}

/** Hex digits of a bit vector, most significant digit first; bit i of the value is bits[i]. */
/**
 * The file lists (`<top>.f`: the RTL; `<testbenchTop>.f`: the RTL and `tb/<testbenchTop>.sv`) and
 * the FuseSoC core of a design whose RTL, memory and vector files are already in `files`.
 */
export function packageFiles(
  files: readonly GeneratedFile[],
  p: { readonly header: HeaderView; readonly top: string; readonly testbenchTop: string; readonly hdl: Hdl; readonly description: string },
): GeneratedFile[] {
  const rtlFiles = files.filter((f) => f.role === 'rtl').map((f) => f.path);
  const memoryFiles = files.filter((f) => f.role === 'memory').map((f) => f.path);
  const testbench = `tb/${p.testbenchTop}.sv`;
  const name = (path: string) => path.split('/').pop();
  return [
    { path: `${p.top}.f`, role: 'filelist', contents: render('design/filelist', { header: p.header, files: rtlFiles }) },
    { path: `${p.testbenchTop}.f`, role: 'filelist', contents: render('design/filelist', { header: p.header, files: [...rtlFiles, testbench] }) },
    {
      path: `${p.top}.core`,
      role: 'core',
      contents: render('design/core', {
        header: p.header,
        name: `flexor:generated:${p.top}:${p.header.version}`,
        description: p.description,
        rtlFiles,
        memoryFiles: memoryFiles.map((path) => ({ path, name: name(path) })),
        fileType: p.hdl === 'sv' ? 'systemVerilogSource' : 'verilogSource',
        testbench,
        vectorFiles: files.filter((f) => f.role === 'vectors').map((f) => name(f.path)),
        top: p.top,
        testbenchTop: p.testbenchTop,
      }),
    },
  ];
}

export function bitsToHex(bits: ArrayLike<number>): string {
  const digits = Math.max(1, Math.ceil(bits.length / 4));
  let hex = '';
  for (let d = digits - 1; d >= 0; d--) {
    let nibble = 0;
    for (let b = 3; b >= 0; b--) nibble = (nibble << 1) | (bits[d * 4 + b] ?? 0);
    hex += nibble.toString(16);
  }
  return hex;
}

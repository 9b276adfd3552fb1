/** manifest.json of a generated design or network folder: reading it and checking its files. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../core/errors.js';
import { sha256 } from '../core/hash.js';

/** The parts of manifest.json that the flows need. */
export interface DesignManifest {
  readonly kind: string;
  readonly top: string;
  readonly rtlFileList: string;
  readonly testbench: { readonly top: string; readonly fileList: string; readonly vectors: number };
  readonly files: readonly { readonly path: string; readonly role: string; readonly sha256: string }[];
}

/** The design folders below a network folder, or [dir] itself for a design. */
export function designFolders(dir: string): string[] {
  const path = join(dir, 'manifest.json');
  if (existsSync(path)) {
    try {
      const m = JSON.parse(readFileSync(path, 'utf8')) as { kind?: string; layers?: { folder: string }[] };
      if (m.kind === 'network' && Array.isArray(m.layers)) return m.layers.map((l) => join(dir, l.folder));
    } catch {
      // readManifest reports it
    }
  }
  return [dir];
}

export function readManifest(dir: string): DesignManifest {
  const path = join(dir, 'manifest.json');
  if (!existsSync(path)) throw new InputError('DIR', `${dir} holds no manifest.json; give a folder written by 'flexor generate'`);
  let manifest: DesignManifest;
  try {
    manifest = JSON.parse(readFileSync(path, 'utf8')) as DesignManifest;
  } catch (e) {
    throw new InputError(path, `is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof manifest.top !== 'string' || typeof manifest.testbench?.top !== 'string' || !Array.isArray(manifest.files)) {
    throw new InputError(path, 'lacks top, testbench or files; regenerate the design');
  }
  return manifest;
}

/** Generated files whose contents no longer match the manifest (edited by hand since). */
export function changedFiles(dir: string, manifest: DesignManifest): string[] {
  return manifest.files
    .filter((f) => f.role !== 'manifest')
    .filter((f) => !existsSync(join(dir, f.path)) || sha256(readFileSync(join(dir, f.path))) !== f.sha256)
    .map((f) => f.path);
}

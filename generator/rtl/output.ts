/**
 * Writing a generated design to disk, all or nothing: the files go to a fresh temporary folder
 * beside the target, which is renamed into place only when every file is written. An existing
 * non-empty target is replaced only with `force`.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { GeneratedFile } from './design.js';
import { InputError } from '../core/errors.js';

/**
 * Fails, naming `-o`, if `dir` exists and is not an empty folder, unless `force` is given and it
 * is a folder flexor generated before (it holds a manifest.json): --force replaces a previous
 * design, never a folder of the user's own files.
 */
export function checkOutputDir(dir: string, force: boolean): void {
  if (!existsSync(dir)) return;
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    throw new InputError('-o', `${dir} exists and is not a folder`);
  }
  if (entries.length > 0 && !force) {
    throw new InputError('-o', `${dir} exists and is not empty; pass --force to replace it`);
  }
  if (entries.length > 0 && !entries.includes('manifest.json')) {
    throw new InputError('-o', `${dir} is not empty and holds no manifest.json, so it is not a design flexor wrote; --force replaces only those. Choose a new or empty folder`);
  }
}

export function writeDesignFiles(dir: string, files: readonly GeneratedFile[], force: boolean): void {
  checkOutputDir(dir, force);
  const target = resolve(dir);
  mkdirSync(dirname(target), { recursive: true });
  const staging = `${target}.flexor-tmp-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  try {
    for (const file of files) {
      const path = join(staging, file.path);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, file.contents);
    }
    if (existsSync(target)) rmSync(target, { recursive: true, force: true });
    renameSync(staging, target);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw error;
  }
}

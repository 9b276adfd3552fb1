/**
 * Reading a file the user named. Every failure is an InputError that names the field (the flag or
 * argument the path came from, or the path itself) and says what went wrong.
 */
import { readFileSync } from 'node:fs';
import { InputError } from '../core/errors.js';

export interface ReadOptions {
  /** The flag or argument the path came from; the path itself when omitted. */
  readonly field?: string;
  /** What the file should be, for the "is a directory" message (e.g. "a layer .npz"). */
  readonly expected?: string;
}

/** The file's bytes, or an InputError naming the field: no such file, a directory, unreadable. */
export function readInputFile(path: string, options: ReadOptions = {}): Uint8Array {
  const field = options.field ?? path;
  const where = field === path ? '' : `${path}: `;
  try {
    return readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new InputError(field, `${where}no such file`);
    if (code === 'EISDIR') throw new InputError(field, `${where}is a directory, not ${options.expected ?? 'a file'}`);
    throw new InputError(field, `${where}cannot be read: ${(e as Error).message}`);
  }
}

/** The file as UTF-8 text; errors as readInputFile. */
export function readInputText(path: string, options: ReadOptions = {}): string {
  return Buffer.from(readInputFile(path, options)).toString('utf8');
}

/** A file a command writes: where, and what (text, or bytes for .npy and .npz). */
export interface OutputFile {
  readonly path: string;
  readonly contents: string | Uint8Array;
}

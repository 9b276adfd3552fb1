/**
 * The synthesis cache (docs/SYNTH.md, "Cache"): what one Yosys run on a design produced (its exit
 * status, its log and the files it wrote), stored under a key computed from everything that goes
 * into the run, so that synthesizing the same design again with the same Yosys reads the entry
 * instead of running Yosys. The figures are computed from the stored netlist on every call, so a
 * newer flexor-rtl never serves figures an older one computed.
 *
 * Place and route keeps its nextpnr runs the same way, in `pnr/` beside `synth/` (pnrCacheKey).
 *
 * An entry is one gzipped JSON file, `<key>.json.gz`, in the cache folder. A missing, corrupt or
 * unreadable entry is a miss, never an error; an entry is written to a temporary file and renamed
 * into place, so a reader sees a whole entry or none, even with parallel writers.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { canonicalJson, sha256 } from '../core/hash.js';

/** Version of the entry format and of the key's fields; a change makes every older entry a miss. */
export const CACHE_SCHEMA = 1;

/** Everything that decides what Yosys produces for a design. */
export interface SynthCacheKeyInput {
  readonly top: string;
  readonly target: string;
  /** 'embedded' or 'system'. */
  readonly yosys: string;
  /** The version of that Yosys (the @yowasp/yosys package version, or `yosys -V`). */
  readonly yosysVersion: string;
  /** The Yosys script, which names the files in the order they are read. */
  readonly script: string;
  /** Every file Yosys reads (RTL in file-list order, then memory images), by its path in the design folder. */
  readonly files: ReadonlyMap<string, string>;
}

/** What one tool run produced (Yosys, or nextpnr for the place-and-route cache): its exit code, log and output files. */
export interface CachedToolRun {
  readonly code: number;
  readonly log: string;
  /** Files the tool wrote, by name. */
  readonly outputs: ReadonlyMap<string, string>;
  /** Wall-clock seconds of the run that wrote the entry. */
  readonly seconds: number;
}

/** The key: sha256 over the schema, the top, the target, the Yosys kind and version, the script and each file's name and sha256. */
export function synthCacheKey(input: SynthCacheKeyInput): string {
  return sha256(
    canonicalJson({
      schema: CACHE_SCHEMA,
      top: input.top,
      target: input.target,
      yosys: input.yosys,
      yosysVersion: input.yosysVersion,
      script: sha256(input.script),
      files: [...input.files].map(([name, contents]) => [name, sha256(contents)]),
    }),
  );
}

/** True when the environment turns the cache off: FLEXOR_NO_CACHE set to anything but "" or "0". */
export function cacheDisabledByEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env.FLEXOR_NO_CACHE;
  return value !== undefined && value !== '' && value !== '0';
}

/**
 * The folder of synthesis cache entries: `$FLEXOR_CACHE_DIR/synth`, else
 * `$XDG_CACHE_HOME/flexor-rtl/synth` (an absolute XDG_CACHE_HOME only, as the XDG specification
 * asks), else `~/.cache/flexor-rtl/synth`; undefined when FLEXOR_NO_CACHE turns the cache off or
 * there is no home folder.
 */
export function synthCacheDir(env: NodeJS.ProcessEnv = process.env, home: string = safeHomedir()): string | undefined {
  return cacheFolder('synth', env, home);
}

/** The folder of place-and-route cache entries: as synthCacheDir, `pnr` beside `synth`. */
export function pnrCacheDir(env: NodeJS.ProcessEnv = process.env, home: string = safeHomedir()): string | undefined {
  return cacheFolder('pnr', env, home);
}

function cacheFolder(name: string, env: NodeJS.ProcessEnv, home: string): string | undefined {
  if (cacheDisabledByEnv(env)) return undefined;
  if (env.FLEXOR_CACHE_DIR) return join(resolve(env.FLEXOR_CACHE_DIR), name);
  const xdg = env.XDG_CACHE_HOME;
  if (xdg && isAbsolute(xdg)) return join(xdg, 'flexor-rtl', name);
  if (home === '') return undefined;
  return join(home, '.cache', 'flexor-rtl', name);
}

/** Everything that decides what nextpnr produces: its version, its arguments and the files it reads. */
export interface PnrCacheKeyInput {
  readonly nextpnrVersion: string;
  readonly args: readonly string[];
  /** The files nextpnr reads (the netlist, the pin constraints), by name. */
  readonly files: ReadonlyMap<string, string>;
}

/** The key of a nextpnr run: sha256 over the schema, the tool's version, its arguments and each file's name and sha256. */
export function pnrCacheKey(input: PnrCacheKeyInput): string {
  return sha256(
    canonicalJson({
      schema: CACHE_SCHEMA,
      tool: 'nextpnr-ice40',
      version: input.nextpnrVersion,
      args: [...input.args],
      files: [...input.files].map(([name, contents]) => [name, sha256(contents)]),
    }),
  );
}

function safeHomedir(): string {
  try {
    return homedir();
  } catch {
    return '';
  }
}

/** The file of the entry with this key. */
export function synthCacheFile(dir: string, key: string): string {
  return join(dir, `${key}.json.gz`);
}

interface StoredEntry {
  schema: number;
  key: string;
  code: number;
  log: string;
  outputs: Record<string, string>;
  seconds: number;
}

/** The entry with this key, or undefined when there is none or it cannot be read, decompressed or parsed, or does not match the key and schema. */
export function readCacheEntry(dir: string, key: string): CachedToolRun | undefined {
  let entry: Partial<StoredEntry>;
  try {
    entry = JSON.parse(gunzipSync(readFileSync(synthCacheFile(dir, key))).toString('utf8')) as Partial<StoredEntry>;
  } catch {
    return undefined;
  }
  if (entry === null || typeof entry !== 'object') return undefined;
  if (entry.schema !== CACHE_SCHEMA || entry.key !== key) return undefined;
  if (typeof entry.code !== 'number' || typeof entry.log !== 'string' || typeof entry.seconds !== 'number') return undefined;
  const outputs = entry.outputs;
  if (outputs === null || typeof outputs !== 'object' || Array.isArray(outputs)) return undefined;
  if (!Object.values(outputs).every((text) => typeof text === 'string')) return undefined;
  return { code: entry.code, log: entry.log, outputs: new Map(Object.entries(outputs)), seconds: entry.seconds };
}

/**
 * Stores a run under `key`: a temporary file in the cache folder, then a rename over the entry.
 * Returns undefined when written, else why not (a full disk, a read-only folder): the caller
 * reports it and goes on, a cache that cannot be written is no reason to fail.
 */
export function writeCacheEntry(dir: string, key: string, run: CachedToolRun): string | undefined {
  const file = synthCacheFile(dir, key);
  const temp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  const entry: StoredEntry = { schema: CACHE_SCHEMA, key, code: run.code, log: run.log, outputs: Object.fromEntries(run.outputs), seconds: run.seconds };
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(temp, gzipSync(JSON.stringify(entry)));
    renameSync(temp, file);
    return undefined;
  } catch (error) {
    try {
      rmSync(temp, { force: true });
    } catch {
      // the folder itself is unusable: there is no temporary file to remove
    }
    return error instanceof Error ? error.message : String(error);
  }
}

/**
 * The import rule of docs/ARCHITECTURE.md ("Folders and import directions"), as a check over the
 * sources' import graph: a file may import from its own folder and from folders below it, never
 * from one above; `core/` touches no file system and starts no process.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

/** The folders of generator/, lowest first. index.ts (the public API) stands above all but cli/. */
export const LAYERS = ['core', 'formats', 'rtl', 'eda', 'evidence', 'index.ts', 'cli'] as const;

/** Node modules that `core/` may not import: it is pure (no files, no processes). */
export const IMPURE_MODULES = ['node:fs', 'node:child_process', 'node:os', 'node:worker_threads', 'fs', 'child_process'];

export interface ImportViolation {
  readonly file: string;
  readonly line: number;
  readonly imports: string;
  readonly why: string;
}

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) sourceFiles(path, out);
    else if (path.endsWith('.ts') && !path.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** The layer of a file below `generatorDir`, or undefined for a file outside every layer. */
export function layerOf(generatorDir: string, file: string): number | undefined {
  const first = relative(generatorDir, file).split(sep)[0];
  const index = (LAYERS as readonly string[]).indexOf(first);
  return index < 0 ? undefined : index;
}

/** Every import in generator/ that breaks the rule; an empty list when the tree keeps it. */
export function importViolations(generatorDir: string): ImportViolation[] {
  const root = resolve(generatorDir);
  const violations: ImportViolation[] = [];
  for (const file of sourceFiles(root)) {
    const name = relative(root, file);
    const own = layerOf(root, file);
    if (own === undefined) {
      violations.push({ file: name, line: 1, imports: '', why: `is outside the folders ${LAYERS.join(', ')}` });
      continue;
    }
    const lines = readFileSync(file, 'utf8').split('\n');
    lines.forEach((text, i) => {
      // One-line statements, side-effect imports, and the `} from '...'` that ends a multi-line one.
      const match =
        /^\s*(?:import|export)\b[^'"]*\bfrom\s+['"]([^'"]+)['"]/.exec(text) ?? /^\s*import\s+['"]([^'"]+)['"]/.exec(text) ?? /^\s*\}\s*from\s+['"]([^'"]+)['"]/.exec(text);
      if (!match) return;
      const spec = match[1];
      if (!spec.startsWith('.')) {
        if (LAYERS[own] === 'core' && IMPURE_MODULES.includes(spec)) {
          violations.push({ file: name, line: i + 1, imports: spec, why: 'core/ is pure: no file system, no processes' });
        }
        return;
      }
      const target = resolve(dirname(file), spec.replace(/\.js$/, '.ts'));
      const theirs = layerOf(root, target);
      if (theirs === undefined) {
        violations.push({ file: name, line: i + 1, imports: spec, why: 'imports from outside generator/\'s folders' });
      } else if (theirs > own) {
        violations.push({ file: name, line: i + 1, imports: spec, why: `${LAYERS[own]} may not import ${LAYERS[theirs]} (a higher layer)` });
      }
    });
  }
  return violations;
}

export function violationText(v: ImportViolation): string {
  return `generator/${v.file}:${v.line} imports '${v.imports}': ${v.why}`;
}

/**
 * Function lengths of generator/: every function, method and function-valued constant longer than
 * LONG_FUNCTION_LINES lines must say why, in a comment just above it that contains "Long:".
 *
 *   node dist/test/function-length.js      lists the longest functions of generator/
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const LONG_FUNCTION_LINES = 80;

export interface FunctionLength {
  readonly file: string;
  readonly name: string;
  readonly line: number;
  readonly lines: number;
  /** The comment above it gives a reason ("Long: ..."). */
  readonly justified: boolean;
}

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) sourceFiles(path, out);
    else if (path.endsWith('.ts') && !path.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/**
 * Blanks out comments, strings and template-literal text (keeping `${...}` code and line breaks), so
 * that braces and keywords can be matched on what is left.
 */
export function codeOnly(text: string): string {
  const out: string[] = [];
  const templateDepth: number[] = []; // brace depth at which each open `${` returns to its template
  let depth = 0;
  let i = 0;
  let mode: 'code' | 'line' | 'block' | 'single' | 'double' | 'template' = 'code';
  const keep = (ch: string) => out.push(ch);
  const blank = (ch: string) => out.push(ch === '\n' ? '\n' : ' ');
  while (i < text.length) {
    const ch = text[i];
    const next = text[i + 1];
    if (mode === 'code') {
      if (ch === '/' && next === '/') mode = 'line';
      else if (ch === '/' && next === '*') mode = 'block';
      else if (ch === "'") mode = 'single';
      else if (ch === '"') mode = 'double';
      else if (ch === '`') mode = 'template';
      else if (ch === '{') depth++;
      else if (ch === '}') {
        if (templateDepth.length > 0 && templateDepth[templateDepth.length - 1] === depth) {
          templateDepth.pop();
          mode = 'template';
          blank(ch);
          i++;
          continue;
        }
        depth--;
      }
      if (mode === 'code') keep(ch);
      else blank(ch);
      i++;
    } else if (mode === 'line') {
      if (ch === '\n') mode = 'code';
      blank(ch);
      i++;
    } else if (mode === 'block') {
      if (ch === '*' && next === '/') {
        blank(ch);
        blank(next);
        i += 2;
        mode = 'code';
        continue;
      }
      blank(ch);
      i++;
    } else if (mode === 'template') {
      if (ch === '\\') {
        blank(ch);
        blank(next);
        i += 2;
        continue;
      }
      if (ch === '`') mode = 'code';
      else if (ch === '$' && next === '{') {
        templateDepth.push(depth);
        blank(ch);
        blank(next);
        i += 2;
        mode = 'code';
        continue;
      }
      blank(ch);
      i++;
    } else {
      if (ch === '\\') {
        blank(ch);
        blank(next);
        i += 2;
        continue;
      }
      if ((mode === 'single' && ch === "'") || (mode === 'double' && ch === '"') || ch === '\n') mode = 'code';
      blank(ch);
      i++;
    }
  }
  return out.join('');
}

const FUNCTION_START = [
  /^\s*(?:export\s+)?(?:default\s+)?(?:async\s+)?function\s*\*?\s*([A-Za-z_$][\w$]*)/,
  /^\s*(?:export\s+)?(?:const|let)\s+([A-Za-z_$][\w$]*)\s*(?::[^=]+)?=\s*(?:async\s+)?(?:function\b|\([^)]*\)?|[A-Za-z_$][\w$]*\s*=>)/,
  /^\s*(?:(?:public|private|protected|static|readonly|async|override|get|set)\s+)*(?!if\b|for\b|while\b|switch\b|catch\b|return\b)([A-Za-z_$][\w$]*)\s*(?:<[^>]*>)?\([^;]*$/,
];

/** Top-level functions, function-valued constants and methods of one file, with their lengths. */
export function functionLengths(text: string, file: string): FunctionLength[] {
  const code = codeOnly(text).split('\n');
  const lines = text.split('\n');
  const found: FunctionLength[] = [];
  let blockEnd = -1; // a function's lines are not searched for nested starts
  for (let n = 0; n < code.length; n++) {
    if (n <= blockEnd) continue;
    const match = FUNCTION_START.map((re) => re.exec(code[n])).find((m) => m !== null);
    if (!match) continue;
    // The body opens at the end of the signature's last line (the first line ending in '{' with
    // every parenthesis closed): braces before it belong to parameter defaults and types.
    let parens = 0;
    let open = -1;
    for (let m = n; m < code.length && open < 0; m++) {
      for (const ch of code[m]) parens += ch === '(' ? 1 : ch === ')' ? -1 : 0;
      const trimmed = code[m].trimEnd();
      if (parens === 0 && trimmed.endsWith('{')) open = m;
      else if (parens === 0 && trimmed.endsWith(';')) break;
    }
    if (open < 0) continue;
    let depth = 0;
    let end = -1;
    const line = code[open];
    const start = line.lastIndexOf('{');
    for (let m = open; m < code.length && end < 0; m++) {
      const text = m === open ? line.slice(start) : code[m];
      for (const ch of text) {
        if (ch === '{') depth++;
        else if (ch === '}' && --depth === 0) {
          end = m;
          break;
        }
      }
    }
    if (end < 0) continue;
    let above = n - 1;
    const comment: string[] = [];
    while (above >= 0 && /^\s*(\/\/|\/\*|\*)/.test(lines[above])) comment.push(lines[above--]);
    found.push({ file, name: match[1], line: n + 1, lines: end - n + 1, justified: comment.some((c) => c.includes('Long:')) });
    blockEnd = end;
  }
  return found;
}

/** All functions of the tree below `dir`, longest first. */
export function treeFunctionLengths(dir: string): FunctionLength[] {
  return sourceFiles(dir)
    .flatMap((path) => functionLengths(readFileSync(path, 'utf8'), relative(join(dir, '..'), path)))
    .sort((a, b) => b.lines - a.lines);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = fileURLToPath(new URL('../../generator/', import.meta.url));
  for (const f of treeFunctionLengths(root).slice(0, Number(process.argv[2] ?? 15))) {
    console.log(`${String(f.lines).padStart(4)}  ${f.file}:${f.line}  ${f.name}${f.justified ? '  (Long: justified)' : ''}`);
  }
}

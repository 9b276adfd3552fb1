/**
 * Layout rules of generated HDL (docs/DECODER.md, "Conventions of every generated file"), as a
 * check over a file's text: no line longer than MAX_COLUMNS, and no unsized integer literal in an
 * expression. An integer may stand unsized only where it is a count, a bound or an index, not a
 * value with a width:
 * - in a `localparam` or `parameter` declaration (its value);
 * - inside the parentheses of a `for (...)` or `repeat (...)` (loop bounds);
 * - inside brackets `[...]` (ranges, bit and array indices);
 * - as the first argument of `$fatal` (its finish number) or `$dumpvars` (a hierarchy depth);
 * - in a compiler directive (`` `timescale 1ns / 1ps ``).
 * Comments and strings are left out; sized (`8'hff`, `1'b0`) and fill (`'0`) literals are fine.
 */
import { MAX_COLUMNS } from '../generator/rtl/textwrap.js';

export interface StyleViolation {
  /** 1-based line number. */
  readonly line: number;
  readonly why: string;
  readonly text: string;
}

/** The line without its `//` comment and with every string emptied (`"..."` becomes `""`). */
function codeOf(line: string): string {
  let code = '';
  let inString = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') {
        inString = false;
        code += c;
      }
    } else if (c === '"') {
      inString = true;
      code += c;
    } else if (c === '/' && line[i + 1] === '/') {
      break;
    } else {
      code += c;
    }
  }
  return code;
}

/** Removes the parenthesised group that starts at the first `(` after `index` (nesting respected). */
function dropGroupAfter(code: string, index: number): string {
  const open = code.indexOf('(', index);
  if (open < 0) return code;
  let depth = 0;
  for (let i = open; i < code.length; i++) {
    if (code[i] === '(') depth++;
    else if (code[i] === ')' && --depth === 0) return `${code.slice(0, open)}()${code.slice(i + 1)}`;
  }
  return code.slice(0, open);
}

/** The unsized integer literals of one line of code, as written. */
export function unsizedLiterals(line: string): string[] {
  let code = codeOf(line).trim();
  if (/^(localparam|parameter)\b/.test(code) || code.startsWith('`')) return [];
  for (const keyword of ['for', 'repeat']) {
    const at = code.search(new RegExp(`\\b${keyword}\\s*\\(`));
    if (at >= 0) code = dropGroupAfter(code, at);
  }
  code = code.replace(/\$(fatal|dumpvars)\s*\(\s*\d+\s*,/g, '$$$1(,');
  let previous;
  do {
    previous = code;
    code = code.replace(/\[[^[\]]*\]/g, '');
  } while (code !== previous);
  code = code
    .replace(/\b\d*\s*'[sS]?[bBoOdDhH]\s*[0-9a-fA-FxXzZ?_]+/g, '')
    .replace(/'[01xXzZ]\b/g, '')
    .replace(/[A-Za-z_$][A-Za-z0-9_$]*/g, '');
  return code.match(/\d[\d_.]*/g) ?? [];
}

/** Every line of `text` that breaks a layout rule: too long, or with an unsized literal. */
export function styleViolations(text: string): StyleViolation[] {
  const violations: StyleViolation[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.length > MAX_COLUMNS) violations.push({ line: i + 1, why: `${line.length} columns (at most ${MAX_COLUMNS})`, text: line });
    const literals = unsizedLiterals(line);
    if (literals.length > 0) violations.push({ line: i + 1, why: `unsized literal(s) ${literals.join(', ')}`, text: line });
  });
  return violations;
}

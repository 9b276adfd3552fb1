/**
 * Style checks of generated HDL text: the line length, and literals without a width.
 *
 * `unsizedLiterals` reports every decimal literal without a size (`1`, `42`) and every based
 * literal without one (`'d5`, `'0`) in expressions. Allowed, because they are elaboration-time
 * integers rather than values of a width: parameter and localparam declarations (their values),
 * parameter overrides `#(...)`, `for (...)` and `repeat (...)` headers, the first argument of
 * `$fatal` (its finish number) and `$dumpvars` (a hierarchy depth), everything inside `[...]`
 * (ranges, indices, part-selects), replication counts `{N{...}}`, and `if (...)` conditions made
 * of constants only (identifiers in capitals, genvars), such as generate conditions and parameter
 * checks. Comments, strings and compiler directives are skipped. One check for every generated
 * file, RTL and testbench alike (docs/DECODER.md, "Conventions of every generated file").
 */
import { MAX_COLUMNS as GENERATED_COLUMNS } from '../generator/rtl/textwrap.js';

/** The generator's own limit (generator/rtl/textwrap.ts). */
export const MAX_COLUMNS = GENERATED_COLUMNS;

export interface StyleProblem {
  readonly line: number;
  readonly text: string;
}

/** Lines longer than `max` characters, with their length. */
export function longLines(text: string, max = MAX_COLUMNS): StyleProblem[] {
  const problems: StyleProblem[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.length > max) problems.push({ line: i + 1, text: `${line.length} columns: ${line}` });
  });
  return problems;
}

/** The text with comments, strings and directive lines blanked (newlines kept, so lines still count). */
function codeOnly(text: string): string {
  const blank = (s: string) => s.replace(/[^\n]/g, ' ');
  return text
    .replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*|"(?:[^"\\\n]|\\.)*"/g, blank)
    .replace(/^[ \t]*`[^\n]*/gm, blank);
}

interface Context {
  /** Literals inside are allowed (up to the first comma with firstArgument). */
  exempt: boolean;
  /** `$fatal(` and `$dumpvars(`: only the first argument is exempt. */
  readonly firstArgument: boolean;
  /** `if (`: decided at its `)`, from whether every identifier in it is a constant. */
  readonly condition: boolean;
  /** A `{` whose first element may still turn out to be a replication count. */
  readonly brace: boolean;
  pending: StyleProblem[];
  identifiers: string[];
  sawComma: boolean;
}

const TOKEN = /(\d+\s*'[sS]?[bBoOdDhH]\s*[0-9a-fA-F_xXzZ?]+)|('[sS]?[bBoOdDhH]\s*[0-9a-fA-F_xXzZ?]+|'[01xXzZ])|([A-Za-z_$][A-Za-z0-9_$]*)|(\d[\d_]*(?:\.\d+)?)|(#\s*\(|[()[\]{},;])/g;

/** Unsized literals in expressions, with the line they are on. */
export function unsizedLiterals(text: string): StyleProblem[] {
  const code = codeOnly(text);
  const lines = text.split('\n');
  const lineStarts = [0];
  for (let i = 0; i < code.length; i++) if (code[i] === '\n') lineStarts.push(i + 1);
  const lineOf = (index: number) => {
    let lo = 0;
    while (lo + 1 < lineStarts.length && lineStarts[lo + 1] <= index) lo++;
    return lo + 1;
  };
  const genvars = new Set([...code.matchAll(/\bgenvar\s+([A-Za-z_]\w*)/g)].map((m) => m[1]));
  const constant = (id: string) => genvars.has(id) || /^[A-Z][A-Z0-9_]*$/.test(id) || id.startsWith('$');
  const problems: StyleProblem[] = [];
  const stack: Context[] = [];
  let declaration = false; // inside a localparam or parameter declaration, up to its ';'
  let previous = '';
  const context = (exempt: boolean, extra: Partial<Context> = {}): Context => ({ exempt, firstArgument: false, condition: false, brace: false, pending: [], identifiers: [], sawComma: false, ...extra });
  // A literal waits in the innermost condition (kept if the condition is not constant) or in the
  // first element of the innermost brace (dropped if that element is a replication count).
  const report = (p: StyleProblem) => {
    for (let i = stack.length - 1; i >= 0; i--) {
      const c = stack[i];
      if (c.condition || (c.brace && !c.sawComma)) {
        c.pending.push(p);
        return;
      }
      if (c.brace) break;
    }
    problems.push(p);
  };
  for (const m of code.matchAll(TOKEN)) {
    const [token, sized, unsizedBased, identifier, number, punct] = m;
    if (sized) {
      // a sized literal: what we want
    } else if (unsizedBased || number) {
      if (!declaration && !stack.some((c) => c.exempt)) {
        const line = lineOf(m.index ?? 0);
        report({ line, text: `${token}: ${lines[line - 1].trim()}` });
      }
    } else if (identifier) {
      if ((identifier === 'localparam' || identifier === 'parameter') && stack.length === 0) declaration = true;
      for (const c of stack) if (c.condition) c.identifiers.push(identifier);
    } else if (punct) {
      const p = punct.replace(/\s+/g, '');
      if (p === '#(') stack.push(context(true));
      else if (p === '[') stack.push(context(true));
      else if (p === '(' && (previous === '$fatal' || previous === '$dumpvars')) stack.push(context(true, { firstArgument: true }));
      else if (p === '(') stack.push(context(previous === 'for' || previous === 'repeat', { condition: previous === 'if' }));
      else if (p === '{') {
        // {N{...}}: the first element of the enclosing brace is a replication count.
        const outer = stack[stack.length - 1];
        if (outer?.brace && !outer.sawComma) outer.pending = [];
        stack.push(context(false, { brace: true }));
      } else if (p === ')' || p === ']' || p === '}') {
        const done = stack.pop();
        if (done && !(done.condition && done.identifiers.every(constant))) for (const q of done.pending) report(q);
      } else if (p === ',') {
        const inner = stack[stack.length - 1];
        if (inner?.firstArgument) inner.exempt = false;
        if (inner?.brace && !inner.sawComma) {
          inner.sawComma = true;
          const pending = inner.pending;
          inner.pending = [];
          for (const q of pending) report(q);
        }
      } else if (p === ';') {
        declaration = false;
      }
    }
    previous = identifier ?? (punct ? punct.replace(/\s+/g, '') : token);
  }
  return problems;
}

import { expect } from 'chai';
import { join } from 'node:path';
import { codeOnly, functionLengths, LONG_FUNCTION_LINES, treeFunctionLengths } from './function-length.js';
import { PROJECT_ROOT } from './helpers.js';

const body = (n: number) => Array.from({ length: n }, (_, i) => `  const v${i} = '}{' + \`\${i}\`;`).join('\n');

describe('function lengths (no function over about 80 lines without a reason beside it)', () => {
  it(`every function of generator/ over ${LONG_FUNCTION_LINES} lines has a "Long:" comment above it`, () => {
    const long = treeFunctionLengths(join(PROJECT_ROOT, 'generator')).filter((f) => f.lines > LONG_FUNCTION_LINES && !f.justified);
    expect(long.map((f) => `${f.file}:${f.line} ${f.name} (${f.lines} lines)`)).to.deep.equal([]);
  });

  it('measures functions, arrow constants and methods, ignoring braces in strings and comments', () => {
    const text = [
      '/** A short one. */',
      'export function small(a: number): number {',
      '  return a; // }',
      '}',
      '// Long: a table of cases reads best in one place.',
      'export const big = (x: number) => {',
      body(90),
      '};',
      'class K {',
      '  method(y: string): void {',
      "    if (y === '{') return;",
      '  }',
      '}',
    ].join('\n');
    const found = functionLengths(text, 'x.ts').map((f) => [f.name, f.lines, f.justified]);
    expect(found).to.deep.equal([['small', 3, false], ['big', 92, true], ['method', 3, false]]);
  });

  it('flags a long function without a reason', () => {
    const text = `function tooLong(): void {\n${body(85)}\n}\n`;
    const [f] = functionLengths(text, 'y.ts');
    expect(f).to.include({ name: 'tooLong', lines: 87, justified: false });
  });

  it('blanks comments and string contents but keeps template code', () => {
    expect(codeOnly("a('{'); // }\n/* { */ b(`x${c}y`)")).to.equal("a(   );     \n        b(    c   )");
  });
});

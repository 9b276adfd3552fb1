import { expect } from 'chai';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { importViolations, violationText } from './import-rules.js';
import { PROJECT_ROOT, tempDir } from './helpers.js';

function tree(files: Record<string, string>): string {
  const dir = tempDir('imports');
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

describe('import rule (docs/ARCHITECTURE.md)', () => {
  it('generator/ imports only from its own folder and the folders below it', () => {
    const violations = importViolations(join(PROJECT_ROOT, 'generator'));
    expect(violations.map(violationText)).to.deep.equal([]);
  });

  it('rejects a lower layer importing a higher one, naming file, line and layers', () => {
    const dir = tree({
      'core/matrix.ts': "import { x } from './prng.js';\nimport { render } from '../rtl/templates.js';\n",
      'core/prng.ts': 'export const x = 1;\n',
      'rtl/templates.ts': "import { x } from '../core/prng.js';\nexport const render = x;\n",
    });
    const text = importViolations(dir).map(violationText);
    expect(text).to.deep.equal(["generator/core/matrix.ts:2 imports '../rtl/templates.js': core may not import rtl (a higher layer)"]);
  });

  it('checks a statement over several lines at the line of its `from`', () => {
    const dir = tree({
      'index.ts': "export {\n  main,\n  type Options,\n} from './cli/main.js';\nexport { x } from './core/prng.js';\n",
      'core/prng.ts': 'export const x = 1;\n',
      'cli/main.ts': 'export const main = 1;\nexport type Options = number;\n',
    });
    expect(importViolations(dir).map(violationText)).to.deep.equal(["generator/index.ts:4 imports './cli/main.js': index.ts may not import cli (a higher layer)"]);
  });

  it('rejects file system access in core/ and files outside the folders', () => {
    const dir = tree({
      'core/golden.ts': "import { readFileSync } from 'node:fs';\n",
      'stray.ts': 'export {};\n',
      'cli/flexor.ts': "import { a } from '../index.js';\nimport { b } from '../evidence/report.js';\n",
      'index.ts': "export { c } from './cli/flexor.js';\n",
    });
    const text = importViolations(dir).map(violationText);
    expect(text).to.have.members([
      "generator/core/golden.ts:1 imports 'node:fs': core/ is pure: no file system, no processes",
      'generator/stray.ts:1 imports \'\': is outside the folders core, formats, rtl, eda, evidence, index.ts, cli',
      "generator/index.ts:1 imports './cli/flexor.js': index.ts may not import cli (a higher layer)",
    ]);
  });
});

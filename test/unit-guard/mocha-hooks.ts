/** Root hooks of a guarded run: the running test's file and title, for the calls log. */
import { relative } from 'node:path';
import type { Context } from 'mocha';
import { TEST_VARIABLE } from './run.js';

const label = (context: Context) => {
  const test = context.currentTest;
  return test ? `${relative(process.cwd(), test.file ?? '?')}: ${test.fullTitle()}` : '';
};

export const mochaHooks = {
  beforeEach(this: Context) {
    process.env[TEST_VARIABLE] = label(this);
  },
  afterEach(this: Context) {
    process.env[TEST_VARIABLE] = `a hook after ${label(this)}`;
  },
};

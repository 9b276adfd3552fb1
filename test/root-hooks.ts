/**
 * Root hooks of every mocha run (.mocharc.json "require"): the temporary folders of helpers.ts
 * are removed after all tests, or, in a parallel run, after each file's tests in its worker
 * (a hook a helper module registers when first imported would run for the first file only).
 */
import { removeTempDirs } from './helpers.js';

export const mochaHooks = {
  afterAll(): void {
    removeTempDirs();
  },
};

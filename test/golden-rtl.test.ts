import { expect } from 'chai';
import { GOLDEN_CASES, goldenDifferences } from './golden-rtl.js';

describe('golden files of emitted RTL', function () {
  it(`the generator emits exactly the committed test/golden/rtl/ designs (${GOLDEN_CASES.length} configurations)`, function () {
    expect(goldenDifferences(), "run 'make golden' if the change is intended").to.deep.equal([]);
  });
});

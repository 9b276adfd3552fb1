/**
 * The synthesis report without Yosys (see synth.synth.test.ts): module names in the table, and
 * the LUT sites of Xilinx LUT RAM.
 */
import { expect } from 'chai';
import { displayName, lutRamSites } from '../generator/eda/synth.js';

describe('module names in the synthesis table', () => {
  it('shows a hashed parameter set by its hash and a short one by its values', () => {
    expect(displayName('$paramod$ab3c9024aa11\\top_gearbox')).to.equal('top_gearbox [ab3c9024]');
    expect(displayName("$paramod\\top_mac_add\\W=s32'00000000000000000000000000001101")).to.equal('top_mac_add [W=13]');
    expect(displayName("$paramod\\m\\A=s4'1110\\B=8'11111111")).to.equal('m [A=-2 B=255]');
    expect(displayName('top')).to.equal('top');
  });
});

describe('LUT RAM in the synthesis report', () => {
  it('counts the LUT sites of Xilinx LUT RAM and shift registers, which the LUTs column leaves out', () => {
    expect(lutRamSites({ RAM32M: 54, LUT6: 100, FDRE: 7 })).to.equal(216);
    expect(lutRamSites({ RAM64X1D: 3, SRLC32E: 2, RAM256X1S: 1 })).to.equal(12);
    expect(lutRamSites({ SB_LUT4: 9 })).to.equal(0);
  });
});

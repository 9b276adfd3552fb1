/** The two output flavours and what differs between them. */
export type Hdl = 'sv' | 'verilog';
export type ResetStyle = 'sync' | 'async';

export const HDLS: readonly Hdl[] = ['sv', 'verilog'];
export const RESET_STYLES: readonly ResetStyle[] = ['sync', 'async'];

/** Keywords and file extension of a flavour, as the templates print them (with trailing space). */
export function hdlKeywords(hdl: Hdl) {
  const sv = hdl === 'sv';
  return {
    sv,
    ext: sv ? 'sv' : 'v',
    net: sv ? 'logic ' : 'wire ',
    var: sv ? 'logic ' : 'reg ',
    paramType: sv ? 'int ' : 'integer ',
    alwaysFf: sv ? 'always_ff' : 'always',
    alwaysComb: sv ? 'always_comb' : 'always @*',
  };
}

/** Reset port, its active condition and the values that assert and release it. */
export function resetKeywords(reset: ResetStyle) {
  return reset === 'sync'
    ? { resetPort: 'rst', resetActive: 'rst', asyncReset: false, resetAssert: "1'b1", resetDeassert: "1'b0", resetText: 'synchronous, active high (rst)' }
    : { resetPort: 'rst_ni', resetActive: '!rst_ni', asyncReset: true, resetAssert: "1'b0", resetDeassert: "1'b1", resetText: 'asynchronous, active low (rst_ni)' };
}

/** Ceiling of log2(n) for n >= 1: the bits needed to index n items. */
export function clog2(n: number): number {
  let bits = 0;
  while (1 << bits < n) bits++;
  return bits;
}

/** Every command of `flexor`, in the order `flexor --help` lists them; main registers them in a loop. */
import type { AnyCommand } from '../flags.js';
import { asicCommand } from './asic.js';
import { calibrateCommand } from './calibrate.js';
import { compareCommand } from './compare.js';
import { decodeCommand } from './decode.js';
import { encodeCommand } from './encode.js';
import { GENERATE_COMMANDS, generateCommand } from './generate.js';
import { goldenCommand } from './golden.js';
import { lintCommand } from './lint.js';
import { matrixCommand } from './matrix.js';
import { networkCommand } from './network.js';
import { pnrCommand } from './pnr.js';
import { proveCommand } from './prove.js';
import { reportCommand } from './report.js';
import { simCommand } from './sim.js';
import { sweepCommand } from './sweep.js';
import { synthCommand } from './synth.js';
import { verifyCommand } from './verify.js';

export const COMMANDS: readonly AnyCommand[] = [
  matrixCommand,
  generateCommand,
  verifyCommand,
  lintCommand,
  decodeCommand,
  goldenCommand,
  calibrateCommand,
  simCommand,
  encodeCommand,
  networkCommand,
  synthCommand,
  pnrCommand,
  asicCommand,
  proveCommand,
  compareCommand,
  sweepCommand,
  reportCommand,
];

/** The first word of a module's `command` ('verify <dir>' is verify). */
function commandName(module: AnyCommand): string {
  return String(module.command).split(' ')[0];
}

/** What the user can type: matrix, generate decoder, generate layer, verify, ... */
export function commandNames(): string[] {
  return COMMANDS.flatMap((c) => (c === generateCommand ? GENERATE_COMMANDS.map((g) => `${commandName(c)} ${commandName(g)}`) : [commandName(c)]));
}

/**
 * The `flexor` command: yargs with every command module of commands/index.ts. Each command parses
 * its flags, calls one library function, writes what it returned and sets the exit status: 0
 * success, 1 a check failed (simulation, lint, synthesis, proof), 2 bad input. `main` returns that
 * status instead of exiting, so it runs in-process as well as from flexor.ts.
 */
import yargs from 'yargs';
import { InputError } from '../core/errors.js';
import { VERSION } from '../formats/version.js';
import { COMMANDS, commandNames } from './commands/index.js';
import { fail, takeExitStatus } from './flags.js';

/** A yargs validation message (unknown flag, missing argument, bad choice), reworded for the user. */
class UsageError extends Error {}

/** yargs' own messages, reworded to name the flag as the user types it. */
function friendly(message: string): string {
  const missing = /^Missing required argument: (\w+)/.exec(message);
  if (missing) return missing[1] === 'output' ? '-o/--output: is required: the folder to write the design to' : `--${missing[1]}: is required`;
  // yargs: 'Invalid values:\n  Argument: hdl, Given: "vhdl", Choices: "sv", "verilog"'.
  const choice = /Argument: ([\w-]+), Given: (.*), Choices: (.*)$/m.exec(message);
  if (choice) return `--${choice[1]}: must be one of ${choice[3].replace(/"/g, '')}; got ${choice[2]}`;
  if (/^Unknown argument/.test(message) || /^Did you mean/.test(message)) {
    return `${message} (commands: ${commandNames().join(', ')}; flags: see --help)`;
  }
  return message;
}

let pipeHandled = false;

/** `flexor ... | head`: a closed pipe ends the output quietly, with the status so far. */
function endQuietlyOnClosedPipe(): void {
  if (pipeHandled) return;
  pipeHandled = true;
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(takeExitStatus());
    throw e;
  });
}

/** Runs `flexor ARGS...` (ARGS without node and the script) and returns its exit status. */
export async function main(args: readonly string[]): Promise<number> {
  endQuietlyOnClosedPipe();
  takeExitStatus();
  let cli = yargs([...args])
    .scriptName('flexor')
    .usage('$0 <command> [options]\n\nFleXOR XOR-decoder RTL generator: generate, verify against the golden model, lint.')
    .version(VERSION)
    .strict()
    .recommendCommands()
    .demandCommand(1, 'name a command')
    .help()
    .alias('h', 'help')
    .exitProcess(false)
    .wrap(Math.min(110, process.stdout.columns ?? 110))
    .example('$0 generate decoder --nin 16 --nout 20 --ntap 2 --seed 1 -o rtl-out/dec', 'generate a decoder at 0.8 bits per weight')
    .example('$0 verify rtl-out/dec', 'check it bit-exactly in Icarus Verilog and Verilator')
    .epilogue('Exit status: 0 success, 1 a check failed, 2 bad input (nothing is written).')
    .fail((message, error) => {
      // A handler's error, or one thrown while coercing a flag (yargs wraps our InputErrors in a YError).
      if (error) throw error;
      throw new UsageError(`${friendly(message)}\nRun 'flexor --help' for the commands and their options.`);
    });
  for (const command of COMMANDS) cli = cli.command(command);
  try {
    await cli.parseAsync();
  } catch (e) {
    if (e instanceof InputError || e instanceof UsageError || (e as Error)?.name === 'YError') {
      takeExitStatus();
      return fail((e as Error).message);
    }
    throw e;
  }
  return takeExitStatus();
}

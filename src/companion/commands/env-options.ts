import { Option, type Command, type OptionValues } from 'commander';
import type { CommandIo } from './command-io';

/**
 * Options that fall back to an environment variable, declared once with commander's `Option.env()`
 * (the help shows "(env: NAME)"). commander reads those variables from `process.env`; a command
 * reads its environment from the injected `io.env` instead (the same object on the command line,
 * the test's own in process), so `applyEnv` redoes that step against `io.env` before the command
 * runs: one generic step, no fallback written per option.
 */

/** `new Option(flags, description).env(variable)`. */
export function envOption(flags: string, description: string, variable: string): Option {
  return new Option(flags, description).env(variable);
}

function blank(value: unknown): boolean {
  return value === undefined || (typeof value === 'string' && value.trim() === '');
}

/**
 * For each option of `command` with an environment variable: a value given on the command line
 * stays (unless blank); otherwise the variable's value in `env` is taken (source 'env'), and a value
 * commander took from another environment is dropped. A blank variable counts as not set.
 */
export function applyEnv(command: Command, env: NodeJS.ProcessEnv): void {
  for (const option of command.options) {
    if (option.envVar === undefined) continue;
    const key = option.attributeName();
    const source = command.getOptionValueSource(key);
    if ((source === 'cli' || source === 'config' || source === 'implied') && !blank(command.getOptionValue(key))) continue;
    const value = env[option.envVar];
    if (!blank(value)) command.setOptionValueWithSource(key, value, 'env');
    else if (source === 'env') command.setOptionValueWithSource(key, option.defaultValue, option.defaultValue === undefined ? undefined : 'default');
  }
}

/**
 * A commander action that takes the command's options with `applyEnv` against the command's io, then
 * runs `run` with them.
 */
export function envAction<F extends OptionValues>(
  io: () => CommandIo,
  run: (flags: F, io: CommandIo) => Promise<void> | void,
): (flags: OptionValues, command: Command) => Promise<void> {
  return async (_flags, command) => {
    const commandIo = io();
    applyEnv(command, commandIo.env);
    await run(command.opts<F>(), commandIo);
  };
}

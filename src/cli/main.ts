import { Command } from 'commander';
import { version } from '../../package.json';
import { registerCompanionCommands } from '../companion/cli';
import { registerAtfCommand } from '../instance/atf/cli';
import { registerInstanceCommand } from '../instance/cli';
import { stopWhenLauncherExits } from './launcher-watch';
import { registerStartCommand } from './start';

/** The `incident-sn` program. Each part of the product registers its own commands here. */
export function buildProgram(): Command {
  const program = new Command('incident-sn')
    .description('incident.io <-> ServiceNow: the local instance, Connect, doctor and the sync companion')
    .version(version)
    .showHelpAfterError();
  registerInstanceCommand(program);
  registerAtfCommand(program);
  registerCompanionCommands(program);
  registerStartCommand(program);
  return program;
}

/** The program as bin/incident-sn.js runs it. */
export async function main(argv: string[]): Promise<void> {
  stopWhenLauncherExits({ env: process.env, parentPid: process.ppid });
  await buildProgram().parseAsync(argv);
}

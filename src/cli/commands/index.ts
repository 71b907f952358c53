import type { CommandModule } from 'yargs';
import type { GlobalArgs } from '../context.js';

/** Every CLI command; each module is thin: parse, call one application function, render. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const commands: CommandModule<GlobalArgs, any>[] = [];

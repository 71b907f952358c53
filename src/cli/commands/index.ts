import type { CommandModule } from 'yargs';
import type { GlobalArgs } from '../context.js';
import { seriesCommand } from './series.js';
import { simulateCommand } from './simulate.js';
import { demoCommand } from './demo.js';
import { doctorCommand } from './doctor.js';
import { collectCommand } from './collect.js';
import { collectGpuCommand } from './collect-gpu.js';
import { importCommand } from './import.js';
import { forecastCommand } from './forecast.js';
import { forecastSessionsCommand } from './forecast-sessions.js';
import { predictJobCommand } from './predict-job.js';
import { applyCommand } from './apply.js';
import { revertCommand } from './revert.js';
import { planCommand } from './plan.js';
import { adjustCommand } from './adjust.js';

/** Every CLI command; each module is thin: parse, call one application function, render. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const commands: CommandModule<GlobalArgs, any>[] = [
  seriesCommand,
  simulateCommand,
  demoCommand,
  doctorCommand,
  forecastCommand,
  forecastSessionsCommand,
  predictJobCommand,
  collectCommand,
  collectGpuCommand,
  importCommand,
  applyCommand,
  revertCommand,
  planCommand,
  adjustCommand,
];

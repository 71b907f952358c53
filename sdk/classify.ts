import {
  AuthRefusedError,
  CommandFailedError,
  RestRequestError,
  SlurmctldDownError,
  SlurmConfigError,
  SlurmdbdDownError,
  tail,
  type SlurmError,
  type SlurmErrorOptions,
} from './errors.js';
import type { CliRequest, CliResponse, HttpRequest, HttpResponse } from './wire.js';

/**
 * Maps a failed Slurm command or REST answer to the error class that says what happened. Slurm
 * reports failures only as text, so this is the one place that reads it; everything above branches
 * on the classes.
 */

const CTLD_DOWN = [
  /Unable to contact slurm controller/i,
  /Slurmctld\(\w+\) at \S+ is DOWN/,
  /slurm_load_\w+ error: Unable to contact/i,
  /Zero Bytes were transmitted or received/i,
  // `scontrol create reservation` printed this instead of "Unable to contact" right after slurmctld
  // stopped (seen on the 22.05 lab): a lost controller, not a refusal.
  /Error \w+ the reservation: Unexpected message received/i,
];
const DBD_DOWN = [
  /Problem talking to the database/i,
  /slurmdbd: Connection refused/i,
  /Unable to connect to (the )?database/i,
  /persistent connection to host:\S+: Connection refused/i,
];
const AUTH = [/Invalid authentication credential/i, /Authentication failure/i, /auth\/munge.*(fail|error)/i];

// Slurm's client library ends with this line when slurm.conf is missing, unreadable or invalid.
const CONFIG_FATAL = /fatal: Unable to process configuration file/;

/**
 * A Slurm program that could not load slurm.conf, whatever its exit code: `scontrol ping` exits 1
 * both for a down controller (an answer the SDK reads) and for a config it cannot load (no answer).
 */
export function configFailure(
  request: CliRequest,
  response: CliResponse,
  options: SlurmErrorOptions,
): SlurmConfigError | undefined {
  if (!CONFIG_FATAL.test(response.stderr)) return undefined;
  return new SlurmConfigError({ program: request.program, stderrTail: tail(response.stderr) }, options);
}

/** Classifies a non-zero exit of a Slurm program. */
export function cliFailure(
  request: CliRequest,
  response: CliResponse,
  options: SlurmErrorOptions,
): SlurmError {
  const text = `${response.stderr}\n${response.stdout}`;
  const stderrTail = tail(response.stderr || response.stdout);
  const config = configFailure(request, response, options);
  if (config !== undefined) return config;
  if (DBD_DOWN.some((re) => re.test(text))) return new SlurmdbdDownError(stderrTail, options);
  if (CTLD_DOWN.some((re) => re.test(text))) return new SlurmctldDownError(stderrTail, options);
  if (AUTH.some((re) => re.test(text)))
    return new AuthRefusedError(
      'munge',
      `${stderrTail}: check that munged runs with the cluster's key`,
      options,
    );
  if (response.exitCode === 127 || /command not found|No such file or directory/.test(response.stderr)) {
    return new CommandFailedError(
      {
        program: request.program,
        exitCode: response.exitCode,
        stderrTail: `${stderrTail} (is the Slurm client installed and on PATH there?)`,
      },
      options,
    );
  }
  return new CommandFailedError(
    { program: request.program, exitCode: response.exitCode, stderrTail },
    options,
  );
}

const NOTHING_FOUND = /^Nothing found with query/;

/** Slurm's own error texts from a v0.0.3x response body, if it is JSON with an `errors` list. */
export function slurmErrorsIn(body: string): string[] {
  try {
    const json = JSON.parse(body) as { errors?: { error?: string; description?: string }[] };
    return (json.errors ?? []).map((e) =>
      [e.error, e.description].filter((s) => s !== undefined && s !== '').join(': '),
    );
  } catch {
    return [];
  }
}

/** Classifies a REST answer that is not a success, or a success carrying Slurm errors. */
export function httpFailure(
  request: HttpRequest,
  response: HttpResponse,
  options: SlurmErrorOptions,
): SlurmError | undefined {
  const errors = slurmErrorsIn(response.body);
  const text = errors.join('\n');
  if (response.status === 401 || response.status === 403) {
    return new AuthRefusedError(
      'JWT',
      `slurmrestd answered ${response.status}: check the user name, that the token is current (scontrol token) and that slurmrestd runs with SLURM_JWT=daemon`,
      options,
    );
  }
  if (DBD_DOWN.some((re) => re.test(text))) return new SlurmdbdDownError(tail(text), options);
  if (CTLD_DOWN.some((re) => re.test(text))) return new SlurmctldDownError(tail(text), options);
  // slurmdb reports an empty query result as an "error" beside a 200 and an empty list: that is no failure.
  const realErrors = errors.filter((e) => !NOTHING_FOUND.test(e));
  if (response.status >= 200 && response.status < 300 && realErrors.length === 0) return undefined;
  const fallback = errors.length > 0 ? errors : [tail(response.body, 300)].filter((s) => s !== '');
  return new RestRequestError(
    { status: response.status, path: request.path, slurmErrors: fallback },
    options,
  );
}

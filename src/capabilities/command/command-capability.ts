import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import type { CommandCapability, Json, Plan } from '../../core/index.js';
import { argumentOutsideScope, numberInputs, renderArgument } from '../../core/index.js';
import { AbortReason, CapabilityFailure, type CapabilityRunner, type Invocation } from '../types.js';
import { plannedDescriptor } from '../lazy-runner.js';
import { killGroup, trackGroup, untrackGroup } from './live-groups.js';

/** Output beyond this is cut and the attempt fails: a step's output belongs in an artifact, not the ledger. */
const MAX_STDOUT_BYTES = 16 * 1024 * 1024;
const STDERR_TAIL_BYTES = 4 * 1024;
/** After SIGTERM, how long the process group gets before SIGKILL. */
const KILL_GRACE_MS = 2_000;

/** The line of stderr that best says why a command failed: the last one that names an error. */
function failureLine(stderr: string): string {
  const lines = stderr
    .trim()
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  return [...lines].reverse().find((line) => /error|exception|fatal|panic/i.test(line)) ?? lines.at(-1) ?? '';
}

/**
 * A cut stderr tail from its first whole line: the cut can fall inside a secret, and the part
 * of it left would no longer match the value that redaction looks for.
 */
function fromFirstWholeLine(tail: string): string {
  const newline = tail.indexOf('\n');
  return newline === -1 ? tail : tail.slice(newline + 1);
}

/** stdout as the step's output: JSON when it parses as JSON, otherwise the trimmed text. */
function parseOutput(stdout: string): Json {
  const text = stdout.trim();
  if (text === '') return null;
  try {
    return JSON.parse(text) as Json;
  } catch {
    return text;
  }
}

/**
 * Runs a `command` capability: argv (never a shell string, each argument templated on its
 * own), in its `cwd` (a plan file's directory, see loadPlanFile) or else the directory Baton
 * was started in, with Baton's environment plus BATON_* ids,
 * the attempt's own empty artifact directory (`BATON_ARTIFACTS_DIR`), the file it may
 * write its cost into (`BATON_COST_FILE`), the step's scope as JSON (`BATON_SCOPE`), and the
 * run's correlation id (`BATON_CORRELATION_ID`, with the attempt's W3C `TRACEPARENT`).
 * When the step has a scope, an argument naming a path or URL outside it fails the attempt
 * (type `scope`) before anything is spawned.
 * The step's input arrives as JSON on stdin; stdout is the output. The process gets its own
 * process group so that a timeout or cancellation kills everything it started.
 */
export function commandRunner(
  id: string,
  capability: CommandCapability,
  declaredInputs?: Plan['inputs'],
): CapabilityRunner {
  const descriptor = plannedDescriptor(id, 'command', capability);
  return {
    descriptor,
    invoke: (invocation) => runCommand(capability.command, capability.cwd, invocation, numberInputs(declaredInputs)),
  };
}

function runCommand(
  argvTemplate: readonly string[],
  workingDirectory: string | undefined,
  invocation: Invocation,
  doubleInputs: ReadonlySet<string>,
): Promise<Json> {
  let argv: string[];
  try {
    argv = argvTemplate.map((argument) =>
      renderArgument(argument, { input: invocation.input, inputs: invocation.inputs, doubleInputs }),
    );
  } catch (error) {
    return Promise.reject(
      new CapabilityFailure({
        type: 'expression',
        message: `command argument: ${(error as Error).message}`,
        retryable: false,
      }),
    );
  }
  // spawn refuses a NUL byte with a TypeError, which would be retried as an exception; the same
  // arguments would be rendered again, so it is a failure of this attempt's data, not retried.
  const nul = argv.findIndex((argument) => argument.includes('\u0000'));
  if (nul !== -1) {
    return Promise.reject(
      new CapabilityFailure({
        type: 'spawn',
        message: `cannot run "${argv[0] ?? ''}": command[${nul}] holds a NUL byte, which no program argument can carry`,
        retryable: false,
      }),
    );
  }
  // The scope's relative paths mean the directory the command runs in, so both use one reading of it.
  // A plan file's capabilities carry its directory (loadPlanFile); others run where the engine runs.
  const cwd = resolve(workingDirectory ?? '.');
  const outside = invocation.scope === null ? null : argumentOutsideScope(argv, invocation.scope, cwd);
  if (outside !== null) {
    // Not retryable: the same plan renders the same argument again.
    const detail = { argument: outside.index, value: outside.value, scope: [...(invocation.scope ?? [])] };
    return Promise.reject(new CapabilityFailure({ type: 'scope', message: outside.message, retryable: false, detail }));
  }
  const [program, ...args] = argv as [string, ...string[]];
  let files: { BATON_ARTIFACTS_DIR: string; BATON_COST_FILE: string };
  try {
    files = { BATON_ARTIFACTS_DIR: invocation.files.artifactsDir(), BATON_COST_FILE: invocation.files.costFile() };
  } catch (error) {
    return Promise.reject(
      new CapabilityFailure({
        type: 'artifact_store',
        message: `cannot make the attempt's artifact directory: ${(error as Error).message}`,
        retryable: true,
      }),
    );
  }
  return new Promise<Json>((resolve, reject) => {
    const child = spawn(program, args, {
      cwd,
      env: {
        ...process.env,
        BATON_RUN_ID: invocation.runId,
        BATON_STEP: invocation.step,
        BATON_ATTEMPT_ID: invocation.attemptId,
        BATON_IDEMPOTENCY_KEY: invocation.idempotencyKey,
        // Unset without a scope, so a BATON_SCOPE in Baton's own environment cannot pass for this step's.
        BATON_SCOPE: invocation.scope === null ? undefined : JSON.stringify(invocation.scope),
        // Unset without one, like BATON_SCOPE: Baton's own TRACEPARENT (it may run under a tracer) is not this attempt's.
        BATON_CORRELATION_ID: invocation.correlationId,
        TRACEPARENT: invocation.traceparent,
        ...files,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    if (child.pid !== undefined) trackGroup(child.pid);
    const stdout: Buffer[] = [];
    let stdoutBytes = 0;
    let stderrTail = '';
    let stderrCut = false;
    let overflow = false;
    let graceTimer: NodeJS.Timeout | undefined;

    const onAbort = (): void => {
      killGroup(child.pid, 'SIGTERM');
      graceTimer = setTimeout(() => killGroup(child.pid, 'SIGKILL'), KILL_GRACE_MS);
      graceTimer.unref();
    };
    if (invocation.signal.aborted) onAbort();
    else invocation.signal.addEventListener('abort', onAbort, { once: true });

    child.stdout.on('data', (chunk: Buffer) => {
      stdoutBytes += chunk.length;
      if (stdoutBytes > MAX_STDOUT_BYTES) {
        if (!overflow) killGroup(child.pid, 'SIGKILL');
        overflow = true;
        return;
      }
      stdout.push(chunk);
    });
    // Decoded as a stream: a character split between two chunks stays whole, so a secret with one still matches.
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      const text = stderrTail + chunk;
      stderrCut ||= text.length > STDERR_TAIL_BYTES;
      stderrTail = text.slice(-STDERR_TAIL_BYTES);
    });
    // A command that does not read its stdin closes the pipe early; that is not a failure.
    child.stdin.on('error', () => {});
    child.stdin.end(JSON.stringify(invocation.input));

    child.on('error', (error: NodeJS.ErrnoException) => {
      invocation.signal.removeEventListener('abort', onAbort);
      const notFound = error.code === 'ENOENT';
      reject(
        new CapabilityFailure({
          type: 'spawn',
          message: notFound
            ? `cannot run "${program}": no such program (is it on PATH?)`
            : `cannot run "${program}": ${error.message}`,
          retryable: !notFound && error.code !== 'EACCES',
        }),
      );
    });
    child.on('close', (code, signal) => {
      invocation.signal.removeEventListener('abort', onAbort);
      if (graceTimer) clearTimeout(graceTimer);
      killGroup(child.pid, 'SIGKILL'); // anything the command left running in its group
      if (child.pid !== undefined) untrackGroup(child.pid);
      const stderr = stderrCut ? fromFirstWholeLine(stderrTail) : stderrTail;
      const lastLine = failureLine(stderr);
      const detail = { argv, exitCode: code, signal, stderr };
      if (invocation.signal.aborted) {
        const reason = invocation.signal.reason as AbortReason;
        reject(
          new CapabilityFailure({
            type: reason === AbortReason.timeout ? 'timeout' : 'cancelled',
            message: abortMessage(reason),
            retryable: reason === AbortReason.timeout,
            detail,
          }),
        );
      } else if (overflow) {
        reject(
          new CapabilityFailure({
            type: 'output_too_large',
            message: `stdout exceeded ${MAX_STDOUT_BYTES} bytes`,
            retryable: false,
            detail,
          }),
        );
      } else if (code !== 0) {
        const how = code === null ? `was killed by ${signal}` : `exited with code ${code}`;
        reject(
          new CapabilityFailure({
            type: 'exit_code',
            message: `${program} ${how}${lastLine ? `: ${lastLine}` : ''}`,
            retryable: true,
            detail,
          }),
        );
      } else {
        resolve(parseOutput(Buffer.concat(stdout).toString('utf8')));
      }
    });
  });
}

function abortMessage(reason: AbortReason): string {
  return reason === AbortReason.timeout
    ? 'timed out'
    : reason === AbortReason.shutdown
      ? 'stopped because the engine shut down'
      : 'cancelled';
}

import type { KeyObject } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import type { Command } from 'commander';
import { BatonError, ErrorCode, type BatonEvent, type Json } from '../../core/index.js';
import { osAccount, parseUntil, type Baton, type OperatorOptions } from '../../engine/index.js';
import { keyIdOf, signStatement, summarizeEvidence, type SignedVerdict } from '../../ledger/index.js';
import { parsePrivateKey } from '../checkpoint-key.js';
import { badInput, withBaton, type GlobalOptions } from '../context.js';
import { paint, printJson } from '../format.js';

/**
 * The operator's commands: each records one signal in the run's ledger (checked against the
 * run's state first; a refused command writes nothing) and says what it recorded. The engine
 * conducting the run, in whatever process, takes it in; when none does, `baton resume` does.
 */

interface OperateOptions extends GlobalOptions {
  by?: string;
  comment?: string;
  reason?: string;
  signKey?: string;
}

/** `--sign-key FILE`: the private key, read before the workspace is opened (a bad file changes nothing). */
function readSignKey(file: string | undefined): KeyObject | undefined {
  if (file === undefined) return undefined;
  if (!existsSync(file)) throw badInput(`--sign-key: no file at ${file}`);
  return parsePrivateKey(readFileSync(file, 'utf8'), `--sign-key ${file}`);
}

/**
 * The act's options with its signature: the statement the engine will check, asked of it for
 * this run's state now, signed with the key. Without a key, the options as they are.
 */
async function signed(
  baton: Baton,
  runId: string,
  target: string,
  verdict: SignedVerdict,
  options: OperatorOptions,
  key: KeyObject | undefined,
): Promise<OperatorOptions> {
  if (key === undefined) return options;
  const statement = await baton.actStatement(runId, target, verdict, { ...options, keyId: keyIdOf(key) });
  return { ...options, signature: signStatement(statement, key) };
}

/** Parses JSON given on the command line, saying where it was given when it is not JSON. */
export function parseJsonArgument(option: string, text: string): Json {
  try {
    return JSON.parse(text) as Json;
  } catch (error) {
    throw badInput(
      `${option} expects JSON (for example '{"ok": true}' or '"text"'), got ${JSON.stringify(text)}: ${(error as Error).message}`,
    );
  }
}

/** `--output FILE|JSON`: a file holding JSON when one exists at that path, else inline JSON. */
export function readOutputArgument(value: string): Json {
  if (existsSync(value) && statSync(value).isFile()) {
    const text = readFileSync(value, 'utf8');
    try {
      return JSON.parse(text) as Json;
    } catch (error) {
      throw badInput(`--output: the file ${value} does not hold JSON: ${(error as Error).message}`);
    }
  }
  try {
    return JSON.parse(value) as Json;
  } catch (error) {
    throw badInput(
      `--output expects a path to a JSON file or inline JSON; ${JSON.stringify(value)} is neither (as a file: no such file; as JSON: ${(error as Error).message})`,
    );
  }
}

function parseRevision(value: string): number {
  const revision = Number(value);
  if (!Number.isInteger(revision) || revision < 1)
    throw badInput(`--to expects a revision number (1 is the plan the run was created with), got "${value}"`);
  return revision;
}

/** One line saying what a command recorded. */
export function describeRecorded(event: BatonEvent): string {
  switch (event.type) {
    case 'decision.made': {
      const { id, verdict, by, comment, output, evidence, signature } = event.data;
      const what =
        verdict === 'submitted'
          ? `a result for ${id} (${JSON.stringify(output ?? null).length} bytes of JSON)`
          : `${id} ${verdict}`;
      return `${what} by ${by}${signature ? ` (signed with key ${signature.keyId})` : ''}${comment ? `: "${comment}"` : ''}${evidence ? ` (${summarizeEvidence(evidence)})` : ''}`;
    }
    case 'attempt.succeeded':
      return `the result of ${event.data.attemptId} (${JSON.stringify(event.data.output).length} bytes of JSON) submitted by ${event.data.by ?? 'a person'}`;
    case 'signal.received':
      return `signal "${event.data.name}" from ${event.data.by}${event.data.data !== null ? ` with data ${JSON.stringify(event.data.data)}` : ''}`;
    case 'run.paused':
      return `pause by ${event.data.by}${event.data.reason ? `: "${event.data.reason}"` : ''} (running attempts finish; nothing new starts)`;
    case 'run.unpaused':
      return `the pause lifted by ${event.data.by}`;
    case 'run.abort_requested':
      return `abort by ${event.data.by}: "${event.data.reason}" (running attempts stop; completed steps with \`compensate\` are compensated, newest first)`;
    case 'step.cancel_requested':
      return `cancellation of step "${event.data.step}" by ${event.data.by}${event.data.reason ? `: "${event.data.reason}"` : ''}`;
    case 'step.deferred': {
      const until = [
        event.data.until !== null ? `until ${event.data.until}` : null,
        event.data.signal !== null ? `until signal "${event.data.signal}"` : null,
      ].filter((part) => part !== null);
      return `step "${event.data.step}" deferred ${until.join(' and ')} by ${event.data.by}`;
    }
    case 'plan.revised':
      return `plan revision ${event.data.revision} (${event.data.planHash.slice(0, 12)}) by ${event.data.by}${event.data.revertOf !== null ? `, equal to revision ${event.data.revertOf}` : ''}`;
    case 'artifact.sealed':
      return `artifact "${event.data.artifact}" sealed (sha256 ${event.data.sha256.slice(0, 12)}) by ${event.data.by}`;
    default:
      return event.type;
  }
}

/** Refuses an unknown run naming some that exist, before the library is asked anything. */
async function knownRun(baton: Baton, runId: string): Promise<void> {
  if (await baton.findRun(runId)) return;
  const runs = await baton.listRuns({ limit: 5 });
  const known =
    runs.length === 0
      ? 'this workspace has no runs'
      : `recent runs: ${runs.map((run) => run.runId).join(', ')}; baton status lists them`;
  throw new BatonError(ErrorCode.notFound, `run "${runId}" not found (${known})`);
}

function report(runId: string, event: BatonEvent, options: OperateOptions): void {
  if (options.json) return printJson({ runId, event });
  const s = paint(process.stdout);
  process.stdout.write(`${s('green', 'recorded')} in run ${s('bold', runId)}: ${describeRecorded(event)}\n`);
  // A seal may be recorded on a run that has ended, which nothing continues.
  const otherwise =
    event.type === 'run.abort_requested'
      ? `if none is, baton resume ${runId} carries out the abort`
      : event.type === 'artifact.sealed'
        ? `if none is and the run has not ended, baton resume ${runId} continues it`
        : `if none is, baton resume ${runId} continues the run`;
  process.stdout.write(`  the engine conducting the run takes it in; ${otherwise}\n`);
}

/** Runs one operator command on an existing workspace and reports what it recorded. */
async function operate(
  options: OperateOptions,
  runId: string,
  record: (baton: Baton, by: OperatorOptions) => Promise<BatonEvent>,
): Promise<void> {
  const by: OperatorOptions = {
    ...(options.by !== undefined && { by: options.by }),
    ...(options.comment !== undefined && { comment: options.comment }),
    account: osAccount(),
  };
  if (options.by !== undefined && options.by.trim() === '')
    throw badInput('--by needs a name (for example --by alice)');
  const event = await withBaton({ ...options, existing: true }, async (baton) => {
    await knownRun(baton, runId);
    return record(baton, by);
  });
  report(runId, event, options);
}

function common(command: Command): Command {
  return command
    .option('--by <name>', 'who is acting, recorded in the ledger (default: user@host)')
    .option('--json', 'print the recorded event as JSON');
}

export function registerOperate(program: Command, globals: () => GlobalOptions): void {
  const opts = (command: Command): OperateOptions => ({ ...globals(), ...command.opts<OperateOptions>() });

  for (const verdict of ['approve', 'deny'] as const) {
    common(
      program
        .command(verdict)
        .description(
          verdict === 'approve'
            ? 'approve a pending gate (by phase), confirmation or escalation (by step)'
            : 'deny a pending gate, confirmation or escalation: the run (or the step) ends denied',
        )
        .argument('<run>', 'run id')
        .argument(
          '<target>',
          'a phase (its gate), a step (its confirmation or escalation), or a decision id such as gate:execution',
        )
        .option('--comment <text>', 'why, recorded with the decision')
        .option(
          '--sign-key <file>',
          'sign the act with this Ed25519 private key (PEM), registered for you (baton key)',
        ),
    ).action(async (runId: string, target: string, _local: unknown, command: Command) => {
      const options = opts(command);
      const key = readSignKey(options.signKey);
      await operate(options, runId, async (baton, by) =>
        verdict === 'approve'
          ? baton.approve(runId, target, await signed(baton, runId, target, 'approved', by, key))
          : baton.deny(runId, target, await signed(baton, runId, target, 'denied', by, key)),
      );
    });
  }

  common(
    program
      .command('override')
      .description(
        'let a pending gate through while a requirement does not hold, where its plan allows it (override: { approval_by: [...] } naming you); not approving: its own act, with a reason',
      )
      .argument('<run>', 'run id')
      .argument('<phase>', 'the phase whose gate to override, or its decision id (gate:PHASE)')
      .requiredOption('--reason <text>', 'why the gate may open anyway, recorded with the override')
      .option('--sign-key <file>', 'sign the act with this Ed25519 private key (PEM), registered for you (baton key)'),
  ).action(async (runId: string, phase: string, _local: unknown, command: Command) => {
    const options = opts(command) as OperateOptions & { reason: string };
    const key = readSignKey(options.signKey);
    await operate(options, runId, async (baton, by) =>
      baton.override(
        runId,
        phase,
        options.reason,
        await signed(baton, runId, phase, 'overridden', { ...by, comment: options.reason }, key),
      ),
    );
  });

  common(
    program
      .command('submit')
      .description("a person's result for a human step's task, or an escalated step's output")
      .argument('<run>', 'run id')
      .argument('<step>', 'the step (or for_each item, such as review[2])')
      .requiredOption('--output <file|json>', 'the result: a path to a JSON file, or inline JSON'),
  ).action(async (runId: string, step: string, _local: unknown, command: Command) => {
    const options = opts(command) as OperateOptions & { output: string };
    const output = readOutputArgument(options.output);
    await operate(options, runId, (baton, by) => baton.submitResult(runId, step, output, by));
  });

  common(
    program
      .command('signal')
      .description('send a named signal to a run (steps with `await: {signal: NAME}` wait for it)')
      .argument('<run>', 'run id')
      .argument('<name>', 'the signal')
      .option('--data <json>', 'data carried by the signal (JSON); the awaiting step outputs it'),
  ).action(async (runId: string, name: string, _local: unknown, command: Command) => {
    const options = opts(command) as OperateOptions & { data?: string };
    const data = options.data === undefined ? null : parseJsonArgument('--data', options.data);
    await operate(options, runId, (baton, by) => baton.signal(runId, name, data, by));
  });

  for (const verb of ['pause', 'abort'] as const) {
    common(
      program
        .command(verb)
        .description(
          verb === 'pause'
            ? 'hold a run: running attempts finish, nothing new starts (baton resume lifts it)'
            : 'stop a run: cancel running attempts, compensate completed steps newest first, end it aborted',
        )
        .argument('<run>', 'run id')
        .option('--reason <text>', 'why, recorded in the ledger'),
    ).action(async (runId: string, _local: unknown, command: Command) => {
      const options = opts(command);
      await operate(options, runId, (baton, by) => {
        const withReason = { ...by, ...(options.reason !== undefined && { reason: options.reason }) };
        return verb === 'pause' ? baton.pause(runId, withReason) : baton.abort(runId, withReason);
      });
    });
  }

  common(
    program
      .command('cancel')
      .description('cancel one step of a run (its running attempts stop; the step ends cancelled)')
      .argument('<run>', 'run id')
      .argument('<step>', 'step id')
      .option('--reason <text>', 'why, recorded in the ledger'),
  ).action(async (runId: string, step: string, _local: unknown, command: Command) => {
    const options = opts(command);
    await operate(options, runId, (baton, by) =>
      baton.cancel(runId, step, { ...by, ...(options.reason !== undefined && { reason: options.reason }) }),
    );
  });

  common(
    program
      .command('defer')
      .description('hold a step that has not started until a time or a signal')
      .argument('<run>', 'run id')
      .argument('<step>', 'step id')
      .option('--until <time>', 'an ISO 8601 time, or a duration from now (90s, 10m, 2h)')
      .option('--signal <name>', 'a signal (baton signal RUN NAME)'),
  ).action(async (runId: string, step: string, _local: unknown, command: Command) => {
    const options = opts(command) as OperateOptions & { until?: string; signal?: string };
    if (options.until === undefined && options.signal === undefined)
      throw badInput('defer needs --until TIME or --signal NAME');
    const until = {
      ...(options.until !== undefined && { at: parseUntil(options.until, Date.now()) }),
      ...(options.signal !== undefined && { signal: options.signal }),
    };
    await operate(options, runId, (baton, by) => baton.defer(runId, step, until, by));
  });

  common(
    program
      .command('revise')
      .description('give a running run a new plan revision; steps that did not change keep their results')
      .argument('<run>', 'run id')
      .argument('<file>', 'the revised plan (YAML or JSON)'),
  ).action(async (runId: string, file: string, _local: unknown, command: Command) => {
    const options = opts(command);
    await operate(options, runId, (baton, by) => baton.revise(runId, file, by));
  });

  common(
    program
      .command('revert')
      .description('go back to an earlier plan revision (recorded as a new revision; nothing is deleted)')
      .argument('<run>', 'run id')
      .requiredOption('--to <revision>', 'the revision to go back to (1 is the plan the run was created with)'),
  ).action(async (runId: string, _local: unknown, command: Command) => {
    const options = opts(command) as OperateOptions & { to: string };
    const revision = parseRevision(options.to);
    await operate(options, runId, (baton, by) => baton.revert(runId, revision, by));
  });

  common(
    program
      .command('seal')
      .description('seal an artifact of a run: its hash is recorded and any later change fails verification')
      .argument('<run>', 'run id')
      .argument('<artifact>', 'the artifact (step/file)'),
  ).action(async (runId: string, artifact: string, _local: unknown, command: Command) => {
    const options = opts(command);
    await operate(options, runId, (baton, by) => baton.seal(runId, artifact, by));
  });
}

import { trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBaton } from '../../src/index.js';
import type { Plan } from '../../src/core/index.js';
import { tempDir } from '../support/temp.js';

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });

// The application's side: an OpenTelemetry SDK registered globally. Baton only uses the API.
beforeAll(() => {
  trace.setGlobalTracerProvider(provider);
});
afterAll(async () => {
  trace.disable();
  await provider.shutdown();
});

const CORRELATION = '0af7651916cd43dd8448eb211c80319c';

describe('OpenTelemetry spans', () => {
  it('records a baton.run span whose trace is the correlation id, with a baton.attempt child per attempt', async () => {
    const baton = await createBaton({ home: tempDir() });
    let calls = 0;
    baton.register({
      id: 'flaky',
      skills: { work: 1 },
      run: () => {
        calls += 1;
        if (calls === 1) throw new Error('first call fails');
        return 'done';
      },
    });
    const plan = {
      baton: 1,
      name: 'traced',
      capabilities: {
        sh: {
          kind: 'command',
          command: [process.execPath, '-e', 'process.stdout.write(JSON.stringify(process.env.TRACEPARENT))'],
          skills: { look: 1 },
        },
      },
      steps: {
        work: { skill: 'work', retry: { max: 2, backoff: '1ms' } },
        look: { skill: 'look', after: ['work'] },
      },
    } as Plan;
    const handle = await baton.submit(plan, { correlationId: CORRELATION });
    const result = await handle.result();
    await baton.close();
    expect(result.status).toBe('succeeded');

    const spans = exporter.getFinishedSpans().filter((span) => span.spanContext().traceId === CORRELATION);
    const runs = spans.filter((span) => span.name === 'baton.run');
    expect(runs).toHaveLength(1);
    const run = runs[0]!;
    expect(run.attributes).toMatchObject({ 'baton.run_id': handle.runId, 'baton.run_status': 'succeeded' });
    // The run's parent is the remote context made from the correlation id.
    expect(run.parentSpanContext).toMatchObject({ traceId: CORRELATION, isRemote: true });

    const attempts = spans.filter((span) => span.name === 'baton.attempt');
    expect(
      attempts.map((span) => [span.attributes['baton.attempt_id'], span.attributes['baton.outcome']]).sort(),
    ).toEqual([
      ['look/a1', 'succeeded'],
      ['work/a1', 'failed'],
      ['work/a2', 'succeeded'],
    ]);
    for (const attempt of attempts) {
      expect(attempt.parentSpanContext?.spanId).toBe(run.spanContext().spanId);
      expect(attempt.attributes).toMatchObject({ 'baton.run_id': handle.runId });
    }
    const failed = attempts.find((span) => span.attributes['baton.attempt_id'] === 'work/a1');
    expect(failed?.attributes).toMatchObject({ 'baton.step': 'work', 'baton.capability': 'flaky' });
    expect(failed?.status.code).toBe(2); // SpanStatusCode.ERROR

    // The command was called with its own attempt span as the W3C parent.
    const look = attempts.find((span) => span.attributes['baton.attempt_id'] === 'look/a1');
    expect(result.outputs.look).toBe(`00-${CORRELATION}-${look?.spanContext().spanId}-01`);
  });
});

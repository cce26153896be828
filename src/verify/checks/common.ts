/** Building blocks shared by the checks: outcomes from broker answers, marker records, a consumer-group probe. */
import type { Kafka } from 'kafkajs';
import { kafkaErrorType } from '../../kafka/client';
import type { VerifyContext } from '../context';
import { VERIFY_MARK } from '../context';
import { withDeadline } from '../../kafka/deadline';
import { type Answer, isKafkaErrorType, showAnswer } from '../raw';
import type { CheckOutcome } from '../types';

export interface Labelled {
  /** What was attempted, e.g. `produce to globex.payments`. */
  readonly label: string;
  readonly answer: Answer;
}

/** Pass when every attempt was refused with one of the `expected` error types. */
export function allDenied(expected: readonly string[], attempts: readonly Labelled[]): CheckOutcome {
  const bad = attempts.filter((a) => a.answer.ok || !expected.includes(a.answer.error));
  const want = expected.join(' or ');
  const observed =
    bad.length === 0
      ? [...new Set(attempts.map((a) => showAnswer(a.answer)))].join(', ')
      : bad.map((a) => `${a.label}: ${showAnswer(a.answer)}`).join('; ');
  return {
    status: bad.length === 0 ? 'pass' : 'fail',
    expected: want,
    observed,
    details: attempts.map((a) => `${a.label}: ${showAnswer(a.answer)}`),
  };
}

/** Pass when the attempt succeeded. */
export function succeeded(expected: string, attempt: Labelled): CheckOutcome {
  return {
    status: attempt.answer.ok ? 'pass' : 'fail',
    expected,
    observed: showAnswer(attempt.answer),
    details: [`${attempt.label}: ${showAnswer(attempt.answer)}`],
  };
}

/** A small record marked as the suite's own (key, header, JSON value naming the run and the check). */
export function marker(ctx: VerifyContext, checkId: string) {
  return {
    key: VERIFY_MARK,
    value: JSON.stringify({ mark: VERIFY_MARK, runId: ctx.runId, check: checkId }),
    headers: ctx.markHeaders(),
  };
}

/**
 * Join a fresh consumer group and complete one fetch: proves READ on the group and on the topic. Nothing is
 * committed (autoCommit off), so the group disappears when the consumer leaves. No fetch within `timeoutMs` —
 * connecting and joining included — is no answer: it throws `DeadlineExceeded` and the check reports `error`.
 */
export async function joinAndFetch(kafka: Kafka, groupId: string, topic: string, timeoutMs = 20_000): Promise<Answer> {
  const consumer = kafka.consumer({
    groupId,
    allowAutoTopicCreation: false,
    maxWaitTimeInMs: 100,
    sessionTimeout: 6000,
    rebalanceTimeout: 6000,
    heartbeatInterval: 1000,
    retry: { retries: 0, restartOnFailure: async () => false },
  });
  const outcome = new Promise<Answer>((resolve, reject) => {
    consumer.on(consumer.events.FETCH, () => resolve({ ok: true, detail: `joined ${groupId} and fetched ${topic}` }));
    consumer.on(consumer.events.CRASH, (e) => {
      const type = kafkaErrorType(e.payload.error);
      if (isKafkaErrorType(type)) resolve({ ok: false, error: type });
      else reject(e.payload.error);
    });
  });
  outcome.catch(() => undefined);
  const joined = async (): Promise<Answer> => {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: false });
    await consumer.run({ autoCommit: false, eachMessage: async () => undefined });
    return outcome;
  };
  try {
    return await withDeadline(joined(), timeoutMs, `join ${groupId} and fetch ${topic}`);
  } catch (e) {
    const type = kafkaErrorType(e);
    if (!isKafkaErrorType(type)) throw e;
    return { ok: false, error: type };
  } finally {
    // Leaving the group is a request too: bounded like the rest.
    await withDeadline(consumer.disconnect(), 5000, `leave ${groupId}`).catch(() => undefined);
  }
}

/**
 * Hard deadlines for anything that waits on a broker. kafkajs bounds each request (connection, authentication and
 * request timeouts, retries), but a sequence of them — connect, retry, reconnect, leave a group — adds up to
 * minutes against a broker that accepts connections and never answers (a frozen process). A deadline here is a
 * `Promise.race`: the caller moves on at the deadline whatever the client is still doing in the background.
 */

/** The work did not settle before its deadline: no answer, never a decision. */
export class DeadlineExceeded extends Error {
  constructor(
    readonly what: string,
    readonly ms: number,
  ) {
    super(`${what}: no answer within ${ms / 1000} s`);
    this.name = 'DeadlineExceeded';
  }
}

/** `work`, or a `DeadlineExceeded` rejection after `ms`. The timer never outlives the race. */
export async function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new DeadlineExceeded(what, ms)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

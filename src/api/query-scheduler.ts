import { EventEmitter } from 'node:events';
import type { Kysely } from 'kysely';
import { recordQueryChange } from '../audit/query-entry.ts';
import type { QueryOutcome } from '../collaboration/run-query.ts';
import { markCancelled, markFailed } from '../collaboration/query-records.ts';
import type { Database } from '../metadata/schema.ts';
import { HttpProblem, tooMany } from './http-problem.ts';

export interface SchedulerLimits {
  /** Queries one member may have queued or running at once (the cloud service's default is 5). */
  readonly perMember: number;
  /** Queries the engine runs at once; the rest wait in one first-come queue. */
  readonly running: number;
  /** Queries that may wait; beyond this a submission is refused with 429. */
  readonly queued: number;
  /** Longest a query may run once it has a slot (queue time not counted). */
  readonly timeoutMs: number;
}

export const DEFAULT_LIMITS: SchedulerLimits = { perMember: 5, running: 2, queued: 100, timeoutMs: 30 * 60_000 };

/** What the scheduler hands to `runSource` for one query. */
export interface ScheduledRun {
  readonly signal: AbortSignal;
  readonly onSubmitted: (id: string) => void;
  readonly schedule: (id: string, run: () => Promise<QueryOutcome>) => Promise<QueryOutcome>;
}

interface Job {
  readonly member: string;
  readonly controller: AbortController;
  cancelReason?: 'cancelled' | 'timeout' | 'shutdown';
  outcome?: QueryOutcome;
}

/** Reported once per finished query, for metrics. */
export interface FinishedQuery {
  readonly id: string;
  readonly member: string;
  readonly outcome: QueryOutcome;
  readonly durationMs: number;
}

/**
 * The server's queries: per-member and global limits, a first-come queue for engine
 * slots, timeouts, cancellation, waiting for an outcome (long-poll) and a drain for a
 * graceful shutdown. Queries run in this process; the database keeps their record, so a
 * query whose process dies is marked failed at the next start (orphans.ts).
 */
export class QueryScheduler {
  private readonly jobs = new Map<string, Job>();
  private readonly perMember = new Map<string, number>();
  private readonly waiting: Array<() => void> = [];
  private readonly finished = new EventEmitter();
  private runningCount = 0;
  private queuedCount = 0;
  private closing = false;
  private readonly pending = new Set<Promise<unknown>>();

  constructor(
    private readonly db: Kysely<Database>,
    readonly limits: SchedulerLimits = DEFAULT_LIMITS,
    private readonly onFinished: (query: FinishedQuery) => void = () => {},
    private readonly onInternalError: (queryId: string, error: unknown) => void = () => {},
  ) {
    this.finished.setMaxListeners(0);
  }

  /** Queries queued or running now (the `active queries` gauge). */
  get active(): number {
    return this.jobs.size;
  }

  get runningNow(): number {
    return this.runningCount;
  }

  /**
   * Starts one query through `start` (which calls runSource with the given options) and
   * resolves with its id once it is recorded, or with its outcome if it ends before
   * (a refusal found before recording is thrown as the CleanroomError it is).
   */
  async submit(member: string, start: (run: ScheduledRun) => Promise<QueryOutcome>): Promise<{ id: string } | { outcome: QueryOutcome }> {
    if (this.closing) {
      throw new HttpProblem(503, { code: 'shutting-down', message: 'the server is shutting down and takes no new queries' });
    }
    const mine = this.perMember.get(member) ?? 0;
    if (mine >= this.limits.perMember) {
      throw tooMany(
        'query-limit',
        `member '${member}' already has ${mine} queries queued or running (the limit is ${this.limits.perMember})`,
        5,
        'wait for one to finish, or cancel one',
      );
    }
    if (this.jobs.size >= this.limits.running + this.limits.queued) {
      throw tooMany('queue-full', 'the server has too many queries waiting', 10, 'try again shortly');
    }
    this.perMember.set(member, mine + 1);
    const controller = new AbortController();
    let job: Job | undefined;
    let announce: (id: string) => void = () => {};
    const submitted = new Promise<string>((resolve) => (announce = resolve));
    const started = Date.now();
    let queryId: string | undefined;
    const run: ScheduledRun = {
      signal: controller.signal,
      onSubmitted: (id) => {
        queryId = id;
        job = { member, controller };
        this.jobs.set(id, job);
        announce(id);
      },
      schedule: (id, work) => this.runInSlot(id, controller, work),
    };
    const finished = start(run)
      .catch(async (e: unknown) => {
        if (queryId === undefined) throw e;
        // A bug after the query was recorded: record it as failed, never leave it running.
        // Its text may quote data: it goes to the operator's log, not into the database
        // (where internal errors are stored encrypted by the execution path).
        this.onInternalError(queryId, e);
        await markFailed(this.db, queryId, 'failed inside the server: see the server log for this query id', Date.now() - started).catch(() => {});
        const outcome: QueryOutcome = {
          id: queryId,
          status: 'failed',
          error: { code: 'internal-error', message: 'the query failed inside the server; the operator can see the details' },
        };
        return outcome;
      })
      .finally(() => {
        this.perMember.set(member, (this.perMember.get(member) ?? 1) - 1);
        if (this.perMember.get(member) === 0) this.perMember.delete(member);
      });
    const settled = finished.then(
      async (outcome) => {
        if (queryId !== undefined && job !== undefined) {
          job.outcome = await this.annotate(queryId, job, outcome);
          this.jobs.delete(queryId);
          this.onFinished({ id: queryId, member, outcome: job.outcome, durationMs: Date.now() - started });
          this.finished.emit(queryId, job.outcome);
        }
        return outcome;
      },
      () => undefined,
    );
    this.track(settled);
    const first = await Promise.race([submitted.then((id) => ({ id })), finished.then((outcome) => ({ outcome }))]);
    return first;
  }

  /** Asks a queued or running query to stop; false when this server is not running it. */
  cancel(id: string, reason: 'cancelled' | 'timeout' | 'shutdown' = 'cancelled'): boolean {
    const job = this.jobs.get(id);
    if (!job) return false;
    job.cancelReason ??= reason;
    job.controller.abort();
    return true;
  }

  /** Waits up to `ms` for a query of this server to finish; undefined when still going (or not ours). */
  async waitFor(id: string, ms: number): Promise<QueryOutcome | undefined> {
    if (!this.jobs.has(id) || ms <= 0) return undefined;
    return new Promise((resolve) => {
      const done = (outcome: QueryOutcome): void => {
        clearTimeout(timer);
        resolve(outcome);
      };
      const timer = setTimeout(() => {
        this.finished.off(id, done);
        resolve(undefined);
      }, ms);
      this.finished.once(id, done);
    });
  }

  /**
   * Graceful shutdown: no new queries; running and queued ones get `graceMs` to finish,
   * then are cancelled (recorded as cancelled with the reason) and awaited.
   */
  async drain(graceMs: number): Promise<void> {
    this.closing = true;
    const all = Promise.all([...this.pending]);
    const timer = new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), graceMs).unref());
    if ((await Promise.race([all.then(() => 'done' as const), timer])) === 'late') {
      for (const id of [...this.jobs.keys()]) this.cancel(id, 'shutdown');
      await all;
    }
  }

  private track(promise: Promise<unknown>): void {
    this.pending.add(promise);
    void promise.finally(() => this.pending.delete(promise));
  }

  private async runInSlot(id: string, controller: AbortController, work: () => Promise<QueryOutcome>): Promise<QueryOutcome> {
    const queuedAt = Date.now();
    this.queuedCount += 1;
    try {
      await this.acquire(controller.signal);
    } catch {
      await markCancelled(this.db, id, Date.now() - queuedAt);
      return { id, status: 'cancelled', error: { code: 'cancelled', message: 'the query was cancelled while it waited' } };
    } finally {
      this.queuedCount -= 1;
    }
    const timer = setTimeout(() => this.cancel(id, 'timeout'), this.limits.timeoutMs);
    try {
      return await work();
    } finally {
      clearTimeout(timer);
      this.release();
    }
  }

  private acquire(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.reject(new Error('aborted'));
    if (this.runningCount < this.limits.running) {
      this.runningCount += 1;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const grant = (): void => {
        signal.removeEventListener('abort', onAbort);
        this.runningCount += 1;
        resolve();
      };
      const onAbort = (): void => {
        const at = this.waiting.indexOf(grant);
        if (at >= 0) this.waiting.splice(at, 1);
        reject(new Error('aborted'));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(grant);
    });
  }

  private release(): void {
    this.runningCount -= 1;
    this.waiting.shift()?.();
  }

  /** A timeout or a shutdown is a failure with its own reason, not a member's cancel. */
  private async annotate(id: string, job: Job, outcome: QueryOutcome): Promise<QueryOutcome> {
    if (outcome.status !== 'cancelled' || job.cancelReason === undefined || job.cancelReason === 'cancelled') return outcome;
    const error =
      job.cancelReason === 'timeout'
        ? { code: 'query-timeout', message: `the query ran longer than the server's limit of ${Math.round(this.limits.timeoutMs / 1000)} s` }
        : { code: 'server-shutdown', message: 'the server shut down before the query finished' };
    await recordQueryChange(this.db, id, (trx) =>
      trx.updateTable('queries').set({ status: 'failed', error_json: JSON.stringify(error) }).where('id', '=', id).execute(),
    );
    return { id, status: 'failed', error };
  }
}

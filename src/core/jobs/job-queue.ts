import { randomUUID } from 'node:crypto'
import type { Generated, Kysely, Transaction } from 'kysely'
import type { Clock } from '../clock.js'
import type { Engine } from '../database/engine.js'

export interface JobTable {
  id: Generated<number>
  queue: string
  /** JSON. */
  payload: string
  run_at: string
  lease_until: string | null
  lease_token: string | null
  attempts: Generated<number>
  created_at: string
}

export type JobTables = { jobs: JobTable }

/** A job its claimer holds until `leaseUntil`. */
export interface Job<P> {
  id: number
  payload: P
  /** Claims so far, this one included: a job whose holder crashed counts that try too. */
  attempts: number
  createdAt: string
  leaseToken: string
}

/**
 * A durable queue of work in the service's own database: a job is written in the transaction
 * of the change it follows (a crash keeps both or neither), and each claim leases it to one
 * worker on one node (`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite has one writer, whose
 * UPDATE is the claim). A lease that runs out frees the job again: delivery is at least once.
 *
 * ```ts
 * await jobs.enqueue(trx, 'webhook', [{ delivery: 7 }])
 * for (const job of await jobs.claim<{ delivery: number }>('webhook', 10, 30_000)) await jobs.finish(job)
 * ```
 */
export class JobQueue {
  readonly #db: Kysely<JobTables>
  readonly #untyped: Kysely<object>
  readonly #engine: Engine
  readonly #clock: Clock

  constructor(db: Kysely<object>, engine: Engine, clock: Clock) {
    this.#db = db.withTables<JobTables>()
    this.#untyped = db
    this.#engine = engine
    this.#clock = clock
  }

  /** Adds jobs to `queue`, due at `runAt` (now by default), in `db`: the caller's transaction. */
  async enqueue(db: Kysely<object>, queue: string, payloads: readonly unknown[], runAt = this.#clock.now()): Promise<void> {
    if (payloads.length === 0) return
    const now = new Date(this.#clock.now()).toISOString()
    const due = new Date(runAt).toISOString()
    await db
      .withTables<JobTables>()
      .insertInto('jobs')
      .values(payloads.map((payload) => ({ queue, payload: JSON.stringify(payload), run_at: due, created_at: now })))
      .execute()
  }

  /** Leases up to `limit` due jobs of `queue` for `leaseMs`, oldest first; nobody else gets them meanwhile. */
  async claim<P>(queue: string, limit: number, leaseMs: number): Promise<Job<P>[]> {
    const nowMs = this.#clock.now()
    const now = new Date(nowMs).toISOString()
    const leaseToken = randomUUID()
    const rows = await this.#db
      .updateTable('jobs')
      .set((eb) => ({ lease_until: new Date(nowMs + leaseMs).toISOString(), lease_token: leaseToken, attempts: eb('attempts', '+', 1) }))
      .where('id', 'in', (eb) =>
        eb
          .selectFrom('jobs')
          .select('id')
          .where('queue', '=', queue)
          .where('run_at', '<=', now)
          .where((free) => free.or([free('lease_until', 'is', null), free('lease_until', '<=', now)]))
          .orderBy('run_at')
          .orderBy('id')
          .limit(limit)
          .$if(this.#engine === 'postgres', (locking) => locking.forUpdate().skipLocked()),
      )
      .returning(['id', 'payload', 'attempts', 'created_at'])
      .execute()
    return rows
      .sort((a, b) => a.id - b.id)
      .map((row) => ({ id: row.id, payload: JSON.parse(row.payload) as P, attempts: row.attempts, createdAt: row.created_at, leaseToken }))
  }

  /**
   * Removes a finished job, in `db` (a transaction that writes its outcome, or the queue's
   * own). False when its lease ran out and another claim holds it now: that one will do it.
   */
  async finish(job: Job<unknown>, db: Kysely<object> | Transaction<object> = this.#untyped): Promise<boolean> {
    const { numDeletedRows } = await db
      .withTables<JobTables>()
      .deleteFrom('jobs')
      .where('id', '=', job.id)
      .where('lease_token', '=', job.leaseToken)
      .executeTakeFirst()
    return numDeletedRows > 0n
  }

  /** Removes finished jobs in one statement, in `db`; answers the ids removed (a job whose lease was lost is not). */
  async finishAll(jobs: readonly Job<unknown>[], db: Kysely<object> | Transaction<object> = this.#untyped): Promise<Set<number>> {
    if (jobs.length === 0) return new Set()
    const rows = await db
      .withTables<JobTables>()
      .deleteFrom('jobs')
      .where('id', 'in', jobs.map((job) => job.id))
      .where('lease_token', 'in', [...new Set(jobs.map((job) => job.leaseToken))])
      .returning('id')
      .execute()
    return new Set(rows.map((row) => row.id))
  }

  /** Hands a job back to run again at `runAt`: a retry after its backoff. */
  async retry(job: Job<unknown>, runAt: number): Promise<void> {
    await this.#db
      .updateTable('jobs')
      .set({ run_at: new Date(runAt).toISOString(), lease_until: null, lease_token: null })
      .where('id', '=', job.id)
      .where('lease_token', '=', job.leaseToken)
      .execute()
  }

  /** Jobs waiting in `queue`, leased or not (metrics, tests). */
  async size(queue: string): Promise<number> {
    const { count } = await this.#db
      .selectFrom('jobs')
      .select((eb) => eb.fn.countAll<number | string>().as('count'))
      .where('queue', '=', queue)
      .executeTakeFirstOrThrow()
    return Number(count)
  }
}

export interface JobWorkerOptions {
  /** Jobs claimed at once. */
  batch: number
  /** How long a claim holds its jobs: longer than handling a batch can take. */
  leaseMs: number
  /** How often an idle worker looks for due jobs when nobody wakes it. */
  pollMs: number
  /**
   * How long a woken worker lets more work gather before it claims (0: at once): under load,
   * one claim and one batch for many commits instead of one each.
   */
  gatherMs?: number
  onError(error: unknown): void
}

/** A loop that claims a queue's due jobs and hands them to `handle`, until stopped. */
export class JobWorker<P> {
  readonly #jobs: JobQueue
  readonly #queue: string
  readonly #handle: (jobs: Job<P>[]) => Promise<void>
  readonly #options: JobWorkerOptions
  #stopped = false
  #timer: NodeJS.Timeout | undefined
  #running: Promise<void> | undefined
  #again = false
  /** A wake is waiting out gatherMs: later wakes join it. */
  #gathering = false

  constructor(jobs: JobQueue, queue: string, handle: (jobs: Job<P>[]) => Promise<void>, options: JobWorkerOptions) {
    this.#jobs = jobs
    this.#queue = queue
    this.#handle = handle
    this.#options = options
  }

  start(): this {
    this.wake()
    return this
  }

  /** Looks for due jobs now (new work was just committed), instead of at the next poll. */
  wake(): void {
    if (this.#stopped) return
    if (this.#running) {
      this.#again = true
      return
    }
    if (this.#gathering) return
    clearTimeout(this.#timer)
    const gatherMs = this.#options.gatherMs ?? 0
    if (gatherMs === 0) return this.#run()
    this.#gathering = true
    this.#timer = setTimeout(() => {
      this.#gathering = false
      this.#run()
    }, gatherMs)
  }

  #run(): void {
    this.#running = this.#drain().finally(() => {
      this.#running = undefined
      if (this.#stopped) return
      if (this.#again) {
        this.#again = false
        this.wake()
      } else {
        this.#timer = setTimeout(() => this.wake(), this.#options.pollMs)
        this.#timer.unref()
      }
    })
  }

  /** Finishes the batch in hand, then claims no more. */
  async stop(): Promise<void> {
    this.#stopped = true
    clearTimeout(this.#timer)
    await this.#running
  }

  async #drain(): Promise<void> {
    try {
      while (!this.#stopped) {
        const jobs = await this.#jobs.claim<P>(this.#queue, this.#options.batch, this.#options.leaseMs)
        if (jobs.length === 0) return
        await this.#handle(jobs)
      }
    } catch (error) {
      this.#options.onError(error)
    }
  }
}

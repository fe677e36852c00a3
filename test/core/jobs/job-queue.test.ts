import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDatabase, type OpenDatabase } from '../../../src/core/database/database.js'
import { jobMigrations } from '../../../src/core/jobs/job-migrations.js'
import { JobQueue, JobWorker, type Job } from '../../../src/core/jobs/job-queue.js'
import { forEachEngine } from '../../helpers/engines.js'
import { ManualClock } from '../../helpers/manual-clock.js'
import { postgresSchema } from '../../helpers/postgres.js'

const LEASE_MS = 30_000

forEachEngine((engine) => {
  let opened: OpenDatabase
  let cleanUp: () => Promise<void>
  const clock = new ManualClock()
  let jobs: JobQueue

  beforeAll(async () => {
    if (engine === 'postgres') {
      const schema = await postgresSchema()
      opened = await openDatabase(schema.url, [jobMigrations])
      cleanUp = () => schema.drop()
    } else {
      const dir = mkdtempSync(join(tmpdir(), 'vfx-chat-jobs-'))
      opened = await openDatabase(`sqlite:${join(dir, 'jobs.db')}`, [jobMigrations])
      cleanUp = async () => rmSync(dir, { recursive: true, force: true })
    }
    jobs = new JobQueue(opened.db, opened.engine, clock)
  })
  afterAll(async () => {
    await opened.db.destroy()
    await cleanUp()
  })

  describe('JobQueue', () => {
    it('keeps a job only when the transaction that enqueued it commits', async () => {
      await opened.db.transaction().execute((trx) => jobs.enqueue(trx, 'commits', [{ n: 1 }]))
      await opened.db
        .transaction()
        .execute(async (trx) => {
          await jobs.enqueue(trx, 'commits', [{ n: 2 }])
          throw new Error('rolled back')
        })
        .catch(() => {})
      const claimed = await jobs.claim<{ n: number }>('commits', 10, LEASE_MS)
      expect(claimed.map((job) => job.payload)).toEqual([{ n: 1 }])
    })

    it('leases a job to one claimer until the lease runs out, then to the next (at least once)', async () => {
      await jobs.enqueue(opened.db, 'lease', [{ n: 1 }])
      const [first] = await jobs.claim<{ n: number }>('lease', 10, LEASE_MS)
      expect(first).toMatchObject({ payload: { n: 1 }, attempts: 1 })
      expect(await jobs.claim('lease', 10, LEASE_MS)).toEqual([])
      clock.advance(LEASE_MS)
      const [second] = await jobs.claim<{ n: number }>('lease', 10, LEASE_MS)
      expect(second).toMatchObject({ id: first!.id, attempts: 2 })
      // The first holder's lease is gone: its finish changes nothing, the second's removes the job.
      expect(await jobs.finish(first!)).toBe(false)
      expect(await jobs.finish(second!)).toBe(true)
      expect(await jobs.size('lease')).toBe(0)
    })

    it('finishes a batch in one statement, leaving the job whose lease another claim took over', async () => {
      await jobs.enqueue(opened.db, 'batch', [{ n: 1 }, { n: 2 }])
      const batch = await jobs.claim<{ n: number }>('batch', 10, LEASE_MS)
      clock.advance(LEASE_MS)
      const [takenOver] = await jobs.claim<{ n: number }>('batch', 1, LEASE_MS)
      expect(takenOver!.id).toBe(batch[0]!.id)
      expect(await jobs.finishAll(batch)).toEqual(new Set([batch[1]!.id]))
      expect(await jobs.finishAll([takenOver!])).toEqual(new Set([takenOver!.id]))
      expect(await jobs.size('batch')).toBe(0)
    })

    it('holds a job until it is due, and a retried one until its new time', async () => {
      await jobs.enqueue(opened.db, 'later', [{ n: 1 }], clock.now() + 60_000)
      expect(await jobs.claim('later', 10, LEASE_MS)).toEqual([])
      clock.advance(60_000)
      const [job] = await jobs.claim('later', 10, LEASE_MS)
      await jobs.retry(job!, clock.now() + 5_000)
      expect(await jobs.claim('later', 10, LEASE_MS)).toEqual([])
      clock.advance(5_000)
      expect(await jobs.claim('later', 10, LEASE_MS)).toMatchObject([{ id: job!.id, attempts: 2 }])
    })

    it('gives each of many jobs to exactly one of several concurrent claimers', async () => {
      const payloads = Array.from({ length: 60 }, (_, n) => ({ n }))
      await jobs.enqueue(opened.db, 'race', payloads)
      const claimers = Array.from({ length: 4 }, async () => {
        const mine: number[] = []
        for (;;) {
          const batch = await jobs.claim<{ n: number }>('race', 5, LEASE_MS)
          if (batch.length === 0) return mine
          mine.push(...batch.map((job) => job.payload.n))
        }
      })
      const taken = (await Promise.all(claimers)).flat()
      expect(taken.sort((a, b) => a - b)).toEqual(payloads.map((p) => p.n))
    })

    it('a JobWorker hands due jobs to its handler in order, and claims no more once stopped', async () => {
      const seen: number[] = []
      const worker = new JobWorker<{ n: number }>(
        jobs,
        'worker',
        async (batch: Job<{ n: number }>[]) => {
          for (const job of batch) {
            seen.push(job.payload.n)
            await jobs.finish(job)
          }
        },
        { batch: 2, leaseMs: LEASE_MS, pollMs: 10, onError: (error) => expect.fail(String(error)) },
      ).start()
      await jobs.enqueue(opened.db, 'worker', [{ n: 1 }, { n: 2 }, { n: 3 }])
      worker.wake()
      await expect.poll(() => seen, { timeout: 5_000 }).toEqual([1, 2, 3])
      await worker.stop()
      await jobs.enqueue(opened.db, 'worker', [{ n: 4 }])
      worker.wake()
      await new Promise((resolve) => setTimeout(resolve, 50))
      expect(seen).toEqual([1, 2, 3])
      expect(await jobs.size('worker')).toBe(1)
    })
  })
})

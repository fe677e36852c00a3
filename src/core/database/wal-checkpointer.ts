import { once } from 'node:events'
import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'

const INTERVAL_MS = 200
/**
 * The connection's own automatic checkpoint, kept as a backstop should the worker fall
 * behind: 10,000 pages (40 MB of WAL) instead of SQLite's 1,000.
 */
export const BACKSTOP_PAGES = 10_000

// Plain CommonJS run by the worker: it opens its own connection to the same file.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads')
const Database = require(workerData.driver)
const db = new Database(workerData.path)
db.pragma('busy_timeout = 5000')
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)')
  } catch {
    // Busy or closing: the next round, or the connection's backstop, checkpoints instead.
  }
}, workerData.intervalMs)
parentPort.once('message', () => {
  clearInterval(timer)
  db.close()
  parentPort.close()
})
`

/**
 * Copies the WAL into the database file from a worker thread. SQLite otherwise does it
 * inside the commit that takes the WAL past 1,000 pages, fsync included, and the one event
 * loop serves nobody until it is done (about every 60 sends: see BENCHMARKS.md). A PASSIVE
 * checkpoint never blocks the writer.
 */
export class WalCheckpointer {
  readonly #worker: Worker
  readonly #exited: Promise<unknown>

  constructor(path: string) {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3')
    this.#worker = new Worker(WORKER, { eval: true, workerData: { path, driver, intervalMs: INTERVAL_MS } })
    this.#exited = once(this.#worker, 'exit')
    // A worker that fails leaves the checkpoints to the connection's backstop; nothing else breaks.
    this.#worker.on('error', () => {})
    this.#worker.unref()
  }

  /** Stops the worker after its current checkpoint, with its connection closed. */
  async stop(): Promise<void> {
    // Unreferenced, the worker would not keep the process alive long enough to close cleanly.
    this.#worker.ref()
    this.#worker.postMessage('stop')
    await this.#exited
  }
}

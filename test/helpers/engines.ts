import { describe } from 'vitest'
import type { Engine } from '../../src/core/database/engine.js'

/**
 * The engines every contract suite runs on; `TEST_ENGINES=sqlite` narrows a local run
 * (CI runs both).
 */
export const ENGINES: readonly Engine[] = (process.env.TEST_ENGINES ?? 'sqlite,postgres')
  .split(',')
  .map((name) => name.trim())
  .filter((name): name is Engine => name === 'sqlite' || name === 'postgres')

/**
 * Runs a suite once per engine, as Kysely's tests loop over dialects: a new test written
 * inside runs on SQLite and on PostgreSQL without anyone listing it anywhere.
 *
 * ```ts
 * forEachEngine((engine) => {
 *   beforeAll(async () => { server = await startTestServer({}, { engine }) })
 * })
 * ```
 */
export function forEachEngine(suite: (engine: Engine) => void): void {
  for (const engine of ENGINES) describe(`on ${engine}`, () => suite(engine))
}

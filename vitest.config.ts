import { defineConfig } from 'vitest/config'

/** The contract suites that run a second time on PostgreSQL (each file in its own schema). */
const onPostgres = ['auth', 'threads', 'messages', 'read-markers', 'new-messages', 'shops', 'conventions'].map(
  (name) => `test/http/${name}.test.ts`,
)

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    projects: [
      { extends: true, test: { name: 'sqlite', include: ['test/**/*.test.ts'] } },
      { extends: true, test: { name: 'postgres', include: onPostgres, env: { TEST_DATABASE: 'postgres' } } },
    ],
  },
})

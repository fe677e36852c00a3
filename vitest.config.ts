import { defineConfig } from 'vitest/config'

/**
 * One run covers both engines: each contract suite loops over them itself
 * (test/helpers/engines.ts), each PostgreSQL pass in a schema of its own.
 */
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
})

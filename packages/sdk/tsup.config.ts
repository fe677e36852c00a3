import { defineConfig } from 'tsup'

/**
 * The SDK from its one source, src/sdk: ESM and CommonJS with their declarations. Its types are
 * the server's own schemas (TypeBox), so the package depends on TypeBox's types and nothing of
 * the server at run time. finish-declarations.mjs then removes what only the server needs.
 */
export default defineConfig({
  entry: { index: '../../src/sdk/index.ts' },
  format: ['esm', 'cjs'],
  // Neutral: no Node built-in may slip in, so the same files run in browsers.
  platform: 'neutral',
  target: 'es2022',
  // The whole server is type-checked by npm run typecheck; here declarations are only emitted.
  dts: { compilerOptions: { noCheck: true } },
  clean: true,
  sourcemap: true,
  tsconfig: '../../tsconfig.json',
})

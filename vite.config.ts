import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

/** The browser client: `src/web` built into `dist/web`, which the server serves at `/`. */
export default defineConfig({
  root: fileURLToPath(new URL('src/web', import.meta.url)),
  base: '/',
  // Preact through Oxc's automatic JSX runtime; no preset plugin is needed.
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: fileURLToPath(new URL('dist/web', import.meta.url)),
    emptyOutDir: true,
    // Everything is bundled and served by the API's own origin (strict CSP, no CDN).
    assetsInlineLimit: 0,
    target: 'es2022',
  },
  server: { proxy: { '/api': { target: 'http://127.0.0.1:8000', ws: true } } },
})

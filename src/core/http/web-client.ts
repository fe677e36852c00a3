import fastifyStatic from '@fastify/static'
import type { FastifyInstance } from 'fastify'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Config } from '../config.js'

/** Where `npm run build:web` (run by `npm ci`) puts the browser client. */
export const WEB_ROOT = fileURLToPath(new URL('../../../dist/web/', import.meta.url))

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>VFX Chat: web client not built</title></head>
<body><h1>The web client is not built</h1>
<p>Run <code>npm run build:web</code> (<code>npm ci</code> does it), then reload this page.
The API under <code>/api/</code> works without it.</p></body></html>
`

/**
 * The web client at `/`: index.html with the server's settings in its `<meta>` tags, and the
 * hashed bundle under `/assets/` (cached for good). Without a build, `/` says how to make one.
 *
 * ```ts
 * await app.register(webClient, { root: WEB_ROOT })
 * ```
 */
export async function webClient(app: FastifyInstance, options: { root?: string } = {}): Promise<void> {
  const root = options.root ?? WEB_ROOT
  const indexFile = join(root, 'index.html')
  if (!existsSync(indexFile)) {
    app.get('/', { schema: { hide: true } }, async (_request, reply) =>
      reply.code(503).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(NOT_BUILT),
    )
    return
  }

  const page = withSettings(readFileSync(indexFile, 'utf8'), app.config)
  app.get('/', { schema: { hide: true } }, async (_request, reply) =>
    reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(page),
  )
  await app.register(fastifyStatic, {
    root,
    // One route per built file: no catch-all, so unknown paths keep the JSON 404.
    wildcard: false,
    index: false,
    globIgnore: ['index.html'],
    decorateReply: false,
    schemaHide: true,
    cacheControl: false,
    setHeaders(res, path) {
      // Vite names assets by content hash, so a name never changes meaning.
      const hashed = path.startsWith(join(root, 'assets'))
      res.setHeader('cache-control', hashed ? 'public, max-age=31536000, immutable' : 'no-cache')
    },
  })
}

/** The page learns the network and the limits from its meta tags (no inline script under the CSP). */
function withSettings(html: string, config: Config): string {
  return html
    .replace(/(<meta name="vfx-chat:network" content=")[^"]*(")/, `$1${config.network}$2`)
    .replace(/(<meta name="vfx-chat:max-message-length" content=")[^"]*(")/, `$1${config.maxMessageLength}$2`)
    .replace(/(<meta name="vfx-chat:max-attachment-bytes" content=")[^"]*(")/, `$1${config.maxAttachmentBytes}$2`)
}

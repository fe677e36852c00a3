import Fastify, { type FastifyInstance } from 'fastify'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterEach, describe, expect, it } from 'vitest'
import { RequestLog } from '../../../src/core/http/request-log.js'

interface Line {
  level: number
  msg: string
  req?: { method: string; url: string }
  res?: { statusCode: number }
  responseTime?: number
}

const DEBUG = 20
const INFO = 30
const SLOW_MS = 100

let app: FastifyInstance | undefined
afterEach(() => app?.close())

/** A Fastify app with the request log at `level`, and the lines it wrote. */
async function appLoggingAt(level: 'info' | 'debug'): Promise<{ app: FastifyInstance; lines: Line[] }> {
  const lines: Line[] = []
  app = Fastify({
    logger: { level, stream: { write: (line: string) => void lines.push(JSON.parse(line) as Line) } },
    logController: new RequestLog({ slowMs: SLOW_MS }),
  })
  app.get('/fast', async () => ({ ok: true }))
  app.get('/slow', async () => {
    await sleep(SLOW_MS + 20)
    return { ok: true }
  })
  app.get('/refused', async (_request, reply) => reply.code(403).send({ detail: 'no' }))
  app.get('/stream', async (_request, reply) => reply.send('data: 1\n\n'))
  await app.ready()
  return { app, lines }
}

const completed = (lines: Line[], url: string) => lines.filter((line) => line.msg === 'request completed' && line.req?.url === url)

describe('the request log', () => {
  it('at info, leaves out fast successful requests and keeps refusals, slow requests and opened streams', async () => {
    const { app, lines } = await appLoggingAt('info')
    await app.inject({ method: 'GET', url: '/fast' })
    await app.inject({ method: 'GET', url: '/refused' })
    await app.inject({ method: 'GET', url: '/slow' })
    await app.inject({ method: 'GET', url: '/stream', headers: { accept: 'text/event-stream' } })
    await app.inject({ method: 'GET', url: '/missing' })

    expect(completed(lines, '/fast')).toEqual([])
    expect(completed(lines, '/refused')).toEqual([expect.objectContaining({ level: INFO, res: { statusCode: 403 } })])
    expect(completed(lines, '/missing')).toEqual([expect.objectContaining({ level: INFO, res: { statusCode: 404 } })])
    const [slow] = completed(lines, '/slow')
    expect(slow).toMatchObject({ level: INFO, res: { statusCode: 200 } })
    expect(slow!.responseTime).toBeGreaterThanOrEqual(SLOW_MS)
    expect(lines.filter((line) => line.msg === 'incoming request').map((line) => line.req?.url)).toEqual(['/stream'])
  })

  it('at debug, writes one line for every request, with its method, URL, status and time', async () => {
    const { app, lines } = await appLoggingAt('debug')
    await app.inject({ method: 'GET', url: '/fast' })
    await app.inject({ method: 'GET', url: '/refused' })

    const [fast] = completed(lines, '/fast')
    expect(fast).toMatchObject({ level: DEBUG, req: { method: 'GET', url: '/fast' }, res: { statusCode: 200 } })
    expect(fast!.responseTime).toBeTypeOf('number')
    expect(completed(lines, '/refused')).toEqual([expect.objectContaining({ level: INFO })])
    expect(lines.filter((line) => line.msg === 'incoming request')).toEqual([])
  })
})

import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import { MESSAGE_CLAIM_CLASS } from '../src/core/database/database.js'
import { VfxChatClient } from '../src/sdk/client.js'
import { startNginx, type Nginx } from '../test/helpers/nginx.js'
import { postgresSchema } from '../test/helpers/postgres.js'
import { openSse, sendMessage } from './fanout.js'
import { load, percentile, type LoadResult } from './load.js'
import { startChild, type ChildServer } from './processes.js'
import { requestScenarios, type Target } from './scenarios.js'
import { signInAll, type BenchUser } from './users.js'

/** The message writers PostgreSQL had in flight while sends ran (sampled from pg_locks). */
export interface LockFigures {
  /** Mean sends between their id's claim and their commit, at a sample. */
  inFlight: number
  /** Mean message writers waiting for an advisory lock at a sample. */
  waiting: number
  /** Mean wait per send (Little's law: waiting / sends per second), in ms. */
  waitMs: number
  samples: number
}

export interface ClusterSetup {
  name: string
  nodes: number
  /** The bare-route ceiling, measured just before and just after the setup (mean req/s). */
  ceilingRps: number
  send: LoadResult
  read: LoadResult
  lock: LockFigures
  /** Milliseconds from a send's POST on the first node to its event on a stream of each node. */
  sameNode: { p50: number; p99: number }
  otherNode: { p50: number; p99: number } | null
  /** CPU time of all nodes per send, in µs. */
  cpuPerSend: number
}

export interface ClusterFigures {
  setups: ClusterSetup[]
}

const LATENCY_MESSAGES = 40
const CEILING_SECONDS = 3
const LATENCY_STREAMS = 10

interface Timing {
  seconds: number
  warmupSeconds: number
}

/**
 * Send and read throughput on PostgreSQL and Redis with one node, and with two nodes behind
 * nginx, in one run; the ordering lock's load during the sends; publish→deliver latency on
 * the sending node and across nodes. Each setup gets a fresh schema and Redis channel.
 */
export async function measureCluster(dir: string, users: readonly BenchUser[], ceiling: ChildServer, timing: Timing, log: (line: string) => void) {
  // Other processes may share the cores: each setup is read against the ceiling around it.
  const measureCeiling = async (warmupSeconds: number) => {
    const run = await load({ url: ceiling.url, requests: [{ method: 'GET', path: '/' }], seconds: CEILING_SECONDS, warmupSeconds, cpuMicros: ceiling.cpuMicros })
    log(`  ceiling: ${Math.round(run.rps)} req/s`)
    return run.rps
  }
  let before = await measureCeiling(timing.warmupSeconds)
  const setups: ClusterSetup[] = []
  for (const [name, nodes, proxied] of [
    ['one node', 1, false],
    ['one node behind nginx', 1, true],
    ['two nodes behind nginx', 2, true],
  ] as const) {
    const setup = await measureSetup(name, nodes, proxied, dir, users, timing, log)
    const after = await measureCeiling(0)
    setups.push({ ...setup, ceilingRps: (before + after) / 2 })
    before = after
  }
  return { setups } satisfies ClusterFigures
}

async function measureSetup(
  name: string,
  count: number,
  proxied: boolean,
  dir: string,
  users: readonly BenchUser[],
  timing: Timing,
  log: (line: string) => void,
): Promise<Omit<ClusterSetup, 'ceilingRps'>> {
  log(`cluster: ${name}`)
  const database = await postgresSchema()
  const env = {
    DATABASE_URL: database.url,
    REDIS_URL: 'redis://127.0.0.1:6379',
    REDIS_CHANNEL: `vfx-chat-bench:${randomBytes(6).toString('hex')}`,
    LOG_LEVEL: 'warn',
    RATE_LIMIT_SEND: '0',
    RATE_LIMIT_SIGNIN: '0',
    // The same reader opens LATENCY_STREAMS on one node, then as many on the other while the
    // first ones' slots may still be on their way out: the per-address cap is not measured here.
    MAX_STREAMS_PER_ADDRESS: String(LATENCY_STREAMS * 4),
  }
  const nodes: ChildServer[] = []
  let nginx: Nginx | null = null
  try {
    for (let i = 0; i < count; i++) nodes.push(await startChild({ entry: 'src/main.ts', env, logFile: join(dir, `cluster-${count}-${i}.log`) }))
    nginx = proxied ? await startNginx(nodes.map((node) => new URL(node.url).host)) : null
    const url = nginx?.url ?? nodes[0]!.url
    const tokens = await signInAll(url, users)
    // Two-person threads: each user with the one half the list away.
    const half = users.length / 2
    const targets: Target[] = []
    for (let i = 0; i < half; i++) {
      const [a, b] = [users[i]!, users[i + half]!]
      const { thread } = await new VfxChatClient(url, tokens.get(a)).createThread({ participants: [a.address, b.address] })
      targets.push({ user: a, token: tokens.get(a)!, thread: thread.uuid }, { user: b, token: tokens.get(b)!, thread: thread.uuid })
    }
    const scenarios = requestScenarios(targets, users, tokens)
    const cpu = () => nodes.reduce((sum, node) => sum + node.cpuMicros(), 0)

    const sampler = sampleLock(database.url)
    const send = await load({ url, requests: scenarios.send, ...timing, cpuMicros: cpu })
    const lockSamples = await sampler.stop()
    const lock = { ...lockSamples, waitMs: (lockSamples.waiting / send.rps) * 1000 }
    log(`  send: ${Math.round(send.rps)} req/s, p99 ${send.p99.toFixed(1)} ms; ${lock.inFlight.toFixed(2)} sends in flight, ${lock.waiting.toFixed(2)} waiting, ${lock.waitMs.toFixed(2)} ms wait per send`)
    const read = await load({ url, requests: scenarios.read, ...timing, cpuMicros: cpu })
    log(`  read: ${Math.round(read.rps)} req/s, p99 ${read.p99.toFixed(1)} ms`)

    const [sender, reader] = [targets[0]!, targets[1]!]
    const sameNode = await deliveryLatency(nodes[0]!.url, nodes[0]!.url, sender, reader.token)
    const otherNode = nodes[1] ? await deliveryLatency(nodes[0]!.url, nodes[1].url, sender, reader.token) : null
    log(
      `  publish→deliver: same node p50 ${sameNode.p50.toFixed(2)} ms, p99 ${sameNode.p99.toFixed(2)} ms` +
        (otherNode ? `; across nodes p50 ${otherNode.p50.toFixed(2)} ms, p99 ${otherNode.p99.toFixed(2)} ms` : ''),
    )
    return { name, nodes: count, send, read, lock, sameNode, otherNode, cpuPerSend: send.cpuPerRequest }
  } finally {
    await nginx?.stop()
    for (const node of nodes) await node.stop()
    await database.drop()
  }
}

/** Sends one message at a time on `sendUrl` and times its event on streams opened on `streamUrl`. */
async function deliveryLatency(sendUrl: string, streamUrl: string, sender: Target, readerToken: string) {
  const arrivals = new Map<number, number[]>()
  const onMessage = (id: number) => {
    const list = arrivals.get(id) ?? []
    list.push(performance.now())
    arrivals.set(id, list)
  }
  const streams = await Promise.all(Array.from({ length: LATENCY_STREAMS }, () => openSse(streamUrl, readerToken, onMessage)))
  const latencies: number[] = []
  try {
    await sleep(200)
    for (let i = 0; i < LATENCY_MESSAGES; i++) {
      const sentAt = performance.now()
      const id = await sendMessage(sendUrl, sender.token, sender.thread, `latency ${i}`)
      const deadline = sentAt + 5000
      while ((arrivals.get(id)?.length ?? 0) < LATENCY_STREAMS && performance.now() < deadline) await sleep(1)
      latencies.push(...(arrivals.get(id) ?? []).map((at) => at - sentAt))
    }
  } finally {
    for (const stream of streams) stream.close()
  }
  latencies.sort((a, b) => a - b)
  return { p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99) }
}

/** Polls pg_locks for the message writers' advisory locks every few milliseconds until `stop()`. */
function sampleLock(url: string) {
  const client = new pg.Client({ connectionString: url })
  let stopped = false
  let samples = 0
  let inFlight = 0
  let waiting = 0
  const running = (async () => {
    await client.connect()
    while (!stopped) {
      const { rows } = await client.query<{ claims: string; waiting: string }>(
        `select count(*) filter (where granted and classid = $1) as claims, count(*) filter (where not granted) as waiting
           from pg_locks where locktype = 'advisory'`,
        [MESSAGE_CLAIM_CLASS],
      )
      samples++
      inFlight += Number(rows[0]!.claims)
      waiting += Number(rows[0]!.waiting)
      await sleep(5)
    }
    await client.end()
  })()
  return {
    async stop() {
      stopped = true
      await running
      return { inFlight: inFlight / samples, waiting: waiting / samples, samples }
    },
  }
}

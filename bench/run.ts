import { spawnSync } from 'node:child_process'
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { makePhoto, opaqueFile, streamingUploads, upload } from './attachments.js'
import { measureCosts, measureVerify } from './breakdown.js'
import { measureCluster } from './cluster.js'
import { sustainedRate, type RateLadder } from './open-load.js'
import { fanout, type FanoutResult, type StreamKind } from './fanout.js'
import { alternate, CONNECTIONS, load, type LoadOptions, type LoadResult } from './load.js'
import { describeMachine } from './machine.js'
import { ROOT, SERVICE_ENV, startChild, type ChildServer } from './processes.js'
import { summarizeProfiles } from './profile.js'
import { attachmentTables, benchmarksMarkdown, keepClusterSection, READS, requestTable, withClusterSection, type Ceiling, type Measured, type Report } from './report.js'
import { depthScenarios, downloadScenario, requestScenarios, targetsOf, uploadScenario, type Target } from './scenarios.js'
import { seed, seedDepth, type Dataset, type Depth, type Seeded } from './seed.js'
import { makeUsers, signInAll, type BenchUser, type Tokens } from './users.js'

interface Plan {
  seconds: number
  /** The upload scenario: a few a second, so it runs longer than the others in a quick run. */
  uploadSeconds: number
  /** Each ceiling run between scenarios; the first one also warms up. */
  ceilingSeconds: number
  /** A mix of all reads first: V8 needs seconds of traffic before the service's code is optimized. */
  serviceWarmupSeconds: number
  warmupSeconds: number
  /** Two sides of a comparison (scale, depth) take turns in this many runs each. */
  rounds: number
  /** Calls per round of the in-process cost probes. */
  costCalls: number
  small: Dataset
  big: Dataset
  /** A deep thread and a big inbox, beside ordinary ones in the same database. */
  depth: Depth
  /** The fixed rates of the open-model runs: from, factor, seconds at each. */
  ladder: RateLadder
  subscribers: number[]
  streamKinds: StreamKind[]
  fanoutMessages: number
}

const quick = process.argv.includes('--quick')
// --only=read,send: just these scenarios (for profiling one path); BENCHMARKS.md is left alone,
// except --only=cluster, which rewrites its own section of it.
const only = process.argv.find((arg) => arg.startsWith('--only='))?.slice('--only='.length).split(',')
const wanted = (name: string) => only === undefined || only.includes(name)
// --profile: the service runs under --cpu-prof; its hottest functions are printed at the end.
const profileDir = process.argv.includes('--profile') ? mkdtempSync(join(tmpdir(), 'vfx-chat-profile-')) : null

const PLAN: Plan = quick
  ? {
      seconds: 1,
      uploadSeconds: 3,
      ceilingSeconds: 0.5,
      serviceWarmupSeconds: 1,
      warmupSeconds: 0.3,
      rounds: 2,
      costCalls: 20,
      small: { threads: 1_000, messagesPerThread: 10 },
      big: { threads: 5_000, messagesPerThread: 10 },
      depth: { threadMessages: 10_000, inboxThreads: 5_000 },
      ladder: { from: 250, factor: 2, seconds: 1, p99Ms: 20, upTo: 64_000 },
      subscribers: [1_000],
      streamKinds: ['sse'],
      fanoutMessages: 3,
    }
  : {
      seconds: 8,
      uploadSeconds: 8,
      ceilingSeconds: 3,
      serviceWarmupSeconds: 8,
      warmupSeconds: 2,
      rounds: 4,
      costCalls: 60,
      small: { threads: 1_000, messagesPerThread: 10 },
      big: { threads: 100_000, messagesPerThread: 10 },
      depth: { threadMessages: 100_000, inboxThreads: 50_000 },
      ladder: { from: 250, factor: 1.4, seconds: 2, p99Ms: 20, upTo: 64_000 },
      subscribers: [1_000, 10_000],
      streamKinds: ['sse', 'ws'],
      fanoutMessages: 20,
    }

// Fifty key holders: one per connection, and together one full (50-person) thread for fan-out.
const USERS = 50
// A few people sending photos at the same moment.
const UPLOAD_CONNECTIONS = 4
// Thumbnails of this many uploads (by different callers) take turns in the thumbnail scenario.
const THUMBNAILS = 10
// 20 clients upload 10 MiB each at once (200 MiB in flight), under a 16 MiB cap.
const STREAMING_UPLOADS = 20
const STREAMING_BYTES = 10 * 1_048_576
const STREAMING_LIMIT = 16 * 1_048_576

const dir = mkdtempSync(join(tmpdir(), 'vfx-chat-bench-'))
const log = (line: string) => process.stderr.write(`${line}\n`)

function startService(name: string, env: Record<string, string> = {}): Promise<ChildServer> {
  return startChild({
    entry: 'src/main.ts',
    env: { DATABASE_URL: `sqlite:${join(dir, `${name}.db`)}`, ...SERVICE_ENV, ...env },
    logFile: join(dir, `${name}.log`),
    nodeFlags: profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
  })
}

async function seedDataset(name: string, dataset: Dataset, users: BenchUser[]): Promise<Seeded> {
  const started = Date.now()
  let shown = -1
  const seeded = await seed(join(dir, `${name}.db`), dataset, users.map((u) => u.address), (done, total) => {
    const percent = Math.floor((done / total) * 100)
    if (percent >= shown + 10 || done === total) {
      shown = percent
      log(`  seeding ${name}: ${percent} % (${done.toLocaleString('en')} / ${total.toLocaleString('en')} rows)`)
    }
  })
  const seconds = ((Date.now() - started) / 1000).toFixed(1)
  log(`  seeded ${name}: ${dataset.threads.toLocaleString('en')} threads, ${seeded.messages.toLocaleString('en')} messages in ${seconds} s`)
  return seeded
}

async function seedDepthDataset(users: BenchUser[]) {
  const started = Date.now()
  const seeded = await seedDepth(join(dir, 'depth.db'), PLAN.small, PLAN.depth, users.map((u) => u.address), () => {})
  log(
    `  seeded depth: a ${PLAN.depth.threadMessages.toLocaleString('en')}-message thread and an address in ` +
      `${PLAN.depth.inboxThreads.toLocaleString('en')} threads in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  )
  return seeded
}

function firstThreadOf(user: BenchUser, seeded: Seeded, tokens: Tokens): Target {
  return { user, token: tokens.get(user)!, thread: seeded.threadsOf.get(user.address)![0]! }
}

/** The mean of two ceiling runs: the denominator of the scenario measured between them. */
function meanOf(a: LoadResult, b: LoadResult): Ceiling {
  return { rps: (a.rps + b.rps) / 2, cpuPerRequest: (a.cpuPerRequest + b.cpuPerRequest) / 2 }
}

type Requests = Parameters<typeof load>[0]['requests']

interface Run {
  seconds?: number
  connections?: number
}

function loadOptions(name: string, server: ChildServer, requests: Requests, warm: boolean, run: Run = {}): LoadOptions {
  return {
    url: server.url,
    requests,
    seconds: run.seconds ?? (name === 'ceiling' ? PLAN.ceilingSeconds : PLAN.seconds),
    connections: run.connections ?? CONNECTIONS,
    warmupSeconds: warm ? PLAN.warmupSeconds : 0,
    cpuMicros: server.cpuMicros,
  }
}

function logResult(name: string, result: LoadResult): void {
  const failures = result.failures > 0 ? `, ${result.failures} failed ${JSON.stringify(result.statuses)}` : ''
  log(
    `  ${name}: ${Math.round(result.rps)} req/s, p50 ${result.p50.toFixed(2)} ms, p99 ${result.p99.toFixed(2)} ms, ` +
      `${Math.round(result.cpuPerRequest)} µs CPU/req${failures}`,
  )
}

async function measure(name: string, server: ChildServer, requests: Requests, warm: boolean, run: Run = {}): Promise<LoadResult> {
  const result = await load(loadOptions(name, server, requests, warm, run))
  logResult(name, result)
  return result
}

/** The same request on two sides of a comparison, in alternating rounds (`alternate`). */
async function measureSides(sides: ReadonlyArray<{ name: string; server: ChildServer; requests: Requests }>): Promise<LoadResult[]> {
  const results = await alternate(
    sides.map(({ name, server, requests }) => loadOptions(name, server, requests, true)),
    PLAN.rounds,
  )
  sides.forEach(({ name }, i) => logResult(name, results[i]!))
  return results
}

const machine = describeMachine()
log(`vfx-chat bench${quick ? ' (quick)' : ''}: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, SQLite ${machine.sqlite}`)
const users = makeUsers(USERS)
const report: Report = {
  machine,
  date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
  quick,
  seconds: PLAN.seconds,
  rounds: PLAN.rounds,
  connections: CONNECTIONS,
  small: PLAN.small,
  big: null,
  depth: null,
  ceilings: [],
  requests: new Map(),
  scale: new Map(),
  depthRuns: new Map(),
  open: new Map(),
  fanout: [],
  fanoutSkipped: quick ? 'Quick run: the 10,000-subscriber and WebSocket fan-outs are skipped.' : null,
  costs: {},
  paced: new Map(),
  checkpoint: null,
  verifyMicros: Number.NaN,
  attachments: { photoBytes: Number.NaN, thumbnailBytes: Number.NaN, uploadConnections: UPLOAD_CONNECTIONS, uploadSeconds: PLAN.uploadSeconds, upload: null, thumbnail: null, streaming: null },
  cluster: null,
}
const started = Date.now()
const servers: ChildServer[] = []
try {
  log('seeding')
  const small = await seedDataset('small', PLAN.small, users)
  const big = wanted('scale') ? await seedDataset('big', PLAN.big, users) : null
  report.big = big ? PLAN.big : null
  const depth = wanted('depth') ? await seedDepthDataset(users) : null
  report.depth = depth ? PLAN.depth : null

  // First, while the bench process is fresh (its own garbage would otherwise weigh on the
  // figures), on a copy of the small database: the send probe writes to it.
  if (wanted('costs')) {
    log('where the time goes (in-process)')
    copyFileSync(join(dir, 'small.db'), join(dir, 'costs.db'))
    const user = users[0]!
    ;({ costs: report.costs, checkpoint: report.checkpoint } = await measureCosts(
      join(dir, 'costs.db'),
      user,
      small.threadsOf.get(user.address)![0]!,
      PLAN.costCalls,
    ))
    report.verifyMicros = await measureVerify(user, PLAN.costCalls)
    for (const [name, cost] of Object.entries(report.costs)) {
      log(`  ${name}: service ${Math.round(cost.serviceMicros)} µs, SQL ${Math.round(cost.sqlMicros)} µs (${cost.statements} statements)`)
    }
    log(`  signature verification: ${Math.round(report.verifyMicros)} µs`)
    const { pages, sends, millis } = report.checkpoint!
    log(`  WAL checkpoint: ${pages} pages (${sends} sends) in ${millis.toFixed(1)} ms`)
  }

  const photo = await makePhoto()
  report.attachments.photoBytes = photo.length
  log(`photo to upload: ${photo.length.toLocaleString('en')} bytes of JPEG`)

  // All servers run side by side (an idle one costs nothing), so the measurements can
  // alternate between them: a scenario and its ceiling are taken minutes apart at most.
  const [ceiling, service, bigService, depthService] = await Promise.all([
    startChild({ entry: 'bench/ceiling-server.ts', env: {}, logFile: join(dir, 'ceiling.log') }),
    startService('small'),
    big ? startService('big') : null,
    depth ? startService('depth') : null,
  ])
  servers.push(ceiling, service, ...(bigService ? [bigService] : []), ...(depthService ? [depthService] : []))
  const [tokens, bigTokens] = await Promise.all([signInAll(service.url, users), bigService ? signInAll(bigService.url, users) : null])
  const smallTargets = targetsOf(users, small, tokens)
  const scenarios = requestScenarios(smallTargets, users, tokens)
  const bigScenarios = big && bigTokens ? requestScenarios(targetsOf(users, big, bigTokens), users, bigTokens) : null

  const warmUp = (server: ChildServer, requests: ReturnType<typeof requestScenarios>) =>
    load({ url: server.url, requests: READS.flatMap((name) => requests[name]), seconds: PLAN.serviceWarmupSeconds, warmupSeconds: 0, cpuMicros: server.cpuMicros })
  log('warming the services up')
  await warmUp(service, scenarios)
  if (bigService && bigScenarios) await warmUp(bigService, bigScenarios)

  // Ceiling runs frame every scenario; each scenario's share is against the two around it.
  const measureCeiling = async () => {
    const result = await measure('ceiling', ceiling, [{ method: 'GET', path: '/' }], report.ceilings.length === 0)
    report.ceilings.push(result)
    return result
  }
  let before = await measureCeiling()
  // The next ceiling run closes the frame: the results measured since the last one share it.
  const framed = async (results: LoadResult[]): Promise<Measured[]> => {
    const after = await measureCeiling()
    const ceiling = meanOf(before, after)
    before = after
    return results.map((result) => ({ result, ceiling }))
  }
  const paired = async (name: string, server: ChildServer, requests: Requests, run: Run = {}): Promise<Measured> =>
    (await framed([await measure(name, server, requests, true, run)]))[0]!

  for (const name of READS) {
    if (!wanted(name)) continue
    if (!bigScenarios || !bigService) {
      report.requests.set(name, await paired(name, service, scenarios[name]))
      continue
    }
    const [small, big] = await framed(
      await measureSides([
        { name, server: service, requests: scenarios[name] },
        { name: `${name} (big)`, server: bigService, requests: bigScenarios[name] },
      ]),
    )
    report.requests.set(name, small!)
    report.scale.set(name, big!)
  }
  for (const name of ['send', 'signin'] as const) {
    if (wanted(name)) report.requests.set(name, await paired(name, service, scenarios[name]))
  }
  for (const [name, cost] of Object.entries(report.costs)) {
    if (!report.requests.has(name)) continue
    const paced = [{ method: 'GET', path: `/paced?micros=${Math.round(cost.serviceMicros)}` }]
    report.paced.set(name, await measure(`ceiling kept busy ${Math.round(cost.serviceMicros)} µs a request (${name}'s service time)`, ceiling, paced, true))
  }

  if (depth && depthService) {
    log('depth: a deep thread and a big inbox against ordinary ones, in one database')
    const depthTokens = await signInAll(depthService.url, users.slice(0, 4))
    const tokenOf = (address: string) => depthTokens.get(users.find((user) => user.address === address)!)!
    const pairs = depthScenarios(depth, tokenOf)
    await load({
      url: depthService.url,
      requests: Object.values(pairs).flatMap(({ deep, shallow }) => [...deep, ...shallow]),
      seconds: PLAN.serviceWarmupSeconds,
      warmupSeconds: 0,
      cpuMicros: depthService.cpuMicros,
    })
    for (const [name, { deep, shallow }] of Object.entries(pairs)) {
      const [deepResult, shallowResult] = await measureSides([
        { name: `${name} (deep)`, server: depthService, requests: deep },
        { name: `${name} (ordinary)`, server: depthService, requests: shallow },
      ])
      report.depthRuns.set(name, { deep: deepResult!, shallow: shallowResult! })
    }
  }

  if (wanted('open')) {
    log(`open model: fixed rates from ${PLAN.ladder.from}/s, ×${PLAN.ladder.factor} each ${PLAN.ladder.seconds} s, until p99 ≥ ${PLAN.ladder.p99Ms} ms`)
    const openRun = async (name: string, server: ChildServer, requests: Requests) => {
      const sustained = await sustainedRate(server.url, requests, PLAN.ladder)
      const last = sustained.steps.at(-1)
      log(`  ${name}: ${sustained.rate} req/s with p99 < ${PLAN.ladder.p99Ms} ms (then ${last?.rate}/s: p99 ${last?.p99.toFixed(2)} ms, ${last?.failures} failed)`)
      report.open.set(name, sustained)
    }
    await openRun('ceiling', ceiling, [{ method: 'GET', path: '/' }])
    for (const name of [...READS, 'send'] as const) await openRun(name, service, scenarios[name])
  }

  if (wanted('upload')) {
    report.attachments.upload = await paired('upload', service, uploadScenario(smallTargets, photo, 'jpg'), {
      seconds: PLAN.uploadSeconds,
      connections: UPLOAD_CONNECTIONS,
    })
  }
  if (wanted('thumbnail')) {
    // One upload by each of the first callers, so the signed paths and records differ.
    const uploads = []
    for (const user of users.slice(0, THUMBNAILS)) uploads.push(await upload(service.url, firstThreadOf(user, small, tokens), photo, 'photo.jpg'))
    const paths = uploads.map((attachment) => attachment.thumbnail_url!)
    const thumbnail = await fetch(`${service.url}${paths[0]}`)
    if (thumbnail.status !== 200) throw new Error(`a thumbnail answered ${thumbnail.status}: ${await thumbnail.text()}`)
    report.attachments.thumbnailBytes = (await thumbnail.arrayBuffer()).byteLength
    report.attachments.thumbnail = await paired('thumbnail', service, downloadScenario(paths))
  }

  for (const server of servers.splice(0)) await server.stop()

  if (wanted('fanout')) {
    const streamTokens = users.map((user) => tokens.get(user)!)
    for (const kind of PLAN.streamKinds) {
      for (const subscribers of PLAN.subscribers) {
        log(`fan-out: ${kind}, ${subscribers.toLocaleString('en')} subscribers`)
        // A fresh process each time (same database, same tokens): its RSS growth is the streams',
        // not the refill of memory a previous scenario freed.
        const server = await startService('small', { MAX_STREAMS_PER_ADDRESS: '10000', MAX_STREAMS_PER_IP: '1000000' })
        servers.push(server)
        const result: FanoutResult = await fanout(server, kind, streamTokens, small.groupThread, subscribers, PLAN.fanoutMessages)
        await servers.pop()!.stop()
        log(`  p50 ${result.p50.toFixed(2)} ms, p99 ${result.p99.toFixed(2)} ms, ${result.missed} missed, ${(result.rssPerStream / 1024).toFixed(1)} KB RSS per stream`)
        report.fanout.push(result)
      }
    }
  }

  if (wanted('streaming')) {
    log(`streaming uploads: ${STREAMING_UPLOADS} × ${STREAMING_BYTES / 1_048_576} MiB at once`)
    // A fresh process, as for fan-out: its RSS growth is the uploads', not a refill.
    const server = await startService('small', { MAX_ATTACHMENT_BYTES: String(STREAMING_LIMIT) })
    servers.push(server)
    const uploaders = users.slice(0, STREAMING_UPLOADS).map((user) => firstThreadOf(user, small, tokens))
    const result = await streamingUploads(server, uploaders, opaqueFile(STREAMING_BYTES))
    await servers.pop()!.stop()
    const mib = (bytes: number) => (bytes / 1_048_576).toFixed(1)
    log(
      `  idle RSS ${mib(result.idleRss)} MiB, peak ${mib(result.peakRss)} MiB (+${mib(result.peakRss - result.idleRss)} MiB over ${result.samples} samples), ` +
        `all stored in ${(result.millis / 1000).toFixed(1)} s${result.failures > 0 ? `, ${result.failures} failed` : ''}`,
    )
    report.attachments.streaming = result
  }

  // The several-nodes setups put nginx in front; a machine without it keeps the last section measured.
  const hasNginx = !spawnSync('nginx', ['-v']).error
  if (wanted('cluster') && !hasNginx) log('cluster: skipped, nginx is not installed here (BENCHMARKS.md keeps its last several-nodes section)')
  if (wanted('cluster') && hasNginx) {
    const ceiling = await startChild({ entry: 'bench/ceiling-server.ts', env: {}, logFile: join(dir, 'cluster-ceiling.log') })
    servers.push(ceiling)
    report.cluster = await measureCluster(dir, users, ceiling, { seconds: PLAN.seconds, warmupSeconds: PLAN.warmupSeconds }, log)
    await servers.pop()!.stop()
  }
} finally {
  for (const server of servers) await server.stop()
  rmSync(dir, { recursive: true, force: true })
}

process.stdout.write(`\n${requestTable(report)}\n\n${attachmentTables(report)}\n`)
if (only === undefined) {
  const file = join(ROOT, 'BENCHMARKS.md')
  const markdown = benchmarksMarkdown(report)
  writeFileSync(file, report.cluster ? markdown : keepClusterSection(markdown, readFileSync(file, 'utf8')))
  log(`\nBENCHMARKS.md written (${((Date.now() - started) / 1000).toFixed(0)} s).`)
} else if (only.length === 1 && report.cluster) {
  const file = join(ROOT, 'BENCHMARKS.md')
  writeFileSync(file, withClusterSection(readFileSync(file, 'utf8'), report.cluster))
  log('\nBENCHMARKS.md: the several-nodes section rewritten.')
}
if (profileDir) log(`\nCPU profiles in ${profileDir}\n${summarizeProfiles(profileDir)}`)

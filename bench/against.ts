/**
 * `npm run bench:against -- REV`: this checkout's service against the one at git revision REV,
 * both on this machine at once, taking turns on each request scenario (`alternate`), with
 * server CPU per request, p50 and their ratios. On a machine whose speed moves from one minute
 * to the next, only code measured this way compares. Each side seeds its database with its own
 * bench/seed.ts and starts with its own `npm start` flags. Leaves BENCHMARKS.md alone.
 *
 * Options: `--rounds=N` turns per side (8), `--seconds=S` per side and scenario (16),
 * `--only=read,send` (the request scenarios by default).
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { alternate, load, type LoadResult } from './load.js'
import { ROOT, SERVICE_ENV, startChild, type ChildServer } from './processes.js'
import { READS } from './report.js'
import { requestScenarios, targetsOf } from './scenarios.js'
import type { seed as Seed } from './seed.js'
import { makeUsers, signInAll } from './users.js'

const SCENARIOS = [...READS, 'send'] as const
type Scenario = (typeof SCENARIOS)[number]
// The requests section's database and callers.
const DATASET = { threads: 1_000, messagesPerThread: 10 }
const USERS = 50
const WARMUP_SECONDS = 8

const option = (name: string) => process.argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3)
const revision = process.argv.slice(2).find((arg) => !arg.startsWith('--'))
if (revision === undefined) throw new Error('usage: npm run bench:against -- REV [--rounds=8] [--seconds=16] [--only=read,send]')
const rounds = Number(option('rounds') ?? 8)
const seconds = Number(option('seconds') ?? 16)
const only = (option('only')?.split(',') ?? SCENARIOS).filter((name): name is Scenario => (SCENARIOS as readonly string[]).includes(name))
const log = (line: string) => process.stderr.write(`${line}\n`)

const git = (...args: string[]) => {
  const result = spawnSync('git', args, { cwd: ROOT, encoding: 'utf8' })
  if (result.status !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr.trim()}`)
  return result.stdout.trim()
}

const dir = mkdtempSync(join(tmpdir(), 'vfx-chat-against-'))
const checkout = join(dir, 'checkout')
const commit = git('rev-parse', '--short', `${revision}^{commit}`)
git('worktree', 'add', '--detach', checkout, commit)
const servers: ChildServer[] = []
try {
  // Its code runs on this checkout's packages: measured on others, it would measure them too.
  if (readFileSync(join(checkout, 'package-lock.json'), 'utf8') !== readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) {
    throw new Error(`${revision}'s package-lock.json differs from this checkout's: compare from a checkout with its packages`)
  }
  symlinkSync(join(ROOT, 'node_modules'), join(checkout, 'node_modules'))

  const users = makeUsers(USERS)
  const sides = []
  for (const [name, root] of [[commit, checkout], ['this checkout', ROOT]] as const) {
    const { seed } = (await import(pathToFileURL(join(root, 'bench/seed.ts')).href)) as { seed: typeof Seed }
    const database = join(dir, `${sides.length}.db`)
    const seeded = await seed(database, DATASET, users.map((user) => user.address), () => {})
    const server = await startChild({ root, entry: 'src/main.ts', env: { DATABASE_URL: `sqlite:${database}`, ...SERVICE_ENV }, logFile: join(dir, `${sides.length}.log`) })
    servers.push(server)
    const tokens = await signInAll(server.url, users)
    sides.push({ name, server, scenarios: requestScenarios(targetsOf(users, seeded, tokens), users, tokens) })
  }
  log(`${commit} against this checkout: ${rounds} turns of ${seconds / rounds} s each per scenario`)
  // Warmed up with reads only, as `npm run bench` is: sends would grow the threads the reads
  // then answer with (a thread's detail shows its latest 100 messages).
  for (const { server, scenarios } of sides) {
    await load({ url: server.url, requests: READS.flatMap((name) => scenarios[name]), seconds: WARMUP_SECONDS, warmupSeconds: 0, cpuMicros: server.cpuMicros })
  }

  const rows: string[] = []
  for (const name of only) {
    const [before, after] = (await alternate(
      sides.map(({ server, scenarios }) => ({ url: server.url, requests: scenarios[name], seconds, warmupSeconds: 2, cpuMicros: server.cpuMicros })),
      rounds,
    )) as [LoadResult, LoadResult]
    const failed = before.failures + after.failures
    if (failed > 0) log(`  ${name}: ${failed} requests failed ${JSON.stringify([before.statuses, after.statuses])}`)
    const cells = [before.cpuPerRequest, after.cpuPerRequest, after.cpuPerRequest / before.cpuPerRequest, before.p50, after.p50, after.p50 / before.p50]
    const row = `| \`${name}\` | ${cells.map((value, i) => value.toFixed(i < 2 ? 0 : 2)).join(' | ')} |`
    log(row)
    rows.push(row)
  }
  process.stdout.write(
    [
      `\n${commit} against this checkout (${rounds} turns of ${seconds / rounds} s each, 50 connections):\n`,
      '| scenario | CPU µs/req before | after | after / before | p50 ms before | after | after / before |',
      '| --- | --- | --- | --- | --- | --- | --- |',
      ...rows,
      '',
    ].join('\n'),
  )
} finally {
  for (const server of servers) await server.stop()
  git('worktree', 'remove', '--force', checkout)
  rmSync(dir, { recursive: true, force: true })
}

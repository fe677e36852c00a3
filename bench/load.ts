import autocannon, { type Request } from 'autocannon'

export const CONNECTIONS = 50

export interface LoadResult {
  /** Successful (2xx) responses per second. */
  rps: number
  /** Latency of 2xx responses in milliseconds, to the microsecond. */
  p50: number
  p99: number
  requests: number
  /** Non-2xx answers, socket errors and timeouts: any of them makes the figure suspect. */
  failures: number
  statuses: Record<string, number>
  /** Server CPU time per request in microseconds: unlike req/s, unmoved by other processes on the machine. */
  cpuPerRequest: number
  /** Mean bytes of a 2xx answer, headers included. */
  bytes: number
}

export interface LoadOptions {
  url: string
  requests: Request[]
  seconds: number
  warmupSeconds: number
  connections?: number
  /** The server's CPU time so far, in microseconds. */
  cpuMicros: () => number
}

/** Drives `url` with autocannon: a warm-up run, then the measured run (see `alternate`). */
export async function load(options: LoadOptions): Promise<LoadResult> {
  return (await alternate([options], 1))[0]!
}

/**
 * Drives several servers in turn, `rounds` short runs each (their `seconds` split evenly), and
 * sums each one's runs into one result. Two servers compared this way see the same moments of
 * the machine's load: one long run after the other can land one of them on a neighbour's burst.
 * Each first gets a warm-up run (discarded, so JIT and caches are hot). Latencies are collected
 * from autocannon's per-response events, which carry microseconds; its own histogram keeps
 * whole milliseconds only.
 */
export async function alternate(sides: readonly LoadOptions[], rounds: number): Promise<LoadResult[]> {
  const totals = sides.map(() => ({ latencies: [] as number[], bytes: 0, cpu: 0, requests: 0, seconds: 0, failures: 0, statuses: {} as Record<string, number> }))
  for (const side of sides) {
    if (side.warmupSeconds <= 0) continue
    await autocannon({ url: side.url, connections: side.connections ?? CONNECTIONS, duration: side.warmupSeconds, requests: side.requests })
  }
  for (let round = 0; round < rounds; round++) {
    for (const [i, side] of sides.entries()) {
      const total = totals[i]!
      const cpuBefore = side.cpuMicros()
      const duration = side.seconds / rounds
      const instance = autocannon({ url: side.url, connections: side.connections ?? CONNECTIONS, duration, timeout: 10, requests: side.requests })
      instance.on('response', (_client: unknown, status: number, answered: number, milliseconds: number) => {
        if (status < 200 || status >= 300) return
        total.latencies.push(milliseconds)
        total.bytes += answered
      })
      const result = await instance
      total.cpu += side.cpuMicros() - cpuBefore
      total.requests += result.requests.total
      total.seconds += result.duration
      total.failures += result.non2xx + result.errors + result.timeouts
      for (const [code, { count }] of Object.entries(result.statusCodeStats)) total.statuses[code] = (total.statuses[code] ?? 0) + count
    }
  }
  return totals.map(({ latencies, bytes, cpu, requests, seconds, failures, statuses }) => {
    latencies.sort((a, b) => a - b)
    return {
      rps: latencies.length / seconds,
      p50: percentile(latencies, 0.5),
      p99: percentile(latencies, 0.99),
      requests,
      failures,
      statuses,
      cpuPerRequest: cpu / Math.max(1, requests),
      bytes: bytes / Math.max(1, latencies.length),
    }
  })
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!
}

/** Spreads requests over `items`: each call of the returned function yields the next one. */
export function roundRobin<T>(items: readonly T[]): () => T {
  if (items.length === 0) throw new Error('nothing to spread the load over')
  let next = 0
  return () => items[next++ % items.length]!
}

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

/**
 * Drives `url` with autocannon: a warm-up run (discarded, so JIT and caches are hot), then
 * the measured run. Latencies are collected from autocannon's per-response events, which
 * carry microseconds; its own histogram keeps whole milliseconds only.
 */
export async function load(options: LoadOptions): Promise<LoadResult> {
  const connections = options.connections ?? CONNECTIONS
  if (options.warmupSeconds > 0) {
    await autocannon({ url: options.url, connections, duration: options.warmupSeconds, requests: options.requests })
  }
  const latencies: number[] = []
  let bytes = 0
  const cpuBefore = options.cpuMicros()
  const instance = autocannon({ url: options.url, connections, duration: options.seconds, timeout: 10, requests: options.requests })
  instance.on('response', (_client: unknown, status: number, answered: number, milliseconds: number) => {
    if (status < 200 || status >= 300) return
    latencies.push(milliseconds)
    bytes += answered
  })
  const result = await instance
  const cpu = options.cpuMicros() - cpuBefore
  latencies.sort((a, b) => a - b)
  const statuses = Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, { count }]) => [code, count]))
  return {
    rps: latencies.length / result.duration,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    requests: result.requests.total,
    failures: result.non2xx + result.errors + result.timeouts,
    statuses,
    cpuPerRequest: cpu / Math.max(1, result.requests.total),
    bytes: bytes / Math.max(1, latencies.length),
  }
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

import { Agent, request as httpRequest } from 'node:http'
import type { Request } from 'autocannon'
import { percentile } from './load.js'

/** One fixed rate held for a while: how the answers kept up. */
export interface RateStep {
  /** Requests sent per second, each at its own moment. */
  rate: number
  /** Latency of 2xx answers from the moment each request was sent, in ms. */
  p50: number
  p99: number
  /** Non-2xx answers and errors. */
  failures: number
  /** What the failures were: status codes, or error codes for requests that got no answer. */
  failed: Record<string, number>
}

export interface SustainedRate {
  /** The highest rate whose p99 stayed under the limit with no failure; 0 when even the first did not. */
  rate: number
  steps: RateStep[]
}

export interface RateLadder {
  /** First rate, per second, and the factor from one step to the next. */
  from: number
  factor: number
  seconds: number
  p99Ms: number
  /** No step above this: the load generator's own limit on this machine. */
  upTo: number
}

/**
 * The highest request rate `url` sustains with p99 under `ladder.p99Ms`: fixed rates stepping up
 * by `ladder.factor` until one fails. An open model, as users arrive: each request is sent at
 * its moment whether or not the earlier ones were answered, so a server that falls behind
 * queues them and shows it (autocannon's connections wait for answers, which hides the queue).
 * Latency counts from the send, so this process's own timer lag (it shares the cores) is not
 * the server's. Connections are kept alive across the steps. A rate that fails is tried once
 * more before the ladder stops. `requests` is a one-request autocannon scenario.
 */
export async function sustainedRate(url: string, requests: readonly Request[], ladder: RateLadder): Promise<SustainedRate> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1024 })
  const steps: RateStep[] = []
  let rate = 0
  try {
    const holds = (step: RateStep) => step.failures === 0 && step.p99 < ladder.p99Ms
    for (let next = ladder.from; next <= ladder.upTo; next = Math.round(next * ladder.factor)) {
      let step = await fixedRate(url, agent, requests[0]!, next, ladder.seconds)
      // Another process's burst on a shared machine can spoil one step: a rate fails only twice.
      if (!holds(step)) step = await fixedRate(url, agent, requests[0]!, next, ladder.seconds)
      steps.push(step)
      if (!holds(step)) break
      rate = next
    }
  } finally {
    agent.destroy()
  }
  return { rate, steps }
}

async function fixedRate(url: string, agent: Agent, template: Request, rate: number, seconds: number): Promise<RateStep> {
  const target = new URL(url)
  const latencies: number[] = []
  let failures = 0
  const failed: Record<string, number> = {}
  const fail = (what: string) => {
    failures++
    failed[what] = (failed[what] ?? 0) + 1
  }
  const inFlight: Array<Promise<void>> = []
  const send = () => {
    const sentAt = performance.now()
    const { method = 'GET', path = '/', headers = {}, body } = template.setupRequest ? template.setupRequest({ ...template }, {}) : template
    inFlight.push(
      new Promise<void>((resolve) => {
        const outgoing = httpRequest({ host: target.hostname, port: target.port, method, path, headers, agent }, (response) => {
          response.resume()
          response.on('end', () => {
            if (response.statusCode! >= 200 && response.statusCode! < 300) latencies.push(performance.now() - sentAt)
            else fail(String(response.statusCode))
            resolve()
          })
        })
        outgoing.on('error', (error: Error & { code?: string }) => {
          fail(error.code ?? error.message)
          resolve()
        })
        outgoing.end(body)
      }),
    )
  }
  const total = Math.round(rate * seconds)
  const started = performance.now()
  let sent = 0
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * rate))
      for (; sent < due; sent++) send()
      if (sent >= total) {
        clearInterval(timer)
        resolve()
      }
    }, 1)
  })
  await Promise.all(inFlight)
  latencies.sort((a, b) => a - b)
  return { rate, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), failures, failed }
}

import { styleText } from 'node:util'
import { ApiError } from '../sdk/client.js'

/** A failure the CLI reports as one line and a non-zero exit code. */
export class CliError extends Error {}

type Style = Parameters<typeof styleText>[0]

/** Colours only on a terminal, and never under NO_COLOR. */
export function paint(style: Style, text: string): string {
  return process.stdout.isTTY && !process.env.NO_COLOR ? styleText(style, text) : text
}

/** Prints `data` as one JSON line with --json, else the human lines. */
export function print(json: boolean, data: unknown, human: () => string | string[]): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(data)}\n`)
    return
  }
  const lines = human()
  process.stdout.write(`${Array.isArray(lines) ? lines.join('\n') : lines}\n`)
}

/** What went wrong, in one line: the API's own words when it answered. */
export function describeFailure(error: unknown): string {
  if (error instanceof ApiError) {
    const { detail, ...fields } = error.body
    if (typeof detail === 'string') return `${detail} (HTTP ${error.status})`
    const first = Object.entries(fields)[0]
    if (first) return `${first[0]}: ${Array.isArray(first[1]) ? first[1].join(' ') : String(first[1])} (HTTP ${error.status})`
    return `HTTP ${error.status}`
  }
  if (error instanceof TypeError && /fetch failed/.test(error.message)) {
    return `cannot reach the server (${String((error.cause as Error | undefined)?.message ?? error.message)}); is it running? See --server`
  }
  return error instanceof Error ? error.message : String(error)
}

/** A progress bar on a terminal (stderr), nothing otherwise. */
export function progressBar(label: string): { update(done: number, total: number): void; end(): void } {
  if (!process.stderr.isTTY) return { update() {}, end() {} }
  return {
    update(done, total) {
      const share = total > 0 ? done / total : 0
      const width = 30
      const filled = Math.round(share * width)
      process.stderr.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.round(share * 100)}%`)
    },
    end() {
      process.stderr.write('\n')
    },
  }
}

import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { ROOT } from './processes.js'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  hitCount: number
  children?: number[]
}

interface Profile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

/**
 * The functions with the most self time in each `--cpu-prof` file of `dir`, as
 * `percent  function  file:line` lines: where the server spends its CPU under load.
 */
export function summarizeProfiles(dir: string, top = 25): string {
  return readdirSync(dir)
    .filter((file) => file.endsWith('.cpuprofile'))
    .map((file) => `${file}\n${summarize(JSON.parse(readFileSync(join(dir, file), 'utf8')) as Profile, top)}`)
    .join('\n\n')
}

function summarize(profile: Profile, top: number): string {
  const byNode = new Map(profile.nodes.map((node) => [node.id, node]))
  const selfTime = new Map<string, number>()
  let total = 0
  profile.samples.forEach((id, i) => {
    const node = byNode.get(id)
    const delta = profile.timeDeltas[i] ?? 0
    if (!node) return
    const { functionName, url, lineNumber } = node.callFrame
    const where = url ? `${relative(ROOT, url.replace(/^file:\/\//, ''))}:${lineNumber + 1}` : ''
    const key = `${functionName || '(anonymous)'}  ${where}`
    selfTime.set(key, (selfTime.get(key) ?? 0) + delta)
    total += delta
  })
  return [...selfTime]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([key, time]) => `${((time / total) * 100).toFixed(1).padStart(5)} %  ${key}`)
    .join('\n')
}

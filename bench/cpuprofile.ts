/**
 * Summarizes a V8 `.cpuprofile` (from `node --cpu-prof`, e.g. `npm run bench:tps --
 * --peers node --node-cpu-prof DIR`): the functions with the most self time, and self time
 * summed by package (or by our own top folder), so the hot spots of a run read in one screen.
 *
 * Usage: `node --import tsx bench/cpuprofile.ts FILE.cpuprofile [--top 30] [--json]
 * [--callers NAME]… [--callees NAME]… [--from FUNCTION]` (who calls the functions whose label
 * contains NAME, and what they spend their time in; `--from`: count only from the first sample
 * under FUNCTION, e.g. `--from sendRawTransaction` to leave out the start-up).
 */
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number }
  children?: number[]
}

/** A V8 CPU profile as written by `--cpu-prof`. */
export interface CpuProfile {
  nodes: ProfileNode[]
  startTime: number
  endTime: number
  samples: number[]
  timeDeltas: number[]
}

/** One line of the summary: a name and its self time. */
export interface HotSpot {
  name: string
  selfMs: number
  percent: number
}

/** Where a sample belongs: `pkg:<npm package>`, `our:<top folder>`, `node:internal`, or V8's `(idle)`, `(program)`, `(garbage collector)`, `(native)`. */
export function bucketOf(url: string, functionName = ''): string {
  if (url === '') return /^\((idle|program|garbage collector)\)$/.test(functionName) ? functionName : '(native)'
  const nm = url.lastIndexOf('/node_modules/')
  if (nm >= 0) {
    const rest = url.slice(nm + '/node_modules/'.length).split('/')
    return `pkg:${rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]}`
  }
  if (url.startsWith('node:')) return 'node:internal'
  const m = url.match(/\/(bin|chain|state|execution|rpc|genesis|bridge|lib)\//)
  return m ? `our:${m[1]}` : url
}

/**
 * Self time per function and per bucket ({@link bucketOf}), largest first.
 *
 * @example
 * const { functions, buckets, totalMs } = summarize(JSON.parse(readFileSync(file, 'utf8')))
 */
export function summarize(profile: CpuProfile, top = 30, from?: string) {
  const byId = new Map<number, ProfileNode>()
  for (const n of profile.nodes) byId.set(n.id, n)
  const parent = new Map<number, number>()
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  // With `from`, samples count from the first one whose stack holds a function named so
  // (e.g. `sendRawTransaction`: the load, without the start-up).
  let first = 0
  if (from !== undefined) {
    const matches = new Set<number>()
    for (const n of profile.nodes) if (n.callFrame.functionName === from) matches.add(n.id)
    first = profile.samples.findIndex((id) => {
      for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) if (matches.has(at)) return true
      return false
    })
    if (first < 0) throw new Error(`no sample under a function named ${from}`)
  }
  const self = new Map<number, number>()
  let totalUs = 0
  for (let i = first; i < profile.samples.length; i++) {
    const id = profile.samples[i]
    const us = profile.timeDeltas[i] ?? 0
    totalUs += us
    self.set(id, (self.get(id) ?? 0) + us)
  }
  const fn = new Map<string, number>()
  const bucket = new Map<string, number>()
  for (const [id, us] of self) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame
    const where = url ? `${url.replace(/^file:\/\/\/work\/[^/]+\//, '')}:${lineNumber + 1}` : ''
    const key = `${functionName || '(anonymous)'} ${where}`.trim()
    fn.set(key, (fn.get(key) ?? 0) + us)
    const b = bucketOf(url, functionName)
    bucket.set(b, (bucket.get(b) ?? 0) + us)
  }
  // Total (inclusive) time: a sample counts once for every distinct function on its stack.
  const label = new Map<number, string>()
  const labelOf = (id: number): string => {
    let l = label.get(id)
    if (l === undefined) {
      const { functionName, url, lineNumber } = byId.get(id)!.callFrame
      const where = url ? `${url.replace(/^file:\/\/\/work\/[^/]+\//, '')}:${lineNumber + 1}` : ''
      l = `${functionName || '(anonymous)'} ${where}`.trim()
      label.set(id, l)
    }
    return l
  }
  const total = new Map<string, number>()
  const callers = new Map<string, Map<string, number>>()
  const callees = new Map<string, Map<string, number>>()
  for (const [id, us] of self) {
    const seen = new Set<string>()
    const stack: string[] = []
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) stack.push(labelOf(at))
    for (let i = 0; i < stack.length; i++) {
      const l = stack[i]
      if (seen.has(l)) continue
      seen.add(l)
      total.set(l, (total.get(l) ?? 0) + us)
      if (stack[i + 1] !== undefined) {
        const m = callers.get(l) ?? new Map<string, number>()
        callers.set(l, m)
        m.set(stack[i + 1], (m.get(stack[i + 1]) ?? 0) + us)
      }
      const callee = i > 0 ? stack[i - 1] : '(self)'
      const m = callees.get(l) ?? new Map<string, number>()
      callees.set(l, m)
      m.set(callee, (m.get(callee) ?? 0) + us)
    }
  }
  const rank = (m: Map<string, number>, n: number): HotSpot[] =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, us]) => ({ name, selfMs: Math.round(us / 1000), percent: Math.round((1000 * us) / totalUs) / 10 }))
  const skip = /^\((root|program|idle|garbage collector)\)/
  const inclusive = rank(new Map([...total].filter(([k]) => !skip.test(k))), top)
  /** The direct callers of every function whose label contains `needle`, by time. */
  const callersOf = (needle: string, n = 8) =>
    [...callers].filter(([k]) => k.includes(needle)).map(([k, m]) => ({ name: k, callers: rank(m, n) }))
  /** What the functions whose label contains `needle` spend their time in (`(self)`: their own code). */
  const calleesOf = (needle: string, n = 12) =>
    [...callees].filter(([k]) => k.includes(needle)).map(([k, m]) => ({ name: k, callees: rank(m, n) }))
  return { totalMs: Math.round(totalUs / 1000), functions: rank(fn, top), buckets: rank(bucket, top), inclusive, callersOf, calleesOf }
}

function main(argv: string[]): void {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      top: { type: 'string', default: '30' },
      json: { type: 'boolean', default: false },
      callers: { type: 'string', multiple: true, default: [] },
      callees: { type: 'string', multiple: true, default: [] },
      from: { type: 'string' },
    },
  })
  for (const file of positionals) {
    const s = summarize(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, Number(values.top), values.from)
    if (values.json) {
      const { callersOf: _, calleesOf: __, ...plain } = s
      process.stdout.write(`${JSON.stringify({ file, ...plain })}\n`)
      continue
    }
    const since = values.from ? ` from the first ${values.from}` : ''
    process.stdout.write(`${file}: ${s.totalMs} ms profiled${since}\n\nself time by package / folder:\n`)
    for (const b of s.buckets) process.stdout.write(`${String(b.selfMs).padStart(8)} ms ${String(b.percent).padStart(5)}%  ${b.name}\n`)
    process.stdout.write('\nself time by function:\n')
    for (const f of s.functions) process.stdout.write(`${String(f.selfMs).padStart(8)} ms ${String(f.percent).padStart(5)}%  ${f.name}\n`)
    process.stdout.write('\ntotal (inclusive) time by function:\n')
    for (const f of s.inclusive) process.stdout.write(`${String(f.selfMs).padStart(8)} ms ${String(f.percent).padStart(5)}%  ${f.name}\n`)
    for (const needle of values.callers) {
      for (const { name, callers } of s.callersOf(needle)) {
        process.stdout.write(`\ncallers of ${name}:\n`)
        for (const c of callers) process.stdout.write(`${String(c.selfMs).padStart(8)} ms ${String(c.percent).padStart(5)}%  ${c.name}\n`)
      }
    }
    for (const needle of values.callees) {
      for (const { name, callees } of s.calleesOf(needle)) {
        process.stdout.write(`\ntime inside ${name}:\n`)
        for (const c of callees) process.stdout.write(`${String(c.selfMs).padStart(8)} ms ${String(c.percent).padStart(5)}%  ${c.name}\n`)
      }
    }
  }
}

if (import.meta.url === `file://${process.argv[1]}`) main(process.argv.slice(2))

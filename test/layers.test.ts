/**
 * The folders are the floors (DESIGN.md): `lib ← risk, bridge ← state ← genesis ← execution ←
 * chain ← rpc ← app`, each folder importing only the floors below it, and no two files importing
 * each other, however indirectly; the kernel (`risk/`) is entered through `risk/index.ts` only. This test reads every import of every TypeScript file and fails
 * on one against the order, or on a cycle. Unit tests beside a module obey their module's floor;
 * they may also use the fixtures in `test/support/`. `test/` and `bench/` stand above everything.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, normalize, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../', import.meta.url))

/** Floor of each folder; folders on the same floor may not import each other either. */
const FLOORS: Record<string, number> = {
  lib: 0,
  risk: 1,
  bridge: 1,
  state: 2,
  genesis: 3,
  execution: 4,
  chain: 5,
  rpc: 6,
  app: 7,
}

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.') || name === 'data') continue
    const path = join(dir, name)
    if (statSync(path).isDirectory()) walk(path, out)
    else if (/\.(ts|mts)$/.test(name)) out.push(relative(root, path))
  }
  return out
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+'(\.{1,2}\/[^']+)'|import\(\s*'(\.{1,2}\/[^']+)'\s*\)/g

/** Every relative import of `file`, as repo paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8')
  const out: string[] = []
  for (const m of text.matchAll(IMPORT)) out.push(normalize(join(dirname(file), m[1] ?? m[2])))
  return out
}

const files = walk(root)
const graph = new Map(files.map((f) => [f, importsOf(f)]))
const top = (path: string) => path.split('/')[0]

describe('layers', () => {
  it('every folder imports only the floors below it', () => {
    const wrong: string[] = []
    for (const [file, imports] of graph) {
      const from = top(file)
      if (!(from in FLOORS)) continue
      for (const target of imports) {
        const to = top(target)
        if (to === from) continue
        if (file.endsWith('.test.ts') && target.startsWith('test/support/')) continue
        if (!(to in FLOORS) || FLOORS[to] >= FLOORS[from]) wrong.push(`${file} → ${target}`)
      }
    }
    expect(wrong).toEqual([])
  })

  it('the kernel has one way in: risk/index.ts', () => {
    const wrong: string[] = []
    for (const [file, imports] of graph) {
      if (top(file) === 'risk') continue
      for (const target of imports) if (top(target) === 'risk' && target !== 'risk/index.ts') wrong.push(`${file} → ${target}`)
    }
    expect(wrong).toEqual([])
  })

  it('no import cycle between files', () => {
    // Tarjan's strongly connected components over the production files.
    const nodes = files.filter((f) => !f.endsWith('.test.ts'))
    const index = new Map<string, number>()
    const low = new Map<string, number>()
    const stack: string[] = []
    const onStack = new Set<string>()
    const cycles: string[][] = []
    let next = 0
    const visit = (v: string) => {
      index.set(v, next)
      low.set(v, next++)
      stack.push(v)
      onStack.add(v)
      for (const w of graph.get(v) ?? []) {
        if (!graph.has(w) || w.endsWith('.test.ts')) continue
        if (!index.has(w)) {
          visit(w)
          low.set(v, Math.min(low.get(v)!, low.get(w)!))
        } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!))
      }
      if (low.get(v) === index.get(v)) {
        const scc: string[] = []
        for (;;) {
          const w = stack.pop()!
          onStack.delete(w)
          scc.push(w)
          if (w === v) break
        }
        if (scc.length > 1) cycles.push(scc.sort())
      }
    }
    for (const v of nodes) if (!index.has(v)) visit(v)
    expect(cycles).toEqual([])
  })

  it('reads the imports it checks', () => {
    // A guard on the guard: the parser sees this project's imports.
    expect(graph.get('app/cli.ts')!.length).toBeGreaterThan(5)
    expect(files.filter((f) => top(f) === 'risk').length).toBeGreaterThan(10)
  })
})

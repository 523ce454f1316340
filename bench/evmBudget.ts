/**
 * Cost of the budgeted EVM (execution/workBudget.ts) against the plain one, measured in the same
 * run: Mgas/s on loops, median of alternating runs, and how long a 1 ms timer waits at most
 * while each runs (the plain EVM holds the event loop for the whole call).
 *
 *   node --import tsx bench/evmBudget.ts [--gas N] [--reps N]
 *
 * Prints one JSON line per loop: {loop, gas, plainMgasPerS, budgetedMgasPerS, overheadPct,
 * plainMaxTimerGapMs, budgetedMaxTimerGapMs, budgetedP99TimerGapMs}.
 */

import type { EVM } from '@ethereumjs/evm'
import { MerkleStateManager } from '@ethereumjs/statemanager'
import { Account, createAddressFromString, hexToBytes } from '@ethereumjs/util'
import { BlockHashes } from '../execution/blockHashes.ts'
import { createChainEvm } from '../execution/chainVm.ts'
import { createChainCommon } from '../execution/common.ts'
import { WorkBudget } from '../execution/workBudget.ts'

const argv = process.argv.slice(2)
const flag = (name: string, dflt: number) => {
  const k = argv.indexOf(`--${name}`)
  return k >= 0 ? Number(argv[k + 1]) : dflt
}
const GAS = BigInt(flag('gas', 5_000_000))
const REPS = flag('reps', 9)

const LOOPS: Record<string, string> = {
  // JUMPDEST PUSH1 0 JUMP: a jump every 3 ops, 12 gas.
  tight: '0x5b600056',
  // 1,000 JUMPDESTs then PUSH0 JUMP: 1 gas per op, a jump every 1,002 ops.
  jumpdests: `0x${'5b'.repeat(1000)}5f56`,
  // A counter: PUSH0, then JUMPDEST PUSH1 1 ADD PUSH1 1 JUMP.
  counter: '0x5f5b600101600156',
}

const common = createChainCommon(1n)
const caller = createAddressFromString(`0x${'11'.repeat(20)}`)
const to = createAddressFromString(`0x${'22'.repeat(20)}`)

async function timeRun(evm: EVM): Promise<{ s: number; maxGapMs: number; gaps: number[] }> {
  let last = performance.now()
  let maxGapMs = 0
  const gaps: number[] = []
  const timer = setInterval(() => {
    const now = performance.now()
    gaps.push(now - last)
    maxGapMs = Math.max(maxGapMs, now - last)
    last = now
  }, 1)
  const t = performance.now()
  last = t
  await evm.runCall({ to, caller, gasLimit: GAS })
  const s = (performance.now() - t) / 1000
  clearInterval(timer)
  maxGapMs = Math.max(maxGapMs, performance.now() - last)
  return { s, maxGapMs, gaps }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

for (const [loop, code] of Object.entries(LOOPS)) {
  const state = new MerkleStateManager({ common })
  await state.putAccount(to, new Account(1n, 0n))
  await state.putCode(to, hexToBytes(code as `0x${string}`))
  const opts = { common, state, blockHashes: new BlockHashes(), precompiles: [] }
  const plain = await createChainEvm(opts)
  const budgeted = await createChainEvm({ ...opts, budget: new WorkBudget() })
  const runs = { plain: [] as number[], budgeted: [] as number[] }
  const gaps = { plain: 0, budgeted: 0 }
  const budgetedGaps: number[] = []
  await timeRun(plain)
  await timeRun(budgeted)
  for (let i = 0; i < REPS; i++) {
    for (const [name, evm] of [
      ['plain', plain],
      ['budgeted', budgeted],
    ] as const) {
      const r = await timeRun(evm)
      runs[name].push(Number(GAS) / 1e6 / r.s)
      gaps[name] = Math.max(gaps[name], r.maxGapMs)
      if (name === 'budgeted') budgetedGaps.push(...r.gaps)
    }
  }
  const p = median(runs.plain)
  const b = median(runs.budgeted)
  console.log(
    JSON.stringify({
      loop,
      gas: Number(GAS),
      plainMgasPerS: +p.toFixed(1),
      budgetedMgasPerS: +b.toFixed(1),
      overheadPct: +((p / b - 1) * 100).toFixed(1),
      plainMaxTimerGapMs: +gaps.plain.toFixed(0),
      budgetedMaxTimerGapMs: +gaps.budgeted.toFixed(0),
      budgetedP99TimerGapMs: +[...budgetedGaps].sort((x, y) => x - y)[Math.floor(budgetedGaps.length * 0.99)].toFixed(1),
    }),
  )
}

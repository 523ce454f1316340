/**
 * Risk-kernel benchmark (issue 3): 100,000 accounts × 10 positions over 200 instruments on ETH
 * and BTC, the full scenario set; one full re-margin after a price move (risk arrays rebuilt +
 * every account margined), median of 5, against the naive baseline (full revaluation of every
 * position under every scenario) timed in the same run on a sample of accounts and scaled.
 *
 *   npm run bench:kernel -- --json [--accounts N] [--threads N] [--sample N]
 *
 * Prints one JSON line {accounts, positions, scenarios, ms, baselineMs, ratio}; without --json
 * also a human-readable breakdown on stderr.
 */
import { availableParallelism } from 'node:os'
import {
  type BookEntry,
  buildMarketState,
  createMarginOutputs,
  createMarginPool,
  createRandom,
  devRiskParams,
  fromArrays,
  type Instrument,
  type Market,
  marginAccounts,
  naiveMargin,
} from '../risk/index.ts'

const argv = process.argv.slice(2)
const flag = (name: string, dflt: number) => {
  const k = argv.indexOf(`--${name}`)
  return k >= 0 ? Number(argv[k + 1]) : dflt
}
const json = argv.includes('--json')
const ACCOUNTS = flag('accounts', 100_000)
const POSITIONS = 10
const INSTRUMENTS = 200
const THREADS = flag('threads', availableParallelism())
const SAMPLE = flag('sample', 1000)
const REPS = 5
const NOW = 1_767_225_600
const log = (msg: string) => {
  if (!json) process.stderr.write(`${msg}\n`)
}

// 2 perps + 198 options: up to 13 strikes × 4 expiries × call/put per underlying.
const instruments: Instrument[] = [
  { id: 1, name: 'ETH-PERP', type: 'perp', underlying: 'ETH' },
  { id: 2, name: 'BTC-PERP', type: 'perp', underlying: 'BTC' },
]
for (const [underlying, spot] of [
  ['ETH', 3000],
  ['BTC', 60000],
] as const) {
  for (const days of [7, 30, 90, 180]) {
    for (let k = 0; k < 13; k++) {
      for (const kind of ['call', 'put'] as const) {
        if (instruments.length >= (underlying === 'ETH' ? 101 : INSTRUMENTS)) continue
        const strike = Math.round(spot * (0.7 + 0.05 * k))
        instruments.push({
          id: instruments.length + 1,
          name: `${underlying}-${days}d-${strike}-${kind}`,
          type: 'option',
          underlying,
          strike,
          expiry: NOW + days * 86400,
          kind,
        })
      }
    }
  }
}
if (instruments.length !== INSTRUMENTS) throw new Error(`built ${instruments.length} instruments`)
const marketAt = (eth: number, btc: number): Market => ({
  underlyings: [
    { id: 1, symbol: 'ETH', price: eth, vol: 0.6 },
    { id: 2, symbol: 'BTC', price: btc, vol: 0.5 },
  ],
  assets: [],
  instruments,
})

// Accounts: 10 distinct instruments each (sorted: the book's canonical order), seeded sizes.
const rng = createRandom(42)
const offsets = new Int32Array(ACCOUNTS + 1)
const items = new Int32Array(ACCOUNTS * POSITIONS)
const sizes = new Float64Array(ACCOUNTS * POSITIONS)
const entryCost = new Float64Array(ACCOUNTS)
const pick = new Int32Array(POSITIONS)
for (let a = 0; a < ACCOUNTS; a++) {
  offsets[a] = a * POSITIONS
  let n = 0
  while (n < POSITIONS) {
    const i = rng.nextUint32() % INSTRUMENTS
    let dup = false
    for (let k = 0; k < n; k++) dup ||= pick[k] === i
    if (!dup) pick[n++] = i
  }
  pick.sort()
  for (let k = 0; k < POSITIONS; k++) {
    const p = a * POSITIONS + k
    items[p] = pick[k]
    sizes[p] = Math.round((rng.nextUnit() - 0.5) * 2000) / 100 || 1
    if (pick[k] < 2) entryCost[a] += sizes[p] * (pick[k] === 0 ? 2950 : 61000)
  }
}
offsets[ACCOUNTS] = ACCOUNTS * POSITIONS

const state0 = buildMarketState(marketAt(3000, 60000), devRiskParams, NOW)
const book = fromArrays({ offsets, items, sizes, entryCost }, state0)
const pool = await createMarginPool(book, { threads: THREADS })
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]

// Warm up the JIT in every thread, then time REPS price moves.
for (let w = 0; w < 3; w++) await pool.remargin(buildMarketState(marketAt(2990 + w, 60100), devRiskParams, NOW))
const times: number[] = []
const arrayTimes: number[] = []
let state = state0
for (let r = 0; r < REPS; r++) {
  const t0 = performance.now()
  const move = 0.002 * (r + 1)
  state = buildMarketState(marketAt(3000 * (1 + move), 60000 * (1 - move)), devRiskParams, NOW)
  const t1 = performance.now()
  await pool.remargin(state)
  const t2 = performance.now()
  times.push(t2 - t0)
  arrayTimes.push(t1 - t0)
}
const ms = median(times)

// Same figures single-threaded (bit-identical), and its time for the record.
const single = createMarginOutputs(ACCOUNTS)
const singleTimes: number[] = []
const singleCpu: number[] = []
for (let r = 0; r < 3; r++) {
  const c0 = process.cpuUsage()
  const t0 = performance.now()
  marginAccounts(state, book, single)
  singleTimes.push(performance.now() - t0)
  const c = process.cpuUsage(c0)
  singleCpu.push((c.user + c.system) / 1000)
}
for (let a = 0; a < ACCOUNTS; a++) {
  if (!Object.is(single.maintenanceMargin[a], pool.out.maintenanceMargin[a])) {
    throw new Error(`pool and single-thread results differ at account ${a}`)
  }
}
await pool.close()

// Naive baseline on every (ACCOUNTS / SAMPLE)-th account, scaled to all accounts.
const stride = Math.max(1, Math.floor(ACCOUNTS / SAMPLE))
const sample: BookEntry[][] = []
for (let a = 0; a < ACCOUNTS; a += stride) {
  const entries: BookEntry[] = []
  for (let p = offsets[a]; p < offsets[a + 1]; p++) {
    entries.push({ item: items[p], size: sizes[p], entryPrice: items[p] === 0 ? 2950 : 61000 })
  }
  sample.push(entries)
}
naiveMargin(state, sample[0]) // warm-up
const tb = performance.now()
let maxDiff = 0
sample.forEach((entries, k) => {
  const ref = naiveMargin(state, entries)
  maxDiff = Math.max(maxDiff, Math.abs(ref.maintenanceMargin - single.maintenanceMargin[k * stride]))
})
const baselineMs = ((performance.now() - tb) * ACCOUNTS) / sample.length
if (maxDiff > 1e-6) throw new Error(`naive baseline disagrees with the kernel by ${maxDiff}`)

const fmt = (xs: number[]) => xs.map((t) => t.toFixed(1)).join(' ')
log(`threads ${pool.threads}; re-margin ms (risk arrays + accounts): ${fmt(times)}`)
log(`of which risk arrays ms: ${fmt(arrayTimes)}; single-thread accounts ms: ${fmt(singleTimes)}`)
log(`single-thread accounts CPU ms (less sensitive to other load): ${fmt(singleCpu)}`)
log(`naive baseline: ${sample.length} accounts sampled, max |MM diff| ${maxDiff.toExponential(2)}`)
process.stdout.write(
  `${JSON.stringify({
    accounts: ACCOUNTS,
    positions: ACCOUNTS * POSITIONS,
    scenarios: state.scenarioCount,
    ms: Number(ms.toFixed(2)),
    baselineMs: Number(baselineMs.toFixed(1)),
    ratio: Number((baselineMs / ms).toFixed(1)),
  })}\n`,
)

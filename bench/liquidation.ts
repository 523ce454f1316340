/**
 * `npm run bench:liquidation`: the end-of-block liquidation path after a crash, four JSON lines.
 *
 * 100,000 accounts of the dev market (1-4 positions on ETH/BTC perps and options, WETH/WBTC
 * collateral, a USDC balance that may be a borrowing) in the margin mirror, all within their IM
 * at ETH 3,000 / BTC 60,000. USDC balances are calibrated per account (E and MM are linear in
 * USDC) so that about `--target` (5%) of them fall below MM after ETH and BTC both drop by
 * `--crash` (10%). Then, timed:
 *
 * 1. `remargin`: the mirror's re-margin at the crashed prices and its list of unhealthy accounts;
 *    baseline in the same run: naiveMargin (full revaluation) on a sample, scaled to all accounts.
 * 2. `plan`: planLiquidation for every unhealthy account (holdings → entries included), median of 3.
 * 3. `apply`: applyLiquidationPlan, the result written back as wad holdings, and the mirror's
 *    re-margin of the accounts that changed.
 * 4. `block`: the three phases together.
 *
 * Options: `--accounts N` (100000), `--crash X` (0.10), `--target X` (0.05), `--sample N` (2000).
 */
import { parseArgs } from 'node:util'
import type { Hex } from 'viem'
import { holdingsToEntries } from '../execution/margin/accountMargin.ts'
import { MarginMirror } from '../execution/margin/marginMirror.ts'
import { marketAt } from '../execution/margin/marketAt.ts'
import type { PriceFeed } from '../execution/oracle/types.ts'
import { type BookEntry, createAccountBook } from '../execution/risk/accountBook.ts'
import { type LiquidationPlan, applyLiquidationPlan, planLiquidation } from '../execution/risk/liquidation.ts'
import { createMarginOutputs, marginAccounts } from '../execution/risk/marginAccounts.ts'
import { type MarketState } from '../execution/risk/marketState.ts'
import { naiveMargin } from '../execution/risk/naiveMargin.ts'
import { createRandom } from '../execution/risk/random.ts'
import { devGenesis } from '../genesis/dev.ts'
import { numberToWad } from '../lib/fixed.ts'
import type { Holdings } from '../state/umaStore.ts'

const { values } = parseArgs({
  options: {
    accounts: { type: 'string', default: '100000' },
    crash: { type: 'string', default: '0.10' },
    target: { type: 'string', default: '0.05' },
    sample: { type: 'string', default: '2000' },
  },
})
const ACCOUNTS = Number(values.accounts)
const CRASH = Number(values.crash)
const TARGET = Number(values.target)
const SAMPLE = Math.min(Number(values.sample), ACCOUNTS)
const NOW = 1_767_225_600n
const config = devGenesis().margin!.config
const params = config.riskParams
const ms = (t0: number) => Number((performance.now() - t0).toFixed(1))
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

const feeds = (move: number): Map<number, PriceFeed> =>
  new Map(
    config.market.underlyings.map((u) => {
      const price = ['ETH', 'BTC'].includes(u.symbol) ? u.price * (1 + move) : u.price
      const wad = (x: number) => BigInt(Math.round(x * 1e6)) * 10n ** 12n
      return [u.id, { underlyingId: u.id, priceWad: wad(price), volWad: wad(u.vol), timestamp: NOW }]
    }),
  )
const base = marketAt(config, feeds(0), NOW).state
const crash = marketAt(config, feeds(-CRASH), NOW).state
const USDC = base.itemByAssetId.get(1)!
const WETH = base.itemByAssetId.get(2)!
const WBTC = base.itemByAssetId.get(3)!
const BTC = base.underlyingBySymbol.get('BTC')!
const traded = base.items.flatMap((it, i) => (it.type === 'asset' ? [] : [i]))

// Portfolios without USDC, seeded.
const rng = createRandom(6)
const unit = () => rng.nextUnit()
const portfolios: BookEntry[][] = []
for (let a = 0; a < ACCOUNTS; a++) {
  const entries: BookEntry[] = []
  const n = 1 + (rng.nextUint32() % 4)
  for (let k = 0; k < n; k++) {
    const item = traded[rng.nextUint32() % traded.length]
    const btc = base.itemUnderlying[item] === BTC
    const size = (Math.round((0.5 + 19.5 * unit()) * 100) / 100) * (unit() < 0.5 ? -1 : 1) * (btc ? 0.05 : 1)
    const perp = base.items[item].type === 'perp'
    const entryPrice = perp ? Math.round(base.itemMark[item] * (0.98 + 0.04 * unit())) : undefined
    entries.push({ item, size: Math.round(size * 1e4) / 1e4, entryPrice })
  }
  if (unit() < 0.5) entries.push({ item: WETH, size: Math.round(1 + 19 * unit()) })
  if (unit() < 0.2) entries.push({ item: WBTC, size: Math.round(10 * (0.1 + 0.9 * unit())) / 10 })
  portfolios.push(entries)
}

// Calibration: with USDC balance u, E(u) = E + u and MM(u) = MM + haircut × max(0, u), so the
// u that gives E = k × MM is closed-form. `need0` keeps E ≥ IM (1.3 × MM) before the crash,
// `need1` is where E = MM after it; accounts between the two are liquidated by the crash.
function needs(state: MarketState, k: number): Float64Array {
  const book = createAccountBook(portfolios, state)
  const out = createMarginOutputs(ACCOUNTS)
  marginAccounts(state, book, out)
  const h = params.haircut.USDC ?? 0
  const u = new Float64Array(ACCOUNTS)
  for (let a = 0; a < ACCOUNTS; a++) {
    const x = k * out.maintenanceMargin[a] - out.equity[a]
    u[a] = x <= 0 ? x : x / (1 - h * k)
  }
  return u
}
const need0 = needs(base, params.imMultiplier)
const need1 = needs(crash, 1)
let eligible = 0
for (let a = 0; a < ACCOUNTS; a++) if (need1[a] > need0[a] + 1) eligible++
const pickShare = Math.min(1, TARGET / (eligible / ACCOUNTS))
const accounts: [Hex, Holdings][] = []
let positions = 0
for (let a = 0; a < ACCOUNTS; a++) {
  const lo = need0[a]
  const hi = need1[a]
  const doomed = hi > lo + 1 && unit() < pickShare
  const top = Math.max(lo, hi)
  const usdc = doomed ? lo + (hi - lo) * (0.1 + 0.8 * unit()) : top + Math.abs(top) * (0.05 + unit()) + 500
  const entries = [...portfolios[a], { item: USDC, size: Math.round(usdc * 100) / 100 }]
  positions += entries.length
  accounts.push([`0x${(a + 1).toString(16).padStart(40, '0')}`, toHoldings(entries)])
}

function toHoldings(entries: BookEntry[]): Holdings {
  const h: Holdings = { balances: [], positions: [] }
  for (const e of entries) {
    if (e.size === 0) continue
    const item = base.items[e.item]
    if (item.type === 'asset') h.balances.push({ assetId: item.id, amount: numberToWad(e.size) })
    else h.positions.push({ instrumentId: item.id, size: numberToWad(e.size), entryPrice: numberToWad(e.entryPrice ?? 0) })
  }
  return h
}

const mirror = await MarginMirror.fromHoldings(accounts)
mirror.remargin(base)
const unhealthyBefore = mirror.unhealthy().length

// 1. The block's re-margin at the crashed prices.
let t0 = performance.now()
const recomputed = mirror.remargin(crash)
const unhealthy = mirror.unhealthy()
const remarginMs = ms(t0)
const step = Math.max(1, Math.floor(ACCOUNTS / SAMPLE))
let sampled = 0
t0 = performance.now()
for (let a = 0; a < ACCOUNTS; a += step, sampled++) naiveMargin(crash, holdingsToEntries(accounts[a][1], crash))
const naiveMs = Number((((performance.now() - t0) * ACCOUNTS) / sampled).toFixed(1))
console.log(
  JSON.stringify({
    bench: 'liquidation',
    what: 'remargin',
    accounts: ACCOUNTS,
    positions,
    crash: CRASH,
    unhealthyBefore,
    recomputed,
    unhealthy: unhealthy.length,
    unhealthyShare: Number((unhealthy.length / ACCOUNTS).toFixed(4)),
    ms: remarginMs,
    baseline: { what: 'naiveMargin (full revaluation), sampled and scaled', sample: sampled, ms: naiveMs },
  }),
)

// 2. Planning, every unhealthy account (median of 3 runs; the plans are identical).
let plans: LiquidationPlan[] = []
const planTimes: number[] = []
const entriesOf: BookEntry[][] = []
for (let r = 0; r < 3; r++) {
  t0 = performance.now()
  const out: LiquidationPlan[] = []
  for (let k = 0; k < unhealthy.length; k++) {
    const entries = holdingsToEntries(mirror.holdingsOf(unhealthy[k].account)!, crash)
    entriesOf[k] = entries
    out.push(planLiquidation(crash, entries, USDC))
  }
  planTimes.push(performance.now() - t0)
  plans = out
}
const planMs = Number(median(planTimes).toFixed(1))
let closures = 0
let partial = 0
let repays = 0
let fallbacks = 0
let fallbackClosures = 0
let restored = 0
let badDebts = 0
let badDebtUsd = 0
let penaltyUsd = 0
plans.forEach((p, k) => {
  closures += p.closures.length
  if (p.closures.length > p.greedyCount) fallbacks++
  fallbackClosures += p.closures.length - p.greedyCount
  for (const c of p.closures) {
    penaltyUsd += c.penalty
    if (c.kind === 'repay') repays++
  }
  const last = p.closures[p.greedyCount - 1]
  if (last?.kind === 'position' && p.closures.length === p.greedyCount) {
    const held = entriesOf[k].find((e) => e.item === last.item)?.size
    if (held !== undefined && last.size !== held) partial++
  }
  if (p.restored) restored++
  if (p.badDebt > 0) {
    badDebts++
    badDebtUsd += p.badDebt
  }
})
console.log(
  JSON.stringify({
    bench: 'liquidation',
    what: 'plan',
    liquidated: plans.length,
    restored,
    fullyClosedByFallback: fallbacks,
    badDebts,
    badDebtUsd: Number(badDebtUsd.toFixed(2)),
    closures,
    partialPositionClosures: partial,
    repays,
    fallbackClosures,
    penaltyUsd: Number(penaltyUsd.toFixed(2)),
    ms: planMs,
    usPerAccount: Number(((planMs * 1000) / Math.max(1, plans.length)).toFixed(1)),
  }),
)

// 3. Apply: new holdings (wad), written to the mirror, re-margin of the changed accounts.
t0 = performance.now()
const put = (mirror as unknown as { put(a: Hex, h: Holdings): Promise<void> }).put.bind(mirror)
for (let k = 0; k < plans.length; k++) {
  const after = applyLiquidationPlan(crash, entriesOf[k], plans[k], USDC)
  await put(unhealthy[k].account, toHoldings(after))
}
const applyMs = ms(t0)
t0 = performance.now()
const recomputedAfter = mirror.remargin(crash)
const remarginAfterMs = ms(t0)
const stillUnhealthy = mirror.unhealthy().length
console.log(
  JSON.stringify({
    bench: 'liquidation',
    what: 'apply',
    accounts: plans.length,
    applyMs,
    remarginMs: remarginAfterMs,
    recomputed: recomputedAfter,
    unhealthyAfter: stillUnhealthy,
    note: 'remarginMs includes the mirror rebuilding its whole book (it does so whenever an account is dirty)',
  }),
)
console.log(
  JSON.stringify({
    bench: 'liquidation',
    what: 'block',
    accounts: ACCOUNTS,
    liquidated: plans.length,
    ms: Number((remarginMs + planMs + applyMs + remarginAfterMs).toFixed(1)),
    phases: { remargin: remarginMs, plan: planMs, apply: applyMs, remarginAfter: remarginAfterMs },
  }),
)

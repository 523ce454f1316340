/**
 * `npm run bench:liquidation`: the node's end-of-block path after a crash, three JSON lines.
 *
 * `--accounts` accounts of the dev market (1-4 positions on ETH/BTC perps and options, WETH/WBTC
 * collateral, a USDC balance that may be a borrowing), all within their IM at ETH 3,000 / BTC
 * 60,000, written into an in-memory `MerkleStateManager` through `UmaStore` (after the Margin
 * precompile account with nonce 1 and the insurance fund with 100,000 USDC), then
 * `MarginMirror.load(state)` and a re-margin at the pre-crash prices (the previous block). USDC
 * balances are calibrated per account (E and MM are linear in USDC) so that about `--target`
 * (5%) of them fall below MM after ETH and BTC both drop by `--crash` (10%). Setup is off the
 * clock. Then, timed, what `MarginSystem.endOfBlock` runs after the block's transactions:
 *
 * 1. `remargin`: `marketAt` at the crashed prices (risk arrays) + `mirror.remargin` (the block's
 *    kernel, incremental); baseline in the same run: naiveMargin (full revaluation) on a sample,
 *    scaled to all accounts.
 * 2. `liquidate`: `liquidateUnhealthy(state, mirror, priced, config)` inside a checkpoint: plans
 *    every unhealthy account, writes the closures to state (trades with the fund, penalties, bad
 *    debt), re-reads the touched accounts and re-margins them (`mirror`: those two
 *    calls, `refreshMs` reading state and `remarginMs` the book update and kernel).
 * 3. `block`: both together, with the counts; with `--commit`, also `stateCommit`: the block's
 *    writes flushed into the trie and the state root computed.
 *
 * Options: `--accounts N` (100000), `--crash X` (0.10), `--target X` (0.05), `--sample N` (2000),
 * `--commit`.
 *
 * Without `--commit` the accounts stay in the state manager's cache (a warm node's view): the
 * trie flush costs ~0.4 ms per storage slot in @ethereumjs/mpt (every put re-hashes its path), so
 * flushing 100,000 accounts' ~2 million slots at setup would take hours. `--commit` measures the
 * flush of the liquidations' writes; use it with `--accounts 5000`.
 */
import { parseArgs } from 'node:util'
import { Account, createAddressFromString, MapDB } from '@ethereumjs/util'
import type { Hex } from 'viem'
import { createChainCommon } from '../execution/common.ts'
import { holdingsToEntries } from '../execution/margin/accountMargin.ts'
import { liquidateUnhealthy } from '../execution/margin/liquidate.ts'
import { MarginMirror } from '../execution/margin/marginMirror.ts'
import { marketAt } from '../execution/margin/marketAt.ts'
import { devGenesis } from '../genesis/dev.ts'
import { numberToWad, WAD } from '../lib/fixed.ts'
import {
  type BookEntry,
  createAccountBook,
  createMarginOutputs,
  createRandom,
  type MarketState,
  marginAccounts,
  naiveMargin,
} from '../risk/index.ts'
import { openStateManager } from '../state/stateManager.ts'
import { INSURANCE_FUND_ADDRESS, MARGIN_ADDRESS } from '../state/system/addresses.ts'
import type { PriceFeed } from '../state/system/priceFeed.ts'
import { type Holdings, UmaStore } from '../state/system/umaStore.ts'

const { values } = parseArgs({
  options: {
    accounts: { type: 'string', default: '100000' },
    commit: { type: 'boolean', default: false },
    crash: { type: 'string', default: '0.10' },
    target: { type: 'string', default: '0.05' },
    sample: { type: 'string', default: '2000' },
  },
})
const ACCOUNTS = Number(values.accounts)
const COMMIT = values.commit === true
const CRASH = Number(values.crash)
const TARGET = Number(values.target)
const SAMPLE = Math.min(Number(values.sample), ACCOUNTS)
const NOW = 1_767_225_600n
const config = devGenesis().margin!.config
// A copy for the calibration: marketAt caches by config object, so the timed call below prices
// the crashed market itself instead of finding the calibration's result.
const calibration = { ...config }
const params = config.riskParams
const ms = (t0: number) => Number((performance.now() - t0).toFixed(1))

const feeds = (move: number): Map<number, PriceFeed> =>
  new Map(
    config.market.underlyings.map((u) => {
      const price = ['ETH', 'BTC'].includes(u.symbol) ? u.price * (1 + move) : u.price
      const wad = (x: number) => BigInt(Math.round(x * 1e6)) * 10n ** 12n
      return [u.id, { underlyingId: u.id, priceWad: wad(price), volWad: wad(u.vol), timestamp: NOW }]
    }),
  )
const base = marketAt(calibration, feeds(0), NOW).state
const crash = marketAt(calibration, feeds(-CRASH), NOW).state
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
    let item = traded[rng.nextUint32() % traded.length]
    // One position per instrument (state keeps one per account): draw again on a repeat.
    while (entries.some((e) => e.item === item)) item = traded[rng.nextUint32() % traded.length]
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

// Setup, off the clock: the accounts in the trie, the mirror loaded and margined at the
// pre-crash prices (the state the previous block left).
let t0 = performance.now()
// As the node's block producer opens it (state/stateManager.ts): caches on, one flush per block.
const state = await openStateManager(new MapDB(), { common: createChainCommon(31338n), caches: true })
await state.putAccount(createAddressFromString(MARGIN_ADDRESS), new Account(1n, 0n))
const store = new UmaStore(state)
await store.setBalance(INSURANCE_FUND_ADDRESS, 1, 100_000n * WAD)
for (const [account, h] of accounts) {
  for (const b of h.balances) await store.setBalance(account, b.assetId, b.amount)
  for (const p of h.positions) await store.setPosition(account, p.instrumentId, p.size, p.entryPrice)
}
// Flushed into the trie only with --commit (slow: see the header); else the accounts stay in the
// state cache, as a warm node holds the accounts it serves.
if (COMMIT) await state.getStateRoot()
const writeMs = ms(t0)
t0 = performance.now()
const mirror = await MarginMirror.load(state)
const loadMs = ms(t0)
mirror.remargin(marketAt(config, feeds(0), NOW).state)
const unhealthyBefore = mirror.unhealthy().length

// 1. The block's kernel at the crashed prices.
t0 = performance.now()
const priced = marketAt(config, feeds(-CRASH), NOW)
const marketMs = ms(t0)
t0 = performance.now()
const recomputed = mirror.remargin(priced.state)
const remarginMs = ms(t0)
const unhealthy = mirror.unhealthy().length
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
    setup: { writeStateMs: writeMs, mirrorLoadMs: loadMs },
    unhealthyBefore,
    recomputed,
    unhealthy,
    unhealthyShare: Number((unhealthy / ACCOUNTS).toFixed(4)),
    ms: Number((marketMs + remarginMs).toFixed(1)),
    phases: { marketAt: marketMs, remargin: remarginMs },
    baseline: { what: 'naiveMargin (full revaluation), sampled and scaled', sample: sampled, ms: naiveMs },
  }),
)

// 2. liquidateUnhealthy: plan, write to state, re-margin what it touched. The mirror's share
// (re-reading the touched accounts, re-margining them) is timed by wrapping its two calls.
let refreshMs = 0
let remarginAfterMs = 0
let recomputedAfter = 0
const refresh = mirror.refresh.bind(mirror)
const remargin = mirror.remargin.bind(mirror)
mirror.refresh = async (s, touched) => {
  const t = performance.now()
  await refresh(s, touched)
  refreshMs += performance.now() - t
}
mirror.remargin = (s) => {
  const t = performance.now()
  recomputedAfter = remargin(s)
  remarginAfterMs += performance.now() - t
  return recomputedAfter
}
await state.checkpoint() // the block's
t0 = performance.now()
const pass = await liquidateUnhealthy(state, mirror, priced, config)
const liquidateMs = ms(t0)
let closures = 0
let badDebts = 0
let badDebtUsd = 0n
let penaltyUsd = 0n
for (const l of pass.liquidated) {
  closures += l.closures.length
  for (const c of l.closures) penaltyUsd += c.penalty
  if (l.badDebt > 0n) {
    badDebts++
    badDebtUsd += l.badDebt
  }
}
// 3. The block's commit: its state writes (the liquidations') flushed into the trie and the root.
let commitMs: number | undefined
if (COMMIT) {
  t0 = performance.now()
  await state.commit()
  await state.getStateRoot()
  commitMs = ms(t0)
}
const stillUnhealthy = mirror.unhealthy().filter((h) => h.account !== INSURANCE_FUND_ADDRESS).length
const usd = (wad: bigint) => Number((Number(wad / 10n ** 14n) / 1e4).toFixed(2))
console.log(
  JSON.stringify({
    bench: 'liquidation',
    what: 'liquidate',
    unhealthy,
    liquidated: pass.liquidated.length,
    waitingOnStalePrice: pass.waitingOnStalePrice.length,
    closures,
    badDebts,
    badDebtUsd: usd(badDebtUsd),
    penaltyUsd: usd(penaltyUsd),
    logs: pass.logs.length,
    unhealthyAfter: stillUnhealthy,
    recomputedAfter,
    ms: liquidateMs,
    mirror: { refreshMs: Number(refreshMs.toFixed(1)), remarginMs: Number(remarginAfterMs.toFixed(1)) },
    usPerAccount: Number(((liquidateMs * 1000) / Math.max(1, pass.liquidated.length)).toFixed(1)),
  }),
)
console.log(
  JSON.stringify({
    bench: 'liquidation',
    what: 'block',
    accounts: ACCOUNTS,
    liquidated: pass.liquidated.length,
    closures,
    badDebts,
    ms: Number((marketMs + remarginMs + liquidateMs + (commitMs ?? 0)).toFixed(1)),
    phases: { marketAt: marketMs, remargin: remarginMs, liquidate: liquidateMs, stateCommit: commitMs },
  }),
)

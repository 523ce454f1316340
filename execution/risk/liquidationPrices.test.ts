import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { DEV_EXPIRY_1, devMarket, devRiskParams } from '../../genesis/devMarket.ts'
import { liquidationPrices, type LiquidationPrice } from './liquidationPrices.ts'
import { marginPortfolio } from './marginPortfolio.ts'
import { buildMarketState } from './marketState.ts'
import { type PortfolioInput, resolvePortfolio, toBookEntries } from './portfolio.ts'
import type { Market, RiskParams } from './types.ts'

const T0 = 1_767_225_600 // 2026-01-01T00:00:00Z
const noEs: RiskParams = { ...devRiskParams, es: { ...devRiskParams.es, enabled: false } }
const in45d = T0 + 45 * 86400

/** SPEC section 6's worked example (as in marginPortfolio.test.ts). */
const workedExample = {
  balances: [
    { asset: 'USDC', amount: '100000' },
    { asset: 'WETH', amount: '5' },
  ],
  positions: [
    { instrument: { type: 'option', underlying: 'ETH', strike: 3000, expiry: in45d, kind: 'call' }, size: '10' },
    { instrument: { type: 'option', underlying: 'ETH', strike: 2600, expiry: in45d, kind: 'put' }, size: '-5' },
    { instrument: 'ETH-PERP', size: '-4', entryPrice: '2950' },
  ],
}

/** The search as the node runs it: on the full market, from the portfolio's book entries. */
function search(portfolio: PortfolioInput, now = T0, params = noEs, market = devMarket): LiquidationPrice[] {
  const resolved = resolvePortfolio(portfolio, market)
  const state = buildMarketState(resolved.market, params, now)
  return liquidationPrices(state, toBookEntries(resolved, state))
}

/**
 * The brute-force reference: `liquidatable` from the ordinary report path (resolve, price the
 * whole market with one underlying moved, margin the portfolio) at any spot of `underlying`.
 * The market holds only the portfolio's instruments, so a scan of thousands of prices is quick;
 * the search runs on the full market.
 */
function reference(portfolio: PortfolioInput, now = T0, params = noEs) {
  const resolved = resolvePortfolio(portfolio, devMarket)
  const held = new Set(resolved.positions.map((p) => p.instrumentId))
  const market: Market = { ...resolved.market, instruments: resolved.market.instruments.filter((i) => held.has(i.id)) }
  return (underlying: string, spot: number): boolean => {
    const moved = { ...market, underlyings: market.underlyings.map((u) => (u.symbol === underlying ? { ...u, price: spot } : u)) }
    const state = buildMarketState(moved, params, now)
    return marginPortfolio(state, toBookEntries(resolved, state)).liquidatable
  }
}

/** Scan points strictly between today's spot and 0 / 10·S: steps of 0.2% down, ×1.002 up. */
function grid(spot: number): { down: number[]; up: number[] } {
  const down: number[] = []
  for (let k = 1; k < 500; k++) down.push(spot * (1 - k * 0.002))
  down.push(spot * 1e-6)
  const up: number[] = []
  for (let x = spot * 1.002; x < 10 * spot; x *= 1.002) up.push(x)
  up.push(10 * spot)
  return { down, up }
}

/**
 * Holds one side's answer against the brute-force scan: with a price P, P is past a change of
 * `liquidatable`, half a cent before it is not, and no scan point between today's spot and P
 * has changed; with null, no scan point has.
 */
function checkSide(ref: (s: number) => boolean, spot: number, found: number | null, scan: number[], dir: -1 | 1) {
  const today = ref(spot)
  if (found === null) {
    const first = scan.find((x) => ref(x) !== today)
    expect(first, `brute force finds a crossing at ${first} (${dir < 0 ? 'down' : 'up'})`).toBeUndefined()
    return
  }
  expect(dir < 0 ? found < spot && found > 0 : found > spot && found <= 10 * spot).toBe(true)
  expect(ref(found)).toBe(!today)
  const tol = 0.005 * Math.min(1, spot)
  expect(ref(found - dir * tol)).toBe(today)
  const before = scan.filter((x) => (dir < 0 ? x > found + tol : x < found - tol))
  const early = before.find((x) => ref(x) !== today)
  expect(early, `brute force finds an earlier crossing at ${early}, search says ${found}`).toBeUndefined()
}

function checkAgainstBruteForce(portfolio: PortfolioInput, now = T0) {
  const found = search(portfolio, now)
  const ref = reference(portfolio, now)
  for (const f of found) {
    const spot = devMarket.underlyings.find((u) => u.symbol === f.underlying)!.price
    const { down, up } = grid(spot)
    checkSide((s) => ref(f.underlying, s), spot, f.down, down, -1)
    checkSide((s) => ref(f.underlying, s), spot, f.up, up, 1)
  }
  return found
}

/** The worked example of SPEC section 6 with its USDC balance and perp size replaced. */
function workedWith(usdc: string, perp: string): PortfolioInput {
  return {
    balances: [{ asset: 'USDC', amount: usdc }, workedExample.balances[1]],
    positions: [workedExample.positions[0], workedExample.positions[1], { instrument: 'ETH-PERP', size: perp, entryPrice: '2950' }],
  } as PortfolioInput
}

describe('liquidationPrices: SPEC section 6 worked example', () => {
  it('none in (0, 30,000]: 100,000 USDC and the short perp cover any ETH move', () => {
    // Down to 0: the calls and WETH go to 0, the puts cost 13,000, the perp gains 11,800;
    // up: 10 calls + 5 WETH − 4 perps are net long. Health stays > 0 all the way.
    expect(checkAgainstBruteForce(workedExample as PortfolioInput)).toEqual([{ underlying: 'ETH', down: null, up: null }])
  })

  it('without the USDC: liquidated if ETH falls to 266.37', () => {
    const [eth] = checkAgainstBruteForce(workedWith('0', '-4'))
    expect(eth.up).toBeNull()
    expect(eth.down!.toFixed(2)).toBe('266.37')
    const ref = reference(workedWith('0', '-4'))
    expect(ref('ETH', 266.36)).toBe(true)
    expect(ref('ETH', 266.38)).toBe(false)
  })

  it('short 30 perps instead of 4: liquidated if ETH rises to 8,736.92', () => {
    const [eth] = checkAgainstBruteForce(workedWith('100000', '-30'))
    expect(eth.down).toBeNull()
    expect(eth.up!.toFixed(2)).toBe('8736.92')
    const ref = reference(workedWith('100000', '-30'))
    expect(ref('ETH', 8736.91)).toBe(false)
    expect(ref('ETH', 8736.93)).toBe(true)
  })
})

describe('liquidationPrices: shape', () => {
  it('one entry per underlying touched, in underlying order; none for USDC alone or nothing', () => {
    expect(search({ balances: [{ asset: 'USDC', amount: '1000' }] })).toEqual([])
    expect(search({})).toEqual([])
    const both = search({
      balances: [{ asset: 'USDC', amount: '1000' }],
      positions: [
        { instrument: 'BTC-PERP', size: '0.1', entryPrice: '60000' },
        { instrument: 'ETH-PERP', size: '-1', entryPrice: '3000' },
      ],
    })
    expect(both.map((l) => l.underlying)).toEqual(['ETH', 'BTC'])
  })

  it('a long perp on little collateral: just under today; the same whatever the order of entries', () => {
    const p: PortfolioInput = {
      balances: [{ asset: 'USDC', amount: '5000' }],
      positions: [{ instrument: 'ETH-PERP', size: '10', entryPrice: '3000' }],
    }
    const [eth] = checkAgainstBruteForce(p)
    // E = 5,000 + 10·(S − 3,000); MM = 10·S·0.1575 (the extreme −45% at cover 0.35 beats the
    // −15% scenario) + 100 (USDC haircut) → health 0 at S = 25,100 / 8.425 = 2,979.23
    expect(eth.down!.toFixed(2)).toBe((25_100 / 8.425).toFixed(2))
    expect(eth.up).toBeNull()
    const resolved = resolvePortfolio(p, devMarket)
    const state = buildMarketState(resolved.market, noEs, T0)
    const entries = toBookEntries(resolved, state)
    expect(liquidationPrices(state, [...entries].reverse())).toEqual(liquidationPrices(state, entries))
  })

  it('an account liquidatable today: the nearest prices at which it is healthy again', () => {
    const p: PortfolioInput = {
      balances: [{ asset: 'USDC', amount: '1000' }],
      positions: [{ instrument: 'ETH-PERP', size: '10', entryPrice: '3100' }],
    }
    const [eth] = checkAgainstBruteForce(p)
    expect(eth.down).toBeNull()
    expect(eth.up).not.toBeNull()
  })
})

// ----------------------------------------------------------------------- random portfolios
const ethInstruments = devMarket.instruments.filter((i) => i.underlying === 'ETH').map((i) => i.name)
const btcInstruments = devMarket.instruments.filter((i) => i.underlying === 'BTC').map((i) => i.name)
const cents = (min: number, max: number) => fc.integer({ min: min * 100, max: max * 100 }).map((c) => String(c / 100))
const position = (names: string[], maxSize: number, entry: [number, number]) =>
  fc.record({ instrument: fc.constantFrom(...names), size: cents(-maxSize, maxSize), entryPrice: cents(...entry) })
const portfolio = fc.record({
  balances: fc.tuple(cents(-20_000, 80_000), cents(0, 20)).map(([usdc, weth]) => [
    { asset: 'USDC', amount: usdc },
    { asset: 'WETH', amount: weth },
  ]),
  positions: fc
    .tuple(
      fc.array(position(ethInstruments, 20, [2500, 3500]), { maxLength: 4 }),
      fc.array(position(btcInstruments, 1, [50_000, 70_000]), { maxLength: 2 }),
    )
    .map(([eth, btc]) => [...eth, ...btc]),
})
// Three clocks: a year before the first expiry, 3 days before it, and after it (intrinsic values).
const clock = fc.constantFrom(T0, DEV_EXPIRY_1 - 3 * 86400, DEV_EXPIRY_1 + 3600)

/**
 * Portfolios on the edge: the USDC balance set so that health today is a small cushion, which
 * puts crossings near spot and, with options of several strikes, dips of health below 0 and
 * back (a crossing the search must not stride over).
 */
const edge = fc.record({
  positions: fc.array(position(ethInstruments, 30, [2500, 3500]), { minLength: 1, maxLength: 5 }),
  weth: cents(0, 10),
  cushion: cents(0, 3000),
})
function onTheEdge(e: { positions: unknown[]; weth: string; cushion: string }, now: number): PortfolioInput {
  const bare = { balances: [{ asset: 'WETH', amount: e.weth }], positions: e.positions } as PortfolioInput
  const resolved = resolvePortfolio(bare, devMarket)
  const state = buildMarketState(resolved.market, noEs, now)
  const health = marginPortfolio(state, toBookEntries(resolved, state)).health
  // A debt counts in full; a deposit at (1 − 2% haircut).
  const usdc = health >= 0 ? -health + Number(e.cushion) : (-health + Number(e.cushion)) / 0.98
  return { ...bare, balances: [...bare.balances!, { asset: 'USDC', amount: usdc.toFixed(2) }] }
}

describe('liquidationPrices: against a brute-force scan of spot prices (fast-check)', () => {
  it('on the edge of liquidation (dips and several crossings): the nearest crossing, to the half cent', () => {
    let prices = 0
    fc.assert(
      fc.property(edge, clock, (e, now) => {
        for (const f of checkAgainstBruteForce(onTheEdge(e, now), now)) prices += Number(f.down !== null) + Number(f.up !== null)
      }),
      { numRuns: 40, seed: 1919 },
    )
    expect(prices).toBeGreaterThanOrEqual(30)
  }, 120_000)

  it('finds the nearest crossing on each side, to the half cent, or none when the scan finds none', () => {
    let prices = 0
    fc.assert(
      fc.property(portfolio, clock, (p, now) => {
        for (const f of checkAgainstBruteForce(p as PortfolioInput, now)) prices += Number(f.down !== null) + Number(f.up !== null)
      }),
      { numRuns: 25, seed: 19 },
    )
    // The generator makes crossings common enough for the test to mean something.
    expect(prices).toBeGreaterThan(15)
  }, 120_000)
})

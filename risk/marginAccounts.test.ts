import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { type BookEntry, createAccountBook } from './accountBook.ts'
import { devMarket, devRiskParams } from './devMarket.ts'
import { changedRiskClasses, createMarginOutputs, marginAccounts, remarginAccounts } from './marginAccounts.ts'
import { marginPortfolio } from './marginPortfolio.ts'
import { buildMarketState } from './marketState.ts'
import { naiveMargin } from './naiveMargin.ts'
import type { RiskParams } from './types.ts'

const T0 = 1_767_225_600
const state = buildMarketState(devMarket, devRiskParams, T0)
const nItems = state.items.length
const optionItems = state.items.flatMap((it, i) => (it.type === 'option' ? [i] : []))
const linearItems = state.items.flatMap((it, i) => (it.type !== 'option' ? [i] : []))

const size = fc.integer({ min: -50_000_000, max: 50_000_000 }).map((x) => x / 1e6)
const entry = fc.record({
  item: fc.integer({ min: 0, max: nItems - 1 }),
  size,
  entryPrice: fc.double({ min: 1, max: 100000, noNaN: true }),
})
const portfolio = fc.array(entry, { minLength: 0, maxLength: 12 })

function mm(s: typeof state, entries: BookEntry[]) {
  const book = createAccountBook([entries], s)
  const out = createMarginOutputs(1)
  marginAccounts(s, book, out)
  return {
    mm: out.maintenanceMargin[0],
    loss: out.scenarioLoss[0],
    equity: out.equity[0],
    shortMin: out.shortOptionMinimum[0],
    haircut: out.collateralHaircut[0],
  }
}
const scale = (entries: BookEntry[]) => entries.reduce((a, e) => a + Math.abs(e.size) * 60000, 1)

describe('kernel properties (fast-check)', () => {
  it('agrees with the naive full-revaluation reference', () => {
    fc.assert(
      fc.property(portfolio, (entries) => {
        const fast = mm(state, entries)
        const ref = naiveMargin(state, entries)
        const tol = 1e-9 * scale(entries)
        expect(Math.abs(fast.loss - ref.scenarioLoss)).toBeLessThanOrEqual(tol)
        expect(Math.abs(fast.equity - ref.equity)).toBeLessThanOrEqual(tol)
        expect(Math.abs(fast.shortMin - ref.shortOptionMinimum)).toBeLessThanOrEqual(tol)
        expect(Math.abs(fast.haircut - ref.collateralHaircut)).toBeLessThanOrEqual(tol)
      }),
      { numRuns: 150 },
    )
  })

  it('margin ≥ 0 (every component, MM and IM)', () => {
    fc.assert(
      fc.property(portfolio, (entries) => {
        const m = marginPortfolio(state, entries)
        for (const x of [m.scenarioLoss, m.shortOptionMinimum, m.collateralHaircut, m.maintenanceMargin]) {
          expect(x).toBeGreaterThanOrEqual(0)
        }
        expect(m.initialMargin).toBeGreaterThanOrEqual(m.maintenanceMargin)
        expect(m.expectedShortfall).toBeGreaterThanOrEqual(0)
      }),
      { numRuns: 60 },
    )
  })

  it('adding the exact offsetting position zeroes scenario loss', () => {
    fc.assert(
      fc.property(portfolio, (entries) => {
        const both = [...entries, ...entries.map((e) => ({ ...e, size: -e.size }))]
        const r = mm(state, both)
        expect(r.loss).toBeLessThanOrEqual(1e-9 * scale(entries))
        expect(r.shortMin).toBeLessThanOrEqual(1e-9 * scale(entries))
        expect(mm(state, entries).loss).toBeGreaterThanOrEqual(0)
      }),
    )
  })

  it('a hedge never makes MM exceed the sum of the legs’ MMs', () => {
    fc.assert(
      fc.property(portfolio, portfolio, (a, b) => {
        const together = mm(state, [...a, ...b]).mm
        expect(together).toBeLessThanOrEqual(mm(state, a).mm + mm(state, b).mm + 1e-9 * scale([...a, ...b]))
      }),
    )
  })

  it('scaling a portfolio by k scales scenario loss by k (exactly for powers of two)', () => {
    fc.assert(
      fc.property(portfolio, fc.double({ min: 0.01, max: 100, noNaN: true }), fc.integer({ min: -4, max: 8 }), (entries, k, j) => {
        const base = mm(state, entries).loss
        const scaled = mm(
          state,
          entries.map((e) => ({ ...e, size: e.size * k })),
        ).loss
        expect(Math.abs(scaled - k * base)).toBeLessThanOrEqual(1e-12 * k * scale(entries))
        const p2 = 2 ** j
        expect(
          mm(
            state,
            entries.map((e) => ({ ...e, size: e.size * p2 })),
          ).loss,
        ).toBe(p2 * base)
      }),
    )
  })

  it('is bit-identical across runs and across input orderings (report included)', () => {
    fc.assert(
      fc.property(
        portfolio.chain((entries) => fc.tuple(fc.constant(entries), fc.shuffledSubarray(entries, { minLength: entries.length }))),
        ([entries, shuffled]) => {
          const a = marginPortfolio(state, entries)
          const b = marginPortfolio(state, shuffled)
          const again = marginPortfolio(buildMarketState(devMarket, devRiskParams, T0), entries)
          expect(b).toEqual(a)
          expect(again).toEqual(a)
          expect(Object.is(a.maintenanceMargin, b.maintenanceMargin)).toBe(true)
        },
      ),
      { numRuns: 40 },
    )
  })

  it('market input order does not change item indexes or figures', () => {
    const reversed = {
      underlyings: [...devMarket.underlyings].reverse(),
      assets: [...devMarket.assets].reverse(),
      instruments: [...devMarket.instruments].reverse(),
    }
    const s2 = buildMarketState(reversed, devRiskParams, T0)
    expect(s2.items.map((i) => i.name)).toEqual(state.items.map((i) => i.name))
    expect(s2.riskArray).toEqual(state.riskArray)
  })

  it('monotone in shocks: a wider scanRange never lowers scenarioLoss (linear and short-option books)', () => {
    // P&L of perps, assets and short options is concave in spot, so its minimum over the scan
    // sits at the ends, which move outwards with the range.
    const concave = fc.array(
      fc.oneof(
        fc.record({ item: fc.constantFrom(...linearItems), size }),
        fc.record({ item: fc.constantFrom(...optionItems), size: size.map((x) => -Math.abs(x)) }),
      ),
      { maxLength: 10 },
    )
    fc.assert(
      fc.property(
        concave,
        fc.double({ min: 0.01, max: 0.3, noNaN: true }),
        fc.double({ min: 1, max: 3, noNaN: true }),
        (entries, r, widen) => {
          const p = (range: number): RiskParams => ({
            ...devRiskParams,
            scanRange: { ETH: range, BTC: range, 'ETHUSDC-LP': range },
          })
          const narrow = mm(buildMarketState(devMarket, p(r), T0), entries).loss
          const wide = mm(buildMarketState(devMarket, p(Math.min(0.33, r * widen)), T0), entries).loss
          expect(wide).toBeGreaterThanOrEqual(narrow - 1e-9 * scale(entries))
        },
      ),
      { numRuns: 40 },
    )
  })
})

describe('incremental re-margin', () => {
  const accounts: BookEntry[][] = [
    [{ item: state.itemByName.get('ETH-PERP')!, size: 2, entryPrice: 2900 }],
    [{ item: state.itemByName.get('BTC-PERP')!, size: -1, entryPrice: 61000 }],
    [{ item: state.itemByName.get('USDC')!, size: 1000 }],
    [
      { item: state.itemByName.get('ETH-20261231-3000-C')!, size: -3 },
      { item: state.itemByName.get('WBTC')!, size: 1 },
    ],
  ]
  const book = createAccountBook(accounts, state)

  it('recomputes only accounts on underlyings that moved, or flagged dirty', () => {
    const out = createMarginOutputs(book.count)
    expect(remarginAccounts(null, state, book, out)).toBe(4)
    const moved = buildMarketState(
      { ...devMarket, underlyings: devMarket.underlyings.map((u) => (u.symbol === 'BTC' ? { ...u, price: 58000 } : u)) },
      devRiskParams,
      T0,
    )
    const btc = moved.underlyingBySymbol.get('BTC')!
    expect(changedRiskClasses(state, moved)).toBe((1 << (2 * btc)) | (1 << (2 * btc + 1)))
    const before = Float64Array.from(out.maintenanceMargin)
    expect(remarginAccounts(state, moved, book, out)).toBe(2) // BTC-PERP and the WBTC holder
    expect(out.maintenanceMargin[0]).toBe(before[0])
    const full = createMarginOutputs(book.count)
    marginAccounts(moved, book, full)
    expect(out).toEqual(full)
    const dirty = new Uint8Array(book.count)
    dirty[2] = 1
    expect(remarginAccounts(moved, moved, book, out, dirty)).toBe(1)
    // time passing moves option values: the option holder is recomputed, the perps are not
    const later = buildMarketState(moved.market, devRiskParams, T0 + 3600)
    expect(remarginAccounts(moved, later, book, out)).toBe(1)
  })

  it('a parameter change that touches a fixed-price asset recomputes everything', () => {
    const p = { ...devRiskParams, haircut: { ...devRiskParams.haircut, USDC: 0.05 } }
    const s2 = buildMarketState(devMarket, p, T0)
    expect(changedRiskClasses(state, s2)).toBe(-1)
    expect(remarginAccounts(state, s2, book, createMarginOutputs(book.count))).toBe(4)
  })
})

describe('marginBookAccount', () => {
  it('reports an account of a many-account book exactly as marginPortfolio reports it alone', async () => {
    const { marginBookAccount } = await import('./marginPortfolio.ts')
    const accounts: BookEntry[][] = [
      [{ item: state.itemByName.get('ETH-PERP')!, size: 2, entryPrice: 2900 }],
      [
        { item: state.itemByName.get('ETH-20261231-3000-C')!, size: -3 },
        { item: state.itemByName.get('WBTC')!, size: 1 },
        { item: state.itemByName.get('BTC-PERP')!, size: -0.5, entryPrice: 61000 },
      ],
      [{ item: state.itemByName.get('USDC')!, size: 1000 }],
    ]
    const book = createAccountBook(accounts, state)
    accounts.forEach((entries, a) => {
      expect(marginBookAccount(state, book, a)).toEqual(marginPortfolio(state, entries))
    })
    expect(marginBookAccount(state, book, 1).greeks.map((g) => g.underlying)).toEqual(['ETH', 'BTC'])
  })
})

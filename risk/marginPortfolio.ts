import { type AccountBook, type BookEntry, createAccountBook } from './accountBook.ts'
import { bsGreeks, yearsToExpiry } from './blackScholes.ts'
import { expectedShortfall, expectedShortfallBound } from './expectedShortfall.ts'
import { createMarginOutputs, createScratch, marginRange } from './marginAccounts.ts'
import { marginWad } from './marginWad.ts'
import type { MarketState } from './marketState.ts'

/** Greeks of a portfolio on one underlying (SPEC section 6 units). */
export interface UnderlyingGreeks {
  underlying: string
  /** Units of the underlying (perps and assets priced off it count 1 per unit). */
  delta: number
  /** delta × spot, USD. */
  deltaUsd: number
  gamma: number
  /** USD per +0.01 vol. */
  vega: number
  /** USD per day. */
  theta: number
  /** USD per +0.01 rate. */
  rho: number
}

/** One scenario's weighted P&L on one underlying (USD). */
export interface ScenarioPnl {
  underlying: string
  /** Fraction of scanRange (±extremeMultiple for the extremes). */
  spotShock: number
  volShock: number
  extreme: boolean
  /** weight × P&L (extremes count extremeCover of theirs). */
  pnl: number
}

/** Every figure of SPEC section 5's risk report, as numbers (USD unless noted). */
export interface PortfolioMargin {
  equity: number
  initialMargin: number
  maintenanceMargin: number
  /** equity − MM. */
  health: number
  /** wad(equity) < wad(MM): decided on the rounded figures the chain stores. */
  liquidatable: boolean
  scenarioLoss: number
  shortOptionMinimum: number
  collateralHaircut: number
  /** 0 when `es` is disabled. */
  expectedShortfall: number
  greeks: UnderlyingGreeks[]
  /** The underlyings the portfolio touches, in underlying-id order, each with every scenario. */
  scenarios: ScenarioPnl[]
  /** The lowest-P&L entry of `scenarios` (first on ties), or null when there is none. */
  worstScenario: ScenarioPnl | null
}

/**
 * Margins one portfolio with the same inner loop the block re-margin runs
 * ({@link marginRange}), then adds what only reports need: ES, IM, Greeks, the scenario list.
 *
 * @example marginPortfolio(state, toBookEntries(resolvePortfolio(input, market), state))
 */
export function marginPortfolio(state: MarketState, entries: BookEntry[]): PortfolioMargin {
  return marginBookAccount(state, createAccountBook([entries], state), 0)
}

/** The three figures the margin rule compares (USD, float64; round with lib/fixed). */
export interface MarginFigureNumbers {
  equity: number
  initialMargin: number
  maintenanceMargin: number
}

/** Account `account` of `book` as a book of its own (views, no copies). */
function oneAccount(book: AccountBook, account: number): AccountBook {
  const from = book.starts[account]
  const to = book.ends[account]
  return {
    count: 1,
    starts: Int32Array.of(0),
    ends: Int32Array.of(to - from),
    items: book.items.subarray(from, to),
    sizes: book.sizes.subarray(from, to),
    entryCost: book.entryCost.subarray(account, account + 1),
    underlyingMask: book.underlyingMask.subarray(account, account + 1),
    riskClassMask: book.riskClassMask.subarray(account, account + 1),
  }
}

interface CoreFigures extends MarginFigureNumbers {
  scenarioLoss: number
  shortOptionMinimum: number
  collateralHaircut: number
  expectedShortfall: number
}

/**
 * The figures of a one-account book: the block loop ({@link marginRange}) on the state's risk
 * arrays, then ES on its cached per-item path P&L and IM. The one place IM is formed, so the
 * figures-only path and the report agree to the bit.
 */
function coreFigures(state: MarketState, one: AccountBook, scratch: Float64Array): CoreFigures {
  const out = createMarginOutputs(1)
  marginRange(state, one, out, 0, 1, scratch)
  const { params } = state
  const scenarioLoss = out.scenarioLoss[0]
  const shortOptionMinimum = out.shortOptionMinimum[0]
  const collateralHaircut = out.collateralHaircut[0]
  const maintenanceMargin = out.maintenanceMargin[0]
  const expectedShortfallFigure = params.es.enabled ? expectedShortfall(state, one.items, one.sizes) : 0
  const initialMargin = params.es.enabled
    ? params.imMultiplier * (Math.max(scenarioLoss, expectedShortfallFigure) + shortOptionMinimum + collateralHaircut)
    : params.imMultiplier * maintenanceMargin
  return {
    equity: out.equity[0],
    initialMargin,
    maintenanceMargin,
    scenarioLoss,
    shortOptionMinimum,
    collateralHaircut,
    expectedShortfall: expectedShortfallFigure,
  }
}

/**
 * Equity, IM (with ES) and MM of one portfolio and nothing else — no Greeks, no scenario list:
 * what the margin rule of a risk-increasing call needs (execution/margin/accountMargin.ts). The
 * same figures, to the bit, as {@link marginPortfolio}.
 */
export function marginFigures(state: MarketState, entries: BookEntry[]): MarginFigureNumbers {
  const { equity, initialMargin, maintenanceMargin } = coreFigures(state, createAccountBook([entries], state), createScratch(state))
  return { equity, initialMargin, maintenanceMargin }
}

/**
 * What SPEC 4's rule needs of one portfolio, with IM left for later: equity and MM exactly, and
 * IM between two bounds that need no expected shortfall (`low` takes ES as 0, `high` takes
 * {@link expectedShortfallBound}); `initialMargin()` computes it exactly. Float operations are
 * monotone, so low ≤ IM ≤ high holds for the computed figures, and so for their wad roundings.
 * With ES disabled, both bounds are IM.
 */
export interface LazyMarginFigures {
  equity: number
  maintenanceMargin: number
  initialMarginLow: number
  initialMarginHigh: number
  initialMargin(): number
}

/** {@link LazyMarginFigures} of one portfolio (the margin rule of risk-increasing calls). */
export function lazyMarginFigures(state: MarketState, entries: BookEntry[]): LazyMarginFigures {
  const one = createAccountBook([entries], state)
  const out = createMarginOutputs(1)
  marginRange(state, one, out, 0, 1, createScratch(state))
  const { params } = state
  const equity = out.equity[0]
  const maintenanceMargin = out.maintenanceMargin[0]
  if (!params.es.enabled) {
    const im = params.imMultiplier * maintenanceMargin
    return { equity, maintenanceMargin, initialMarginLow: im, initialMarginHigh: im, initialMargin: () => im }
  }
  const scenarioLoss = out.scenarioLoss[0]
  const rest = (es: number) => params.imMultiplier * (Math.max(scenarioLoss, es) + out.shortOptionMinimum[0] + out.collateralHaircut[0])
  return {
    equity,
    maintenanceMargin,
    initialMarginLow: rest(0),
    initialMarginHigh: rest(expectedShortfallBound(state, one.items, one.sizes)),
    initialMargin: () => rest(expectedShortfall(state, one.items, one.sizes)),
  }
}

/**
 * The full report figures of account `account` of a struct-of-arrays book (the node's margin
 * mirror): `margin_getRiskReport`, and IM for risk-increasing calls.
 */
export function marginBookAccount(state: MarketState, book: AccountBook, account: number): PortfolioMargin {
  const one = oneAccount(book, account)
  const scratch = createScratch(state)
  const core = coreFigures(state, one, scratch)
  const { params } = state
  const nS = state.scenarios.length
  const { equity, maintenanceMargin: mm, initialMargin: im, scenarioLoss, shortOptionMinimum, collateralHaircut } = core
  const es = core.expectedShortfall
  const { items, sizes } = one

  const greeks: UnderlyingGreeks[] = []
  const scenarios: ScenarioPnl[] = []
  let worstScenario: ScenarioPnl | null = null
  for (let u = 0; u < state.underlyings.length; u++) {
    let touched = false
    const g = { delta: 0, gamma: 0, vega: 0, theta: 0, rho: 0 }
    for (let k = 0; k < items.length; k++) {
      const item = state.items[items[k]]
      if (item.underlying !== u) continue
      touched = true
      const size = sizes[k]
      if (item.type !== 'option') {
        g.delta += size
        continue
      }
      const i = item.instrument!
      const t = yearsToExpiry(i.expiry!, state.nowSeconds)
      const o = bsGreeks(i.kind!, state.spot[u], i.strike!, t, state.vol[u], params.riskRate)
      g.delta += size * o.delta
      g.gamma += size * o.gamma
      g.vega += size * o.vega
      g.theta += size * o.theta
      g.rho += size * o.rho
    }
    if (!touched) continue
    const symbol = state.underlyings[u].symbol
    greeks.push({
      underlying: symbol,
      delta: g.delta + 0, // + 0 turns −0 into 0
      deltaUsd: g.delta * state.spot[u] + 0,
      gamma: g.gamma + 0,
      vega: g.vega + 0,
      theta: g.theta + 0,
      rho: g.rho + 0,
    })
    for (let s = 0; s < nS; s++) {
      const sc = state.scenarios[s]
      const entry = {
        underlying: symbol,
        spotShock: sc.spotShock,
        volShock: sc.volShock,
        extreme: sc.extreme,
        pnl: scratch[u * nS + s],
      }
      scenarios.push(entry)
      if (worstScenario === null || entry.pnl < worstScenario.pnl) worstScenario = entry
    }
  }
  return {
    equity,
    initialMargin: im,
    maintenanceMargin: mm,
    health: equity - mm,
    liquidatable: marginWad({ equity, initialMargin: im, maintenanceMargin: mm }).liquidatable,
    scenarioLoss,
    shortOptionMinimum,
    collateralHaircut,
    expectedShortfall: es,
    greeks,
    scenarios,
    worstScenario,
  }
}

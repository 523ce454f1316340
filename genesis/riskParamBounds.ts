/**
 * The bounds of SPEC section 7 on the risk parameters, checked at genesis and at `propose` /
 * `execute` on the whole parameter set (not only the patched members). Every bound is listed in
 * {@link RISK_PARAM_BOUNDS} and {@link MAX_SHOCKS}; `es.correlation` is checked as a matrix by
 * genesis/correlationBounds.ts. `fail(field, problem)` builds the error to throw, so genesis and
 * governance each name the parameter their own way.
 */
import type { Market, RiskParams } from '../execution/risk/types.ts'
import { checkCorrelationBounds } from './correlationBounds.ts'

type Fail = (field: string, problem: string) => Error

/** A closed, open or half-open interval of numbers, optionally of integers only. */
export interface Interval {
  lo: number
  hi: number
  /** `(lo, …`: lo itself refused. */
  loOpen?: boolean
  /** `…, hi)`: hi itself refused. */
  hiOpen?: boolean
  integer?: boolean
}

const closed = (lo: number, hi: number): Interval => ({ lo, hi })
const open = (lo: number, hi: number): Interval => ({ lo, hi, loOpen: true, hiOpen: true })
const ints = (lo: number, hi: number): Interval => ({ lo, hi, integer: true })

/**
 * Every numeric bound on the risk parameters (SPEC sections 6 and 7). Besides these:
 * `scanRange` and `haircut` name every underlying / asset of the market and nothing else;
 * `spotShocks` (which must hold 0) and `volShocks` hold 1 to {@link MAX_SHOCKS} entries;
 * `es.correlation` is a positive-definite correlation matrix over the market's underlyings.
 */
export const RISK_PARAM_BOUNDS = {
  /** Per underlying: spot move of the outermost scenario. */
  scanRange: open(0, 1),
  /** Each entry: a fraction of scanRange. */
  spotShocks: closed(-1, 1),
  /** Each entry: a relative vol move (σ·(1 + v) stays > 0). */
  volShocks: open(-1, 5),
  extremeMultiple: closed(1, 20),
  extremeCover: closed(0, 1),
  volFloor: open(0, 5),
  shortOptionMinimum: closed(0, 1),
  /** Per asset. */
  haircut: closed(0, 0.95),
  imMultiplier: closed(1, 5),
  riskRate: open(-1, 1),
  'es.confidence': open(0.5, 1),
  /** Seconds: at most 30 days. */
  'es.horizonSeconds': ints(1, 2_592_000),
  /** Simulated paths: what one account's ES costs every block is linear in it. */
  'es.paths': ints(100, 20_000),
  /** Seconds: a price older than an hour is never fresh. */
  maxOracleAge: ints(1, 3_600),
  liquidationPenalty: closed(0, 0.5),
  liquidationBuffer: closed(0, 5),
} as const satisfies Record<string, Interval>

/** Most entries in `spotShocks`, and in `volShocks` (the scan is their product per underlying). */
export const MAX_SHOCKS = 64

/** `[lo, hi]`, `(lo, hi)`, … as the refusals print it. */
export function describeInterval(b: Interval): string {
  return `${b.integer ? 'an integer ' : ''}in ${b.loOpen ? '(' : '['}${b.lo}, ${b.hi}${b.hiOpen ? ')' : ']'}`
}

/** True when `v` is a finite number (an integer if asked) inside `b`. */
export function inInterval(v: unknown, b: Interval): boolean {
  if (typeof v !== 'number' || !Number.isFinite(v)) return false
  if (b.integer && !Number.isSafeInteger(v)) return false
  return (b.loOpen ? v > b.lo : v >= b.lo) && (b.hiOpen ? v < b.hi : v <= b.hi)
}

/** Throws `fail(field, 'must be <interval>')` unless `v` is in `b`. */
export function checkInterval(v: unknown, b: Interval, fail: Fail, field: string): void {
  if (!inInterval(v, b)) throw fail(field, `must be ${describeInterval(b)}`)
}

const own = (o: object, k: string) => Object.hasOwn(o, k)

function checkKeyed(
  map: Readonly<Record<string, number>>,
  names: readonly string[],
  what: 'underlying' | 'asset',
  b: Interval,
  fail: Fail,
  field: string,
): void {
  for (const name of names) if (!own(map, name)) throw fail(`${field}.${name}`, `is required for every ${what}`)
  for (const k of Object.keys(map).sort()) {
    if (!names.includes(k)) throw fail(`${field}.${k}`, `unknown ${what}`)
    checkInterval(map[k], b, fail, `${field}.${k}`)
  }
}

function checkShocks(list: readonly number[], b: Interval, fail: Fail, field: string): void {
  if (list.length === 0) throw fail(field, 'must not be empty')
  if (list.length > MAX_SHOCKS) throw fail(field, `must hold at most ${MAX_SHOCKS} entries`)
  list.forEach((s, i) => checkInterval(s, b, fail, `${field}[${i}]`))
}

/**
 * Throws `fail(field, problem)` for the first parameter out of its bounds, fields named as
 * `margin_getRiskParams` names them (`haircut.WETH`, `es.paths`).
 */
export function checkRiskParamBounds(p: RiskParams, market: Market, fail: Fail): void {
  const B = RISK_PARAM_BOUNDS
  checkKeyed(p.scanRange, market.underlyings.map((u) => u.symbol), 'underlying', B.scanRange, fail, 'scanRange')
  checkShocks(p.spotShocks, B.spotShocks, fail, 'spotShocks')
  if (!p.spotShocks.includes(0)) throw fail('spotShocks', 'must hold 0')
  checkShocks(p.volShocks, B.volShocks, fail, 'volShocks')
  checkInterval(p.extremeMultiple, B.extremeMultiple, fail, 'extremeMultiple')
  checkInterval(p.extremeCover, B.extremeCover, fail, 'extremeCover')
  checkInterval(p.volFloor, B.volFloor, fail, 'volFloor')
  checkInterval(p.shortOptionMinimum, B.shortOptionMinimum, fail, 'shortOptionMinimum')
  checkKeyed(p.haircut, market.assets.map((a) => a.symbol), 'asset', B.haircut, fail, 'haircut')
  checkInterval(p.imMultiplier, B.imMultiplier, fail, 'imMultiplier')
  checkInterval(p.riskRate, B.riskRate, fail, 'riskRate')
  if (typeof p.es.enabled !== 'boolean') throw fail('es.enabled', 'must be true or false')
  checkInterval(p.es.confidence, B['es.confidence'], fail, 'es.confidence')
  checkInterval(p.es.horizonSeconds, B['es.horizonSeconds'], fail, 'es.horizonSeconds')
  checkInterval(p.es.paths, B['es.paths'], fail, 'es.paths')
  checkCorrelationBounds(p.es.correlation, market, fail, 'es.correlation')
  checkInterval(p.maxOracleAge, B.maxOracleAge, fail, 'maxOracleAge')
  checkInterval(p.liquidationPenalty, B.liquidationPenalty, fail, 'liquidationPenalty')
  checkInterval(p.liquidationBuffer, B.liquidationBuffer, fail, 'liquidationBuffer')
}

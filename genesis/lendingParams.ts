/**
 * The lending section of the governed parameters (SPEC 6.2 and 7): parsed from a genesis or a
 * governance patch, merged field by field, and held to its bounds — base, slope1, slope2 in
 * [0, 10], kink in (0, 1), reserveFactor in [0, 0.5], borrowCap ≥ 0. Every asset of the market
 * has an entry once parsed; one not named is not borrowable.
 */
import { isRecord, unknownKey } from '../lib/jsonKeys.ts'
import type { Market } from '../risk/index.ts'
import type { LendingParams } from '../state/system/types.ts'

/** An asset's parameters when nothing names it: not borrowable, no interest. */
export const NOT_BORROWABLE: LendingParams = Object.freeze({
  borrowable: false,
  base: 0,
  slope1: 0,
  kink: 0.8,
  slope2: 0,
  reserveFactor: 0,
  borrowCap: 0,
})

const KEYS = ['borrowable', 'base', 'slope1', 'kink', 'slope2', 'reserveFactor', 'borrowCap'] as const
/** Most a borrow cap may be, whole units (keeps every cap within MAX_WAD). */
const MAX_BORROW_CAP = 1e15

/** A refusal naming `field` (a GenesisError or a governance InvalidChangeError). */
type Fail = (field: string, problem: string) => Error

/** One asset's parameters in `lending` (NOT_BORROWABLE when it names none). */
export function lendingParamsOf(lending: Record<string, LendingParams> | undefined, symbol: string): LendingParams {
  return lending?.[symbol] ?? NOT_BORROWABLE
}

/** Every asset's parameters in `lending`, in the market's asset order (a missing one: NOT_BORROWABLE). */
export function lendingOf(market: Market, lending: Record<string, LendingParams> | undefined): Record<string, LendingParams> {
  const out: Record<string, LendingParams> = {}
  for (const a of market.assets) out[a.symbol] = { ...lendingParamsOf(lending, a.symbol) }
  return out
}

/**
 * `base` with `patch` merged in (each asset field by field), checked against the bounds.
 *
 * @example
 * patchLending(market, current, { USDC: { slope1: 0.05 } }, fail)
 * @throws the `fail` error naming `lending.<symbol>.<field>`.
 */
export function patchLending(
  market: Market,
  base: Record<string, LendingParams> | undefined,
  patch: unknown,
  fail: Fail,
): Record<string, LendingParams> {
  if (!isRecord(patch)) throw fail('lending', 'must be an object of assets')
  const out = lendingOf(market, base)
  for (const symbol of Object.keys(patch)) {
    const path = `lending.${symbol}`
    if (!(symbol in out)) throw fail(path, 'unknown asset')
    const p = patch[symbol]
    if (!isRecord(p)) throw fail(path, 'must be an object')
    const extra = unknownKey(p, KEYS)
    if (extra !== undefined) throw fail(`${path}.${extra}`, 'unknown field')
    const next = { ...out[symbol] }
    if (p.borrowable !== undefined) {
      if (typeof p.borrowable !== 'boolean') throw fail(`${path}.borrowable`, 'must be true or false')
      next.borrowable = p.borrowable
    }
    for (const k of KEYS) {
      if (k === 'borrowable' || p[k] === undefined) continue
      const v = p[k]
      if (typeof v !== 'number' || !Number.isFinite(v)) throw fail(`${path}.${k}`, 'must be a number')
      next[k] = v
    }
    out[symbol] = next
  }
  checkLendingBounds(out, fail)
  return out
}

/** @throws the `fail` error naming the first parameter out of its bounds. */
export function checkLendingBounds(lending: Record<string, LendingParams>, fail: Fail): void {
  for (const [symbol, p] of Object.entries(lending)) {
    const path = `lending.${symbol}`
    for (const k of ['base', 'slope1', 'slope2'] as const) {
      if (!(p[k] >= 0 && p[k] <= 10)) throw fail(`${path}.${k}`, 'must be in [0, 10]')
    }
    if (!(p.kink > 0 && p.kink < 1)) throw fail(`${path}.kink`, 'must be in (0, 1)')
    if (!(p.reserveFactor >= 0 && p.reserveFactor <= 0.5)) throw fail(`${path}.reserveFactor`, 'must be in [0, 0.5]')
    if (!(p.borrowCap >= 0 && p.borrowCap <= MAX_BORROW_CAP)) throw fail(`${path}.borrowCap`, `must be in [0, ${MAX_BORROW_CAP}]`)
  }
}

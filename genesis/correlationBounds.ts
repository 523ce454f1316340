/**
 * The whole-value check of `es.correlation` (SPEC sections 6 and 7, DESIGN "Containment"): the
 * pairs must build, over every underlying of the market, a correlation matrix the expected-
 * shortfall kernel can factor. Checked at genesis and at `propose`/`execute`, so the kernel's
 * Cholesky (risk/expectedShortfall.ts) never meets a matrix it cannot take.
 */
import type { Market } from '../risk/index.ts'

/**
 * Smallest Cholesky pivot accepted (the diagonal before its square root). Strictly above it,
 * the matrix is positive definite with room to spare for float rounding; a singular matrix
 * (two underlyings correlated 1) has a pivot of 0.
 */
export const MIN_CHOLESKY_PIVOT = 1e-9

type Fail = (field: string, problem: string) => Error

/**
 * Throws `fail(field, problem)` unless `correlation` is a valid correlation matrix over
 * `market.underlyings`:
 * - every key is `"A-B"` for underlyings A and B of the market (either order), spelling exactly
 *   one such pair (symbols may hold `-`);
 * - every entry is a finite number in [-1, 1]; a diagonal key (`"ETH-ETH"`) may only say 1;
 * - `"A-B"` and `"B-A"`, when both given, agree (the matrix is symmetric);
 * - the matrix (missing pairs 0, unit diagonal), in the kernel's order of underlyings (by id),
 *   has a Cholesky factor whose every pivot is > MIN_CHOLESKY_PIVOT (positive definite).
 * Keys are checked in sorted order, so the first refusal is the same on every node. Uses only
 * `+ − × ÷ sqrt`.
 *
 * @param field the parameter's name in refusals (`es.correlation`).
 * @example
 * checkCorrelationBounds({ 'ETH-BTC': 1 }, devMarket, fail)
 * // throws fail('es.correlation', 'must be positive definite over ETH, BTC, ETHUSDC-LP (Cholesky pivot ≤ 1e-9 at BTC)')
 */
export function checkCorrelationBounds(
  correlation: Readonly<Record<string, number>>,
  market: Market,
  fail: Fail,
  field = 'es.correlation',
): void {
  const unds = [...market.underlyings].sort((a, b) => a.id - b.id)
  const n = unds.length
  const pairs = new Map<string, [number, number][]>()
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const key = `${unds[i].symbol}-${unds[j].symbol}`
      const list = pairs.get(key)
      if (list) list.push([i, j])
      else pairs.set(key, [[i, j]])
    }
  }
  const m = new Float64Array(n * n)
  for (let i = 0; i < n; i++) m[i * n + i] = 1
  const setBy = new Map<number, string>()
  for (const key of Object.keys(correlation).sort()) {
    const f = `${field}.${key}`
    const v = correlation[key]
    if (typeof v !== 'number' || !Number.isFinite(v) || v < -1 || v > 1) throw fail(f, 'must be in [-1, 1]')
    const found = pairs.get(key)
    if (found === undefined) throw fail(f, 'names no pair of underlyings of the market (as "ETH-BTC")')
    if (found.length > 1) throw fail(f, 'is ambiguous: it spells more than one pair of underlyings')
    const [i, j] = found[0]
    if (i === j) {
      if (v !== 1) throw fail(f, 'must be 1 (an underlying with itself)')
      continue
    }
    const other = setBy.get(i * n + j)
    if (other !== undefined && m[i * n + j] !== v) throw fail(f, `must equal ${other} (the matrix is symmetric)`)
    m[i * n + j] = v
    m[j * n + i] = v
    setBy.set(i * n + j, key)
    setBy.set(j * n + i, key)
  }
  const l = new Float64Array(n * n)
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = m[i * n + j]
      for (let k = 0; k < j; k++) sum -= l[i * n + k] * l[j * n + k]
      if (i === j) {
        if (!(sum > MIN_CHOLESKY_PIVOT)) {
          throw fail(
            field,
            `must be positive definite over ${unds.map((u) => u.symbol).join(', ')} (Cholesky pivot ≤ ${MIN_CHOLESKY_PIVOT} at ${unds[i].symbol})`,
          )
        }
        l[i * n + i] = Math.sqrt(sum)
      } else l[i * n + j] = sum / l[j * n + j]
    }
  }
}

/**
 * The one 18-decimal fixed-point helper of the project (SPEC section 3).
 *
 * On chain every amount, size and price is an integer `wad` (1.0 = 10^18). JSON-RPC shows the
 * same figure as a decimal string in whole units (`"1250.5"`). The risk kernel computes in
 * float64; the one rounding rule from a float to the chain is {@link numberToWad}: the float's
 * shortest round-trip decimal, rounded half to even to 18 decimals. Every amount that leaves the kernel
 * goes through it, so a report's string and the state's integer always agree.
 */

import { ValueOutOfRangeError } from './errors.ts'

/** 10^18: one whole unit in wad. */
export const WAD = 10n ** 18n

/**
 * The largest magnitude of any signed wad the chain stores — a balance, a position size, an entry
 * price: 2^192 wad (about 6.3·10^39 whole units). Far below int256 (2^255), so a sum of a few
 * such values or a product with a bounded price cannot overflow the storage word.
 */
export const MAX_WAD = 1n << 192n

/** The largest size or price one trade may carry: 2^120 wad (about 1.3·10^18 whole units), so size·price/1e18 < 2^181. */
export const MAX_TRADE_WAD = 1n << 120n

/**
 * The largest magnitude of a position: 2^140 wad (about 1.4·10^24 units). With oracle prices
 * capped far below 2^100 wad, a position's value, settlement payoff or P&L stays below 2^180 wad.
 */
export const MAX_POSITION_WAD = 1n << 140n

const INT256_LIMIT = 1n << 255n

/**
 * Returns `value` when |value| ≤ `limit` (MAX_WAD by default); otherwise throws `ValueOutOfRangeError(what)` — where
 * the value is computed, so the call that computed it reverts with `"<what> out of range"`.
 *
 * @example checkWad(balance + delta, 'balance')
 */
export function checkWad(value: bigint, what: string, limit: bigint = MAX_WAD): bigint {
  if (value > limit || value < -limit) throw new ValueOutOfRangeError(what, value)
  return value
}

/**
 * A kernel figure (equity, IM, MM) as wad by the one rounding rule, refused as
 * `ValueOutOfRangeError(what)` when it is not finite or does not fit an int256.
 */
export function figureToWad(x: number, what: string): bigint {
  if (!Number.isFinite(x)) throw new ValueOutOfRangeError(what, x)
  const w = numberToWad(x)
  if (w >= INT256_LIMIT || w < -INT256_LIMIT) throw new ValueOutOfRangeError(what, x)
  return w
}

const DECIMALS = 18

/**
 * Rounds a finite float64 to wad — THE rounding rule of the kernel: take the float's shortest
 * round-trip decimal (ECMAScript `Number::toString`, which the language specifies exactly), then
 * round it half to even to 18 decimals. So `0.1` is `10^17` and a report shows the figure a user
 * would print, not binary noise. Deterministic on every platform (integer arithmetic after the
 * specified conversion).
 *
 * @example numberToWad(0.1) // 100000000000000000n
 */
export function numberToWad(x: number): bigint {
  if (!Number.isFinite(x)) throw new RangeError(`numberToWad: not a finite number: ${x}`)
  if (x === 0) return 0n
  const m = /^(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(Math.abs(x).toString())
  if (!m) throw new RangeError(`numberToWad: cannot read ${x}`)
  const frac = m[2] ?? ''
  const digits = BigInt(m[1] + frac)
  const exp10 = Number(m[3] ?? '0') - frac.length + DECIMALS
  let q: bigint
  if (exp10 >= 0) q = digits * 10n ** BigInt(exp10)
  else {
    const den = 10n ** BigInt(-exp10)
    q = digits / den
    const twiceRem = 2n * (digits - q * den)
    if (twiceRem > den || (twiceRem === den && (q & 1n) === 1n)) q += 1n
  }
  return x < 0 ? -q : q
}

/**
 * Converts wad to a float64 for the kernel: the whole units and the fraction converted apart
 * (integer division, then IEEE operations, so the result is the same on every platform). A
 * whole amount below 2^53 units comes out exact — 100,000 USDC is 100000, not the
 * 99999.99999999999 that `Number(wad) / 1e18` gives — and a fractional one within an ulp.
 */
export function wadToNumber(amountWad: bigint): number {
  const whole = amountWad / WAD
  const frac = amountWad - whole * WAD
  return frac === 0n ? Number(whole) : Number(whole) + Number(frac) / 1e18
}

/**
 * Prints wad as a decimal string in whole units with no trailing zeros (`"1250.5"`, `"-3"`).
 *
 * @example formatWad(1250500000000000000000n) // '1250.5'
 */
export function formatWad(amountWad: bigint): string {
  const neg = amountWad < 0n
  const abs = neg ? -amountWad : amountWad
  const whole = abs / WAD
  const frac = (abs % WAD).toString().padStart(DECIMALS, '0').replace(/0+$/, '')
  return `${neg ? '-' : ''}${whole}${frac ? `.${frac}` : ''}`
}

/**
 * Parses a decimal string in whole units (`"1250.5"`, `"-0.25"`, at most 18 decimals) to wad.
 * Throws a `RangeError` on anything else.
 */
export function parseWad(text: string): bigint {
  const m = /^(-)?(\d+)(?:\.(\d{1,18}))?$/.exec(text.trim())
  if (!m) throw new RangeError(`not a decimal amount with at most 18 decimals: "${text}"`)
  const value = BigInt(m[2]) * WAD + BigInt((m[3] ?? '').padEnd(DECIMALS, '0') || '0')
  return m[1] ? -value : value
}

/**
 * The one way a kernel float becomes a decimal string: {@link numberToWad} then
 * {@link formatWad}.
 *
 * @example formatAmount(116882.79311991394) // '116882.793119913936...' (18 decimals at most)
 */
export function formatAmount(x: number): string {
  return formatWad(numberToWad(x))
}

/** ⌊a / b⌋ for b > 0 (rounds toward −∞, unlike bigint `/`): credits round down. */
export function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q
}

/** ⌈a / b⌉ for b > 0: debts round up. */
export function ceilDiv(a: bigint, b: bigint): bigint {
  return -floorDiv(-a, b)
}

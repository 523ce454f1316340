import { expDet, logDet, normCdf, normPdf } from './mathDet.ts'
import type { OptionKind } from './types.ts'

/** Seconds in the pricing year: T = max(0, expiry − t) / 31,536,000 (365 days). */
export const SECONDS_PER_YEAR = 31_536_000

/** Black–Scholes value and Greeks of one unit of a European option. */
export interface OptionGreeks {
  /** USD per unit. */
  value: number
  /** ∂V/∂S, units of underlying per unit. */
  delta: number
  /** ∂²V/∂S², per USD. */
  gamma: number
  /** Value change for +0.01 vol (one vol point). */
  vega: number
  /** Value change for one day (1/365 year) passing, spot and vol unchanged. */
  theta: number
  /** Value change for +0.01 rate. */
  rho: number
}

/** Year fraction to expiry, floored at 0. */
export function yearsToExpiry(expirySeconds: number, nowSeconds: number): number {
  const dt = expirySeconds - nowSeconds
  return dt > 0 ? dt / SECONDS_PER_YEAR : 0
}

/**
 * Black–Scholes value of one unit (deterministic math only). At or after expiry (`tYears` 0)
 * the intrinsic value; with zero vol the discounted forward intrinsic.
 *
 * @example bsValue('call', 42, 40, 0.5, 0.2, 0.1) // 4.7594…
 */
export function bsValue(kind: OptionKind, spot: number, strike: number, tYears: number, vol: number, rate: number): number {
  if (tYears <= 0) return kind === 'call' ? Math.max(spot - strike, 0) : Math.max(strike - spot, 0)
  const df = expDet(-rate * tYears)
  if (vol <= 0 || spot <= 0) {
    const fwd = spot - strike * df
    return kind === 'call' ? Math.max(fwd, 0) : Math.max(-fwd, 0)
  }
  const sd = vol * Math.sqrt(tYears)
  const d1 = (logDet(spot / strike) + (rate + 0.5 * vol * vol) * tYears) / sd
  const d2 = d1 - sd
  return kind === 'call' ? spot * normCdf(d1) - strike * df * normCdf(d2) : strike * df * normCdf(-d2) - spot * normCdf(-d1)
}

/**
 * Value and Greeks of one unit, closed form. At or after expiry: intrinsic value, delta 1 / −1
 * strictly in the money (0 otherwise), and zero gamma, vega, theta, rho.
 */
export function bsGreeks(kind: OptionKind, spot: number, strike: number, tYears: number, vol: number, rate: number): OptionGreeks {
  const value = bsValue(kind, spot, strike, tYears, vol, rate)
  if (tYears <= 0 || vol <= 0 || spot <= 0) {
    const itm = kind === 'call' ? spot > strike : spot < strike
    const delta = itm ? (kind === 'call' ? 1 : -1) : 0
    return { value, delta, gamma: 0, vega: 0, theta: 0, rho: 0 }
  }
  const sqrtT = Math.sqrt(tYears)
  const sd = vol * sqrtT
  const d1 = (logDet(spot / strike) + (rate + 0.5 * vol * vol) * tYears) / sd
  const d2 = d1 - sd
  const df = expDet(-rate * tYears)
  const pdf = normPdf(d1)
  const gamma = pdf / (spot * sd)
  const vega = (spot * pdf * sqrtT) / 100
  const decay = -(spot * pdf * vol) / (2 * sqrtT)
  if (kind === 'call') {
    const nd2 = normCdf(d2)
    return {
      value,
      delta: normCdf(d1),
      gamma,
      vega,
      theta: (decay - rate * strike * df * nd2) / 365,
      rho: (strike * tYears * df * nd2) / 100,
    }
  }
  const nmd2 = normCdf(-d2)
  return {
    value,
    delta: normCdf(d1) - 1,
    gamma,
    vega,
    theta: (decay + rate * strike * df * nmd2) / 365,
    rho: -(strike * tYears * df * nmd2) / 100,
  }
}

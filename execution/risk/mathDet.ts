/**
 * Deterministic elementary functions for consensus code (DESIGN.md, Determinism).
 *
 * Built from `+ − × ÷ sqrt` only (IEEE 754 makes each exactly rounded on every platform) plus
 * exact bit manipulation; never `Math.exp`/`Math.log`/`Math.pow`, whose last bits differ
 * between engines. Accuracy: relative error below 1e-14 (tested against BigInt references).
 */

const LN2_HI = 6.93147180369123816490e-1 // ln 2 with trailing zero bits: k × LN2_HI is exact
const LN2_LO = 1.90821492927058770002e-10 // ln 2 − LN2_HI
const INV_LN2 = 1.44269504088896338700
const SQRT2 = 1.4142135623730951
const INV_SQRT_2PI = 0.3989422804014327
const EXP_MAX = 709.782712893384
const EXP_MIN = -745.1332191019412
const EXP_TERMS = 18
const LOG_TERMS = 14

const view = new DataView(new ArrayBuffer(8))

/** 2^k for an integer k in [-1022, 1023], built from its bits. */
function pow2(k: number): number {
  view.setUint32(0, (k + 1023) << 20)
  view.setUint32(4, 0)
  return view.getFloat64(0)
}

/**
 * e^x. Cody–Waite reduction x = k·ln2 + r with |r| ≤ ln2/2, a degree-18 Taylor polynomial
 * for e^r in Horner form, then an exact scaling by 2^k.
 */
export function expDet(x: number): number {
  if (x !== x) return Number.NaN
  if (x > EXP_MAX) return Number.POSITIVE_INFINITY
  if (x < EXP_MIN) return 0
  const k = Math.round(x * INV_LN2)
  const r = x - k * LN2_HI - k * LN2_LO
  let p = 1
  for (let n = EXP_TERMS; n >= 1; n--) p = 1 + (r * p) / n
  if (k > 1023) return p * pow2(k - 1) * 2
  if (k < -1021) return p * pow2(k + 54) * pow2(-54)
  return p * pow2(k)
}

/**
 * Natural logarithm. x = m·2^e with m in [√½, √2), then ln m = 2·atanh((m−1)/(m+1)) by its
 * series, plus e·ln2 in two parts.
 */
export function logDet(x: number): number {
  if (x !== x || x < 0) return Number.NaN
  if (x === 0) return Number.NEGATIVE_INFINITY
  if (x === Number.POSITIVE_INFINITY) return x
  let e = 0
  if (x < 2.2250738585072014e-308) {
    x *= 18014398509481984 // 2^54: subnormals become normal
    e = -54
  }
  view.setFloat64(0, x)
  const hi = view.getUint32(0)
  e += ((hi >>> 20) & 0x7ff) - 1023
  view.setUint32(0, (hi & 0x800fffff) | (1023 << 20))
  let m = view.getFloat64(0)
  if (m > SQRT2) {
    m /= 2
    e += 1
  }
  const s = (m - 1) / (m + 1)
  const s2 = s * s
  let t = 1 / (2 * LOG_TERMS + 1)
  for (let n = LOG_TERMS - 1; n >= 0; n--) t = 1 / (2 * n + 1) + s2 * t
  return e * LN2_HI + (2 * s * t + e * LN2_LO)
}

/**
 * The standard normal density φ(x) = e^(−x²/2)/√(2π), with x² split exactly (Dekker) so the
 * relative error stays ~1e-16 even far in the tails.
 */
export function normPdf(x: number): number {
  const c = 134217729 * x
  const xh = c - (c - x)
  const xl = x - xh
  const sqHi = x * x
  const sqLo = xh * xh - sqHi + 2 * xh * xl + xl * xl
  return INV_SQRT_2PI * expDet(-0.5 * sqHi) * (1 - 0.5 * sqLo)
}

const TAIL_LIMIT = 3
const CF_TERMS = 120
const GRID_STEP = 0.125
const TAYLOR_TERMS = 18

/**
 * N(−k/8) for k = 0..24, correctly rounded (computed with mpmath at 40 digits; the tests
 * re-check every entry against a BigInt series). The Taylor expansion below starts from them.
 */
const CDF_GRID = [
  0.5, 0.4502617751698871, 0.4012936743170763, 0.3538302333272762, 0.3085375387259869,
  0.26598552904870054, 0.2266273523768682, 0.19078695285251063, 0.15865525393145705,
  0.13029451713680887, 0.10564977366685525, 0.08456572235133572, 0.06680720126885807,
  0.05208127941521955, 0.04005915686381709, 0.030396361765261375, 0.02275013194817921,
  0.016793306448448814, 0.012224472655044703, 0.008774475095738362, 0.006209665325776135,
  0.004332448363012558, 0.002979763235054557, 0.0020201374899460017, 0.0013498980316300946,
]

/** Mills ratio Q(z)/φ(z) for z ≥ 3 by Laplace's continued fraction, evaluated bottom-up. */
function millsRatio(z: number): number {
  let t = z
  for (let k = CF_TERMS; k >= 1; k--) t = z + k / t
  return 1 / t
}

/**
 * N(x) for −3 ≤ x ≤ 0: Taylor series around the nearest grid point c = −k/8,
 * N(c+h) = N(c) + φ(c)·Σ (−1)^(n−1)·He_(n−1)(c)·h^n/n! (Hermite polynomials), |h| ≤ 1/16.
 * Starting from a correctly rounded N(c) avoids the cancellation of ½ − (…) in this range.
 */
function cdfNearCentre(x: number): number {
  const k = Math.round(-x / GRID_STEP)
  const c = -k * GRID_STEP
  const h = x - c
  let hePrev = 1 // He_0
  let he = c // He_1
  let hPow = h // h^n / n!
  let sum = h // n = 1: He_0·h
  let sign = -1
  for (let n = 2; n <= TAYLOR_TERMS; n++) {
    hPow = (hPow * h) / n
    sum += sign * he * hPow
    const next = c * he - (n - 1) * hePrev
    hePrev = he
    he = next
    sign = -sign
  }
  return CDF_GRID[k] + normPdf(c) * sum
}

/**
 * The standard normal CDF N(x). x < −3: φ(x)·(Mills ratio by continued fraction), relative
 * accuracy kept down to N ≈ 1e-300 (x ≈ −37); −3 ≤ x ≤ 0: Taylor series from a table of
 * correctly rounded grid values; x > 0: 1 − N(−x).
 */
export function normCdf(x: number): number {
  if (x !== x) return Number.NaN
  if (x > 0) return 1 - normCdf(-x)
  if (x < -TAIL_LIMIT) return x < -38.5 ? 0 : normPdf(x) * millsRatio(-x)
  return cdfNearCentre(x)
}

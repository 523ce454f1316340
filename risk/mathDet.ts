/**
 * Deterministic elementary functions for consensus code (DESIGN.md, Determinism).
 *
 * Built from `+ − × ÷ sqrt` only (IEEE 754 makes each exactly rounded on every platform) plus
 * exact bit manipulation; never `Math.exp`/`Math.log`/`Math.pow`, whose last bits differ
 * between engines. Accuracy: relative error below 1e-14 (tested against BigInt references).
 */

// biome-ignore lint/correctness/noPrecisionLoss: fdlibm's split of ln 2, written as published
const LN2_HI = 6.9314718036912381649e-1 // ln 2 with trailing zero bits: k × LN2_HI is exact
// biome-ignore lint/correctness/noPrecisionLoss: fdlibm's split of ln 2, written as published
const LN2_LO = 1.90821492927058770002e-10 // ln 2 − LN2_HI
// biome-ignore lint/correctness/noPrecisionLoss: 1/ln 2 as fdlibm writes it
// biome-ignore lint/suspicious/noApproximativeNumericConstant: Math.LOG2E would do, but the kernel names its own constants
const INV_LN2 = 1.442695040888963387
// biome-ignore lint/suspicious/noApproximativeNumericConstant: the kernel names its own constants
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
  if (Number.isNaN(x)) return Number.NaN
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
  if (Number.isNaN(x) || x < 0) return Number.NaN
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
  0.5, 0.4502617751698871, 0.4012936743170763, 0.3538302333272762, 0.3085375387259869, 0.26598552904870054, 0.2266273523768682,
  0.19078695285251063, 0.15865525393145705, 0.13029451713680887, 0.10564977366685525, 0.08456572235133572, 0.06680720126885807,
  0.05208127941521955, 0.04005915686381709, 0.030396361765261375, 0.02275013194817921, 0.016793306448448814, 0.012224472655044703,
  0.008774475095738362, 0.006209665325776135, 0.004332448363012558, 0.002979763235054557, 0.0020201374899460017, 0.0013498980316300946,
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
  if (Number.isNaN(x)) return Number.NaN
  if (x > 0) return 1 - normCdf(-x)
  if (x < -TAIL_LIMIT) return x < -38.5 ? 0 : normPdf(x) * millsRatio(-x)
  return cdfNearCentre(x)
}

const ACKLAM_A = [
  -3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239,
]
const ACKLAM_B = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1]
const ACKLAM_C = [
  -7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549671348433137, 4.374664141464968, 2.938163982698783,
]
const ACKLAM_D = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416]

function acklamTail(q: number): number {
  const [c0, c1, c2, c3, c4, c5] = ACKLAM_C
  const [d0, d1, d2, d3] = ACKLAM_D
  const num = ((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5
  return num / ((((d0 * q + d1) * q + d2) * q + d3) * q + 1)
}

/**
 * Inverse standard normal CDF for p in (0, 1): Acklam's rational approximation (1e-9) refined by
 * two Halley steps on {@link normCdf}, all with deterministic math.
 */
export function normInv(p: number): number {
  if (p === 0) return Number.NEGATIVE_INFINITY
  if (p === 1) return Number.POSITIVE_INFINITY
  if (!(p > 0 && p < 1)) return Number.NaN
  let x: number
  if (p < 0.02425) x = acklamTail(Math.sqrt(-2 * logDet(p)))
  else if (p > 1 - 0.02425) x = -acklamTail(Math.sqrt(-2 * logDet(1 - p)))
  else {
    const q = p - 0.5
    const r = q * q
    const [a0, a1, a2, a3, a4, a5] = ACKLAM_A
    const [b0, b1, b2, b3, b4] = ACKLAM_B
    x = ((((((a0 * r + a1) * r + a2) * r + a3) * r + a4) * r + a5) * q) / (((((b0 * r + b1) * r + b2) * r + b3) * r + b4) * r + 1)
  }
  for (let k = 0; k < 2; k++) {
    const e = normCdf(x) - p
    const u = e / normPdf(x)
    x -= u / (1 + 0.5 * x * u)
  }
  return x
}

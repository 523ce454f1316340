import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { expDet, logDet, normCdf, normInv, normPdf } from './mathDet.ts'

// A high-precision reference in BigInt fixed point (700 decimal digits), independent of the
// code under test: plain series, no range tricks shared with mathDet.ts.
const DIGITS = 700n
const ONE = 10n ** DIGITS
const view = new DataView(new ArrayBuffer(8))

/** The exact value of a double, scaled by ONE and truncated. */
function fromDouble(x: number): bigint {
  if (x === 0) return 0n
  view.setFloat64(0, Math.abs(x))
  const hi = view.getUint32(0)
  const biased = (hi >>> 20) & 0x7ff
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(view.getUint32(4))
  let e = -1074
  if (biased !== 0) {
    mant |= 1n << 52n
    e = biased - 1075
  }
  const v = e >= 0 ? (mant * ONE) << BigInt(e) : (mant * ONE) >> BigInt(-e)
  return x < 0 ? -v : v
}
const mul = (a: bigint, b: bigint) => (a * b) / ONE
const div = (a: bigint, b: bigint) => (a * ONE) / b
function isqrt(n: bigint): bigint {
  if (n < 2n) return n
  let x = 1n << BigInt(Math.ceil(n.toString(2).length / 2))
  for (;;) {
    const y = (x + n / x) >> 1n
    if (y >= x && y - x <= 1n) return x
    x = y
  }
}
function expRef(y: bigint): bigint {
  const z = y / 4096n
  let sum = ONE
  let term = ONE
  for (let n = 1n; term !== 0n; n++) {
    term = mul(term, z) / n
    sum += term
  }
  for (let i = 0; i < 12; i++) sum = mul(sum, sum)
  return sum
}
function atanhInv(k: bigint): bigint {
  // atanh(1/k) = Σ 1/((2n+1) k^(2n+1))
  let pow = ONE / k
  let sum = 0n
  for (let n = 1n; pow !== 0n; n += 2n) {
    sum += pow / n
    pow /= k * k
  }
  return sum
}
function atanInv(k: bigint): bigint {
  let pow = ONE / k
  let sum = 0n
  let sign = 1n
  for (let n = 1n; pow !== 0n; n += 2n) {
    sum += (sign * pow) / n
    pow /= k * k
    sign = -sign
  }
  return sum
}
const LN2 = 2n * atanhInv(3n)
const PI = 16n * atanInv(5n) - 4n * atanInv(239n)
const SQRT_2PI = isqrt(2n * PI * ONE)
function logRef(x: bigint): bigint {
  let k = 0n
  while (x > 2n * ONE) {
    x /= 2n
    k++
  }
  while (x < ONE) {
    x *= 2n
    k--
  }
  const s = div(x - ONE, x + ONE)
  const s2 = mul(s, s)
  let pow = s
  let sum = 0n
  for (let n = 1n; pow !== 0n; n += 2n) {
    sum += pow / n
    pow = mul(pow, s2)
  }
  return k * LN2 + 2n * sum
}
function cdfRef(x: bigint): bigint {
  const x2 = mul(x, x)
  const pdf = div(expRef(-x2 / 2n), SQRT_2PI)
  let term = x
  let sum = x
  for (let n = 1n; term !== 0n; n++) {
    term = mul(term, x2) / (2n * n + 1n)
    sum += term
  }
  return ONE / 2n + mul(pdf, sum)
}
/** |got − ref| ≤ tol·|ref|, exactly. */
function expectRelative(got: number, ref: bigint, tolExp = 14) {
  const diff = fromDouble(got) - ref
  const abs = diff < 0n ? -diff : diff
  const mag = ref < 0n ? -ref : ref
  expect(abs * 10n ** BigInt(tolExp) <= mag, `got ${got}, relative error too large`).toBe(true)
}

describe('mathDet', () => {
  it('expDet matches a 700-digit reference to 1e-14 relative', () => {
    const xs = [-708, -700, -100, -20, -1, -1e-9, 0, 1e-12, 0.3, 0.5, 1, 2.5, 20, 300, 709]
    for (const x of xs) expectRelative(expDet(x), expRef(fromDouble(x)))
    fc.assert(
      fc.property(fc.double({ min: -708, max: 709, noNaN: true }), (x) => {
        expectRelative(expDet(x), expRef(fromDouble(x)))
      }),
      { numRuns: 60 },
    )
    expect(expDet(710)).toBe(Number.POSITIVE_INFINITY)
    expect(expDet(-746)).toBe(0)
    expect(expDet(-745)).toBeGreaterThan(0) // subnormal: no relative accuracy claimed
  })

  it('logDet matches a 700-digit reference to 1e-14 relative', () => {
    // biome-ignore lint/suspicious/noApproximativeNumericConstant: a point near 1/√2 on purpose, not the constant
    const xs = [1e-300, 1e-10, 0.01, 0.5, 0.70710678, 0.999999, 1.000001, 1.5, 2, 10, 1e100]
    for (const x of xs) expectRelative(logDet(x), logRef(fromDouble(x)))
    fc.assert(
      fc.property(fc.double({ min: 1e-300, max: 1e300, noNaN: true }), (x) => {
        fc.pre(x !== 1)
        expectRelative(logDet(x), logRef(fromDouble(x)))
      }),
      { numRuns: 60 },
    )
    expect(logDet(1)).toBe(0)
    expect(logDet(0)).toBe(Number.NEGATIVE_INFINITY)
    expect(Number.isNaN(logDet(-1))).toBe(true)
  })

  it('normCdf matches a 700-digit reference to 1e-14 relative on [-37, 8]', () => {
    const xs = [-37, -30, -10, -3.01, -3, -2.99, -2.5, -2, -1.9375, -1, -0.0625, 0, 0.3, 1, 3, 5]
    for (const x of xs) expectRelative(normCdf(x), cdfRef(fromDouble(x)))
    fc.assert(
      fc.property(fc.double({ min: -37, max: 8, noNaN: true }), (x) => {
        expectRelative(normCdf(x), cdfRef(fromDouble(x)))
      }),
      { numRuns: 40 },
    )
  })

  it('normCdf grid points (the embedded table) are right to 1e-15', () => {
    for (let k = 0; k <= 24; k++) expectRelative(normCdf(-k / 8), cdfRef(fromDouble(-k / 8)), 15)
    expect(normCdf(0)).toBe(0.5)
  })

  it('normPdf matches the reference far in the tail', () => {
    for (const x of [0, 1, -5, 20.5, -35.123]) {
      const xb = fromDouble(x)
      expectRelative(normPdf(x), div(expRef(-mul(xb, xb) / 2n), SQRT_2PI))
    }
  })

  it('no consensus file in execution/risk uses Math.exp, Math.log or Math.pow', () => {
    const dir = new URL('.', import.meta.url).pathname
    for (const f of readdirSync(dir)) {
      if (!f.endsWith('.ts') || f.endsWith('.test.ts')) continue
      // code only: strip comments first
      const src = readFileSync(join(dir, f), 'utf8')
        .replace(/\/\*[\s\S]*?\*\//g, '')
        .replace(/\/\/.*$/gm, '')
      expect(/Math\.(exp|log|pow|expm1|log1p|cbrt|sin|cos)\b|[\w)\]] *\*\* *[\w(]/.test(src), f).toBe(false)
    }
  })
})

describe('normInv', () => {
  it('inverts normCdf to 1e-13 relative', () => {
    for (const p of [1e-300, 1e-20, 1e-6, 0.001, 0.02425, 0.025, 0.3, 0.5, 0.7, 0.975, 0.999, 1 - 1e-12]) {
      const x = normInv(p)
      expect(Math.abs(normCdf(x) - p) / p, String(p)).toBeLessThan(1e-13)
    }
    expect(normInv(0.975)).toBeCloseTo(1.959963984540054, 13)
    expect(normInv(0)).toBe(Number.NEGATIVE_INFINITY)
  })
})

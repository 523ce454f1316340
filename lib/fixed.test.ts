import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { formatAmount, formatWad, numberToWad, parseWad, WAD, wadToNumber } from './fixed.ts'

describe('fixed', () => {
  it('rounds floats to wad from their shortest decimal, half to even at 18 decimals', () => {
    expect(numberToWad(1)).toBe(WAD)
    expect(numberToWad(0.1)).toBe(100000000000000000n)
    expect(numberToWad(-2.5)).toBe(-2500000000000000000n)
    expect(numberToWad(1e30)).toBe(10n ** 48n)
    expect(numberToWad(1.5e-18)).toBe(2n) // tie -> even
    expect(numberToWad(2.5e-18)).toBe(2n) // tie -> even
    expect(numberToWad(-2.5e-18)).toBe(-2n)
    expect(numberToWad(2.6e-18)).toBe(3n)
    expect(numberToWad(4e-19)).toBe(0n)
    // biome-ignore lint/correctness/noPrecisionLoss: the float this literal rounds to is the case under test
    expect(numberToWad(1.2345678901234567e-7)).toBe(123456789012n)
    expect(() => numberToWad(Number.NaN)).toThrow(RangeError)
    expect(() => numberToWad(Number.POSITIVE_INFINITY)).toThrow(RangeError)
  })

  it('formats and parses decimal strings', () => {
    expect(formatWad(1250500000000000000000n)).toBe('1250.5')
    expect(formatWad(-3n * WAD)).toBe('-3')
    expect(formatWad(1n)).toBe('0.000000000000000001')
    expect(formatWad(0n)).toBe('0')
    expect(parseWad('1250.5')).toBe(1250500000000000000000n)
    expect(parseWad('-0.000000000000000001')).toBe(-1n)
    expect(() => parseWad('1.0000000000000000001')).toThrow(RangeError)
    expect(() => parseWad('1e3')).toThrow(RangeError)
    expect(formatAmount(0.1)).toBe('0.1')
    expect(formatAmount(116882.7931)).toBe('116882.7931')
    expect(formatAmount(-3142.847502321007)).toBe('-3142.847502321007')
  })

  it('round-trips wad through strings and floats', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), (w) => {
        expect(parseWad(formatWad(w))).toBe(w)
      }),
    )
    fc.assert(
      fc.property(fc.double({ min: -1e12, max: 1e12, noNaN: true }), (x) => {
        const w = numberToWad(x)
        expect(Math.abs(wadToNumber(w) - x)).toBeLessThanOrEqual(Math.abs(x) * 1e-15 + 1e-18)
      }),
    )
  })

  it('feeds whole amounts to the kernel exactly, and any amount within an ulp', () => {
    expect(wadToNumber(100_000n * WAD)).toBe(100_000)
    expect(wadToNumber(1_000_000n * WAD)).toBe(1_000_000)
    expect(wadToNumber(-25n * 10n ** 17n)).toBe(-2.5)
    expect(wadToNumber(1n)).toBe(1e-18)
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 33n), max: 10n ** 33n }), (w) => {
        const reference = Number(w) / 1e18
        expect(Math.abs(wadToNumber(w) - reference)).toBeLessThanOrEqual(Math.abs(reference) * 4e-16)
      }),
      { seed: 3 },
    )
  })
})

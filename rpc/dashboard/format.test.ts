import { describe, expect, it } from 'vitest'
import { formatAge, formatFigure, formatPercent, formatSignedPercent, roundDecimal } from './format.ts'

describe('dashboard number formatting', () => {
  it('rounds decimal strings exactly, half away from zero', () => {
    expect(roundDecimal('116882.793119913936')).toBe('116882.79')
    expect(roundDecimal('0.005')).toBe('0.01')
    expect(roundDecimal('-0.005')).toBe('-0.01')
    expect(roundDecimal('-0.004')).toBe('0.00')
    expect(roundDecimal('1.995')).toBe('2.00')
    expect(roundDecimal('999.999')).toBe('1000.00')
    expect(roundDecimal('3')).toBe('3.00')
    // a float would get this one wrong: 1.005 is 1.00499999999999989… as a double
    expect(roundDecimal('1.005')).toBe('1.01')
    expect(roundDecimal('12.5', 0)).toBe('13')
  })

  it('groups thousands and prints a true minus', () => {
    expect(formatFigure('-1234567.891')).toBe('−1,234,567.89')
    expect(formatFigure('110089.945631')).toBe('110,089.95')
    expect(formatFigure('0')).toBe('0.00')
    expect(formatFigure(null)).toBe('—')
    expect(formatFigure('999.5', 0)).toBe('1,000')
  })

  it('percentages and ages', () => {
    expect(formatPercent('0.6')).toBe('60.0%')
    expect(formatPercent(-0.3, 0)).toBe('−30%')
    expect(formatSignedPercent(-0.9112)).toBe('−91.1%')
    expect(formatSignedPercent(0.05)).toBe('+5.0%')
    expect(formatAge(4)).toBe('4 s')
    expect(formatAge(600)).toBe('10 min')
    expect(formatAge(86_400 * 3)).toBe('3 d')
  })
})

import { describe, expect, it } from 'vitest'
import { devMarket, devRiskParams } from './devMarket.ts'
import { instrumentName } from './instrumentName.ts'
import { buildScenarios } from './scenarios.ts'

describe('buildScenarios', () => {
  it('builds 7 × 3 scan scenarios and 2 extremes at extremeCover from the dev params', () => {
    const list = buildScenarios(devRiskParams)
    expect(list).toHaveLength(23)
    expect(list[0]).toEqual({ spotShock: -1, volShock: -0.3, weight: 1, extreme: false })
    expect(list.filter((s) => s.extreme)).toEqual([
      { spotShock: -3, volShock: 0, weight: 0.35, extreme: true },
      { spotShock: 3, volShock: 0, weight: 0.35, extreme: true },
    ])
  })

  it('follows the params: a longer spot ladder is more scenarios, not more code', () => {
    const list = buildScenarios({ ...devRiskParams, spotShocks: [-1, -0.5, 0, 0.5, 1] })
    expect(list).toHaveLength(17)
  })
})

describe('dev market', () => {
  it('names instruments as SPEC section 5 does and lists them all', () => {
    expect(devMarket.instruments.map((i) => i.name)).toContain('ETH-20261231-3000-C')
    expect(devMarket.instruments.map((i) => i.name)).toContain('BTC-20270326-50000-P')
    expect(devMarket.instruments).toHaveLength(26)
    for (const i of devMarket.instruments) expect(instrumentName(i)).toBe(i.name)
    expect(new Set(devMarket.instruments.map((i) => i.id)).size).toBe(26)
  })
})

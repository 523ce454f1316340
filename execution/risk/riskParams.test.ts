import { describe, expect, it } from 'vitest'
import { devMarket, devRiskParams } from '../../genesis/devMarket.ts'
import { patchMarketPrices, patchRiskParams } from './riskParams.ts'

describe('patchRiskParams', () => {
  it('merges objects by key, replaces arrays and scalars, leaves the base untouched', () => {
    const p = patchRiskParams(devRiskParams, {
      haircut: { WETH: 0.2 },
      volShocks: [-0.5, 0, 0.5],
      imMultiplier: 1.5,
      es: { enabled: false, correlation: { 'ETH-BTC': 0.5 } },
    })
    expect(p.haircut).toEqual({ ...devRiskParams.haircut, WETH: 0.2 })
    expect(p.volShocks).toEqual([-0.5, 0, 0.5])
    expect(p.imMultiplier).toBe(1.5)
    expect(p.es).toEqual({ ...devRiskParams.es, enabled: false, correlation: { 'ETH-BTC': 0.5 } })
    expect(devRiskParams.haircut.WETH).toBe(0.1)
    expect(devRiskParams.es.enabled).toBe(true)
  })

  it('names the bad parameter', () => {
    expect(() => patchRiskParams(devRiskParams, { scanrange: {} })).toThrow('params.scanrange: unknown parameter')
    expect(() => patchRiskParams(devRiskParams, { es: { enabled: 'yes' } })).toThrow('params.es.enabled')
    expect(() => patchRiskParams(devRiskParams, { spotShocks: [0, 'x'] })).toThrow('params.spotShocks[1]')
    expect(() => patchRiskParams(devRiskParams, [])).toThrow('params: expected an object')
  })

  it('refuses a __proto__ or constructor key in a map instead of dropping it in silence', () => {
    const patch = JSON.parse('{"haircut":{"__proto__":0.5}}')
    expect(() => patchRiskParams(devRiskParams, patch)).toThrow('params.haircut.__proto__: forbidden key')
    expect(() => patchRiskParams(devRiskParams, { es: { correlation: { constructor: 0.1 } } })).toThrow(
      'params.es.correlation.constructor: forbidden key',
    )
  })
})

describe('patchMarketPrices', () => {
  it('updates listed underlyings only and names unknown ones', () => {
    const m = patchMarketPrices(devMarket, { underlyings: { ETH: { price: 2500 }, BTC: { vol: 0.7 } } })
    expect(m.underlyings.find((u) => u.symbol === 'ETH')).toMatchObject({ price: 2500, vol: 0.6 })
    expect(m.underlyings.find((u) => u.symbol === 'BTC')).toMatchObject({ price: 60000, vol: 0.7 })
    expect(m.instruments).toBe(devMarket.instruments)
    expect(() => patchMarketPrices(devMarket, { underlyings: { SOL: { price: 1 } } })).toThrow(
      'market.underlyings.SOL: unknown underlying',
    )
    expect(() => patchMarketPrices(devMarket, { underlyings: { ETH: { price: 0 } } })).toThrow(
      'market.underlyings.ETH.price: must be > 0',
    )
  })
})

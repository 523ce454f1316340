import { describe, expect, it } from 'vitest'
import { numberToWad, WAD } from '../../lib/fixed.ts'
import {
  feedUpdateRefusal,
  PRICE_MAX_WAD,
  PRICE_MIN_WAD,
  priceInBounds,
  VOL_MAX_WAD,
  VOL_MIN_WAD,
  volInBounds,
  withinMove,
} from './priceBounds.ts'

const half = numberToWad(0.5)

describe('oracle caps', () => {
  it('price in [10^-8, 10^12] USD, vol in [0.0001, 10], edges included', () => {
    expect(PRICE_MIN_WAD).toBe(numberToWad(1e-8))
    expect(PRICE_MAX_WAD).toBe(10n ** 12n * WAD)
    expect([PRICE_MIN_WAD, PRICE_MAX_WAD].map(priceInBounds)).toEqual([true, true])
    expect([0n, PRICE_MIN_WAD - 1n, PRICE_MAX_WAD + 1n, 2n ** 255n - 1n].map(priceInBounds)).toEqual([false, false, false, false])
    expect(VOL_MIN_WAD).toBe(numberToWad(0.0001))
    expect(VOL_MAX_WAD).toBe(10n * WAD)
    expect([VOL_MIN_WAD, VOL_MAX_WAD].map(volInBounds)).toEqual([true, true])
    expect([VOL_MIN_WAD - 1n, VOL_MAX_WAD + 1n].map(volInBounds)).toEqual([false, false])
  })

  it('leaves int256 room for any size times the largest price', () => {
    // 10^12 USD (wad 10^30) times a size of 10^27 units (wad 10^45), over WAD, fits int256.
    expect((PRICE_MAX_WAD * 10n ** 45n) / WAD).toBeLessThan(2n ** 255n)
  })
})

describe('withinMove', () => {
  it('allows exactly ±maxMove of the stored figure and refuses one wei more', () => {
    const old = 3000n * WAD
    expect(withinMove(old, 4500n * WAD, half)).toBe(true)
    expect(withinMove(old, 4500n * WAD + 1n, half)).toBe(false)
    expect(withinMove(old, 1500n * WAD, half)).toBe(true)
    expect(withinMove(old, 1500n * WAD - 1n, half)).toBe(false)
    expect(withinMove(old, old, 1n)).toBe(true)
  })

  it('takes any figure when nothing is stored yet', () => {
    expect(withinMove(0n, 10n ** 30n, half)).toBe(true)
  })
})

describe('feedUpdateRefusal', () => {
  const stored = { priceWad: 3000n * WAD, volWad: 6n * 10n ** 17n }
  it.each([
    ['2^255 − 1', { priceWad: 2n ** 255n - 1n, volWad: stored.volWad }, 'price out of bounds: ETH'],
    ['vol 11', { priceWad: stored.priceWad, volWad: 11n * WAD }, 'vol out of bounds: ETH'],
    ['+60 %', { priceWad: 4800n * WAD, volWad: stored.volWad }, 'price move too large: ETH'],
    ['−60 %', { priceWad: 1200n * WAD, volWad: stored.volWad }, 'price move too large: ETH'],
    ['vol +60 %', { priceWad: stored.priceWad, volWad: 96n * 10n ** 16n }, 'vol move too large: ETH'],
    ['+40 % both', { priceWad: 4200n * WAD, volWad: 84n * 10n ** 16n }, undefined],
    ['−40 % both', { priceWad: 1800n * WAD, volWad: 36n * 10n ** 16n }, undefined],
  ])('%s → %s', (_, next, reason) => {
    expect(feedUpdateRefusal('ETH', next, half, stored)).toBe(reason)
  })

  it('checks only the caps without a stored figure', () => {
    expect(feedUpdateRefusal('BTC', { priceWad: 10n ** 30n, volWad: WAD }, half)).toBeUndefined()
    expect(feedUpdateRefusal('BTC', { priceWad: 1n, volWad: WAD }, half)).toBe('price out of bounds: BTC')
  })
})

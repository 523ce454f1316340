import { describe, expect, it } from 'vitest'
import { devGenesis } from '../../genesis/dev.ts'
import { applyChange } from './applyChange.ts'

const config = devGenesis(1_800_000_000).margin!.config
const ctx = { timestamp: 1_800_000_100n }

describe('a listing change (SPEC 6.4 and 7)', () => {
  it('patches the schedule: members replace, ticks merge', () => {
    const r = applyChange(config, '{"listing":{"weekly":4,"strikesPct":[0],"tick":{"ETH":50}}}', ctx)
    expect(r.ok && r.config.listing).toEqual({ weekly: 4, monthly: 2, strikesPct: [0], tick: { ETH: 50, BTC: 1000 } })
  })
  it('is refused at propose naming the parameter when out of bounds', () => {
    const reason = (change: string) => {
      const r = applyChange(config, change, ctx)
      return r.ok ? 'accepted' : r.reason
    }
    expect(reason('{"listing":{"weekly":9}}')).toBe('listing.weekly: must be an integer in [0, 8]')
    expect(reason('{"listing":{"strikesPct":[0.1,-1]}}')).toBe('listing.strikesPct[1]: must be in (-1, 5)')
    expect(reason('{"listing":{"tick":{"BTC":-1}}}')).toBe('listing.tick.BTC: must be in (0, 1000000000000]')
    expect(reason('{"listing":{"tick":{"XRP":1}}}')).toBe('listing.tick.XRP: unknown underlying')
    expect(reason('{"listing":{"hourly":1}}')).toBe('listing.hourly: unknown field')
    expect(reason('{"listing":{"tick":{"__proto__":1}}}')).toBe('listing.tick.__proto__: forbidden key')
  })
})

import { describe, expect, it } from 'vitest'
import { DEV_LISTING, devGenesis } from '../../genesis/dev.ts'
import { SYSTEM_BOUNDS } from '../../genesis/systemBounds.ts'
import type { GovernedConfig } from '../../state/system/types.ts'
import { dueExpiries, planListing } from './listing.ts'

const W = 10n ** 18n
const at = (iso: string) => Date.parse(iso) / 1000
/** Wednesday 2026-12-02 14:00 UTC: weeklies Dec 4 and 11, monthlies Dec 25 and Jan 29. */
const T = at('2026-12-02T14:00:00Z')
const prices = new Map([
  [1, 3_049n * W],
  [2, 60_499n * W],
])

function config(timestamp = T): GovernedConfig {
  return structuredClone(devGenesis(timestamp).margin!.config)
}

describe('listing', () => {
  it('lists the weekly and monthly window of every underlying with a tick, at the index', () => {
    const c = config()
    const due = dueExpiries(c, T)
    expect(due.map((d) => `${d.underlying} ${new Date(d.expiry * 1000).toISOString()}`)).toEqual([
      'ETH 2026-12-04T08:00:00.000Z',
      'ETH 2026-12-11T08:00:00.000Z',
      'ETH 2026-12-25T08:00:00.000Z',
      'ETH 2027-01-29T08:00:00.000Z',
      'BTC 2026-12-04T08:00:00.000Z',
      'BTC 2026-12-11T08:00:00.000Z',
      'BTC 2026-12-25T08:00:00.000Z',
      'BTC 2027-01-29T08:00:00.000Z',
    ])
    const listed = planListing(c, due, prices)
    // 2 underlyings × 4 expiries × 5 strikes × call and put; the LP feed has no tick.
    expect(listed).toHaveLength(80)
    expect(listed.map((i) => i.id)).toEqual(Array.from({ length: 80 }, (_, k) => 27 + k))
    expect(listed.slice(0, 10).map((i) => i.name)).toEqual([
      'ETH-20261204-2400-C',
      'ETH-20261204-2400-P',
      'ETH-20261204-2700-C',
      'ETH-20261204-2700-P',
      'ETH-20261204-3000-C',
      'ETH-20261204-3000-P',
      'ETH-20261204-3400-C',
      'ETH-20261204-3400-P',
      'ETH-20261204-3700-C',
      'ETH-20261204-3700-P',
    ])
    expect(listed[40]).toEqual({
      id: 67,
      name: 'BTC-20261204-48000-C',
      type: 'option',
      underlying: 'BTC',
      strike: 48_000,
      expiry: at('2026-12-04T08:00:00Z'),
      kind: 'call',
    })
    expect(new Set(listed.filter((i) => i.underlying === 'BTC').map((i) => i.strike))).toEqual(
      new Set([48_000, 54_000, 60_000, 67_000, 73_000]),
    )
  })

  it('lists an expiry once: not again in later blocks, nor when it is both a weekly and a monthly', () => {
    const c = config()
    c.market.instruments.push(...planListing(c, dueExpiries(c, T), prices))
    expect(dueExpiries(c, T + 3_600)).toEqual([])
    // Friday Dec 4 08:00: Dec 18 enters the weekly window, nothing else.
    const t2 = at('2026-12-04T08:00:00Z')
    expect(dueExpiries(c, t2 - 1)).toEqual([])
    expect(dueExpiries(c, t2).map((d) => [d.underlying, d.expiry])).toEqual([
      ['ETH', at('2026-12-18T08:00:00Z')],
      ['BTC', at('2026-12-18T08:00:00Z')],
    ])
    c.market.instruments.push(...planListing(c, dueExpiries(c, t2), prices))
    const day = (t: number) => dueExpiries(c, t).map((d) => `${d.underlying} ${new Date(d.expiry * 1000).toISOString().slice(0, 10)}`)
    // Dec 11: Dec 25 enters the weekly window, but it is this month's last Friday, listed already.
    expect(day(at('2026-12-11T08:00:00Z'))).toEqual([])
    expect(day(at('2026-12-18T08:00:00Z'))).toEqual(['ETH 2027-01-01', 'BTC 2027-01-01'])
    c.market.instruments.push(...planListing(c, dueExpiries(c, at('2026-12-18T08:00:00Z')), prices))
    // Dec 25: Jan 8 (weekly) is the dev genesis's own first expiry (the first Friday 30 days on):
    // listed already; Feb 26 (monthly) is new.
    expect(c.market.instruments.find((i) => i.id === 3)!.name).toBe('ETH-20270108-2500-C')
    expect(day(at('2026-12-25T08:00:00Z'))).toEqual(['ETH 2027-02-26', 'BTC 2027-02-26'])
  })

  it('takes ids after the largest, strikes deduplicated, and skips an underlying without a price', () => {
    const c = config()
    c.market.instruments.push({ id: 1000, name: 'ETH-PERP2', type: 'perp', underlying: 'ETH' })
    c.listing = { ...DEV_LISTING, strikesPct: [0, 0.001, -0.001], tick: { ETH: 100 } }
    const listed = planListing(c, dueExpiries(c, T), new Map([[1, 3_000n * W]]))
    expect(listed.map((i) => `${i.id} ${i.name}`).slice(0, 2)).toEqual(['1001 ETH-20261204-3000-C', '1002 ETH-20261204-3000-P'])
    expect(listed).toHaveLength(8)
    expect(planListing(c, dueExpiries(c, T), new Map())).toEqual([])
  })

  it('leaves out expiries that would take the market past the instrument cap', () => {
    const c = config()
    const room = 15
    for (let id = 100; c.market.instruments.length < SYSTEM_BOUNDS.instruments.max - room; id++) {
      c.market.instruments.push({ id, name: `X-${id}`, type: 'perp', underlying: 'ETH' })
    }
    const listed = planListing(c, dueExpiries(c, T), prices)
    expect(listed).toHaveLength(10)
    expect(new Set(listed.map((i) => i.expiry)).size).toBe(1)
  })

  it('lists nothing without a schedule', () => {
    const c = config()
    c.listing = { weekly: 0, monthly: 0, strikesPct: [0], tick: { ETH: 100 } }
    expect(dueExpiries(c, T)).toEqual([])
    c.listing = { weekly: 2, monthly: 0, strikesPct: [], tick: { ETH: 100 } }
    expect(dueExpiries(c, T)).toEqual([])
  })
})

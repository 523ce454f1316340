import type { Hex } from 'viem'
import { describe, expect, it } from 'vitest'
import type { Instrument } from '../execution/risk/types.ts'
import { devGenesis } from './dev.ts'
import type { GovernedConfig } from './marginTypes.ts'
import { checkInstrumentBounds, checkSystemBounds, SYSTEM_BOUNDS } from './systemBounds.ts'

const fail = (field: string, problem: string) => new Error(`${field}: ${problem}`)
const addr = (i: number) => `0x${i.toString(16).padStart(40, '0')}` as Hex
const withConfig = (patch: (c: GovernedConfig) => void) => {
  const c = structuredClone(devGenesis().margin!.config)
  patch(c)
  return () => checkSystemBounds(c, fail)
}
const option = (over: Partial<Instrument> = {}): Instrument => ({
  id: 100, name: 'ETH-20261231-4000-C', type: 'option', underlying: 'ETH', strike: 4000, expiry: 1_798_704_000, kind: 'call', ...over,
})

describe('checkSystemBounds', () => {
  it('accepts the dev config and the bounds at their edges', () => {
    expect(withConfig(() => {})).not.toThrow()
    expect(withConfig((c) => {
      c.oracle = { feeders: Array.from({ length: 32 }, (_, i) => addr(i + 1)), threshold: 32, maxMove: 10 }
      c.council = { members: Array.from({ length: 32 }, (_, i) => addr(i + 1)), quorum: 32, timelockBlocks: 10_000_000 }
    })).not.toThrow()
  })

  it.each<[string, (c: GovernedConfig) => void, string]>([
    ['no feeder', (c) => (c.oracle.feeders = []), 'oracle.feeders: must not be empty'],
    ['33 feeders', (c) => (c.oracle.feeders = Array.from({ length: 33 }, (_, i) => addr(i + 1))), 'oracle.feeders: must hold at most 32 addresses'],
    ['a feeder twice', (c) => (c.oracle.feeders = [addr(1), addr(1)]), 'oracle.feeders: holds an address twice'],
    ['a malformed feeder', (c) => (c.oracle.feeders = ['0x12' as Hex]), 'oracle.feeders[0]: must be a 20-byte 0x address'],
    ['a threshold above the feeders', (c) => (c.oracle.threshold = 2), 'oracle.threshold: exceeds the number of feeders (1)'],
    ['a threshold of 0', (c) => (c.oracle.threshold = 0), 'oracle.threshold: must be an integer ≥ 1'],
    ['maxMove of 0', (c) => (c.oracle.maxMove = 0), 'oracle.maxMove: must be in (0, 10]'],
    ['maxMove above 10', (c) => (c.oracle.maxMove = 10.5), 'oracle.maxMove: must be in (0, 10]'],
    ['a missing maxMove', (c) => delete (c.oracle as Partial<GovernedConfig['oracle']>).maxMove, 'oracle.maxMove: must be in (0, 10]'],
    ['33 council members', (c) => (c.council.members = Array.from({ length: 33 }, (_, i) => addr(i + 1))), 'council.members: must hold at most 32 addresses'],
    ['a quorum above the council', (c) => (c.council.quorum = 4), 'council.quorum: exceeds the council size (3)'],
    ['a timelock above 10,000,000 blocks', (c) => (c.council.timelockBlocks = 10_000_001), 'council.timelockBlocks: must be an integer in [0, 10000000]'],
    ['the zero address as a protocol', (c) => (c.protocols = [addr(0)]), 'protocols[0]: must not be the zero address'],
    ['257 protocols', (c) => (c.protocols = Array.from({ length: 257 }, (_, i) => addr(i + 1))), 'protocols: must hold at most 256 addresses'],
    ['two instruments with one id', (c) => (c.market.instruments[1] = { ...c.market.instruments[1], id: 1 }), 'market.instruments[1].id: duplicate id 1'],
    ['two instruments with one name', (c) => (c.market.instruments[1] = { ...c.market.instruments[1], name: 'ETH-PERP' }), 'market.instruments[1].name: duplicate name ETH-PERP'],
    ['513 instruments', (c) => {
      for (let i = c.market.instruments.length; i < 513; i++) c.market.instruments.push({ id: 1000 + i, name: `P${i}`, type: 'perp', underlying: 'ETH' })
    }, 'market.instruments: must hold at most 512 instruments'],
  ])('refuses %s', (_, patch, reason) => {
    expect(withConfig(patch)).toThrow(reason)
  })
})

describe('checkInstrumentBounds', () => {
  const market = devGenesis().margin!.config.market
  const check = (inst: Instrument) => () => checkInstrumentBounds(inst, market, fail, 'instruments.add[0]')

  it('accepts a dev-like option and a perp', () => {
    expect(check(option())).not.toThrow()
    expect(check({ id: 2 ** 32 - 1, name: 'ETH-PERP-2', type: 'perp', underlying: 'ETH' })).not.toThrow()
  })

  it.each<[string, Partial<Instrument>, string]>([
    ['an id of 2^32', { id: 2 ** 32 }, 'instruments.add[0].id: must be an integer in [1, 4294967295]'],
    ['an id of 0', { id: 0 }, 'instruments.add[0].id: must be an integer in [1, 4294967295]'],
    ['a strike above 10^12', { strike: 1e12 + 1 }, 'instruments.add[0].strike: must be in (0, 1000000000000]'],
    ['a strike of 0', { strike: 0 }, 'instruments.add[0].strike: must be in (0, 1000000000000]'],
    ['an expiry in 2100', { expiry: 4_102_444_800 }, 'instruments.add[0].expiry: must be an integer in [1, 4102444799]'],
    ['an unknown underlying', { underlying: 'DOGE' }, 'instruments.add[0].underlying: unknown underlying "DOGE"'],
    ['a 65-character name', { name: 'x'.repeat(65) }, 'instruments.add[0].name: must be a string of 1 to 64 characters'],
    ['an unknown kind', { kind: 'straddle' as never }, 'instruments.add[0].kind: must be "call" or "put"'],
  ])('refuses %s', (_, over, reason) => {
    expect(check(option(over))).toThrow(reason)
  })

  it('lists every bound in one place', () => {
    expect(SYSTEM_BOUNDS.instruments.maxPerChange).toBe(64)
    expect(SYSTEM_BOUNDS.instruments.maxExpiryAheadSeconds).toBe(10 * 365 * 86_400)
  })
})

import { describe, expect, it } from 'vitest'
import { applyChange, MAX_CHANGE_BYTES } from './applyChange.ts'
import { devGenesis } from './dev.ts'
import type { GovernedConfig } from './marginTypes.ts'

const base = (): GovernedConfig => devGenesis().margin!.config
const A = '0x1111111111111111111111111111111111111111'
const B = '0x2222222222222222222222222222222222222222'

function refused(change: unknown, config = base()) {
  const r = applyChange(config, typeof change === 'string' ? change : JSON.stringify(change))
  if (r.ok) throw new Error(`accepted ${JSON.stringify(change)}`)
  return r
}

function accepted(change: unknown, config = base()): GovernedConfig {
  const r = applyChange(config, JSON.stringify(change))
  if (!r.ok) throw new Error(r.reason)
  return r.config
}

describe('applyChange: risk parameters', () => {
  it('patches a parameter named as margin_getRiskParams names it, leaving the rest', () => {
    const c = accepted({ haircut: { WETH: 0.2 }, imMultiplier: 1.5, es: { enabled: false } })
    expect(c.riskParams.haircut).toEqual({ USDC: 0.02, WETH: 0.2, WBTC: 0.12, 'ETHUSDC-LP': 0.4 })
    expect(c.riskParams.imMultiplier).toBe(1.5)
    expect(c.riskParams.es.enabled).toBe(false)
    expect(c.riskParams.es.paths).toBe(2000)
    expect(base().riskParams.haircut.WETH).toBe(0.1)
  })

  it.each([
    [{ haircut: { WETH: 0.96 } }, 'haircut.WETH', 'haircut.WETH: must be in [0, 0.95]'],
    [{ haircut: { WETH: -0.01 } }, 'haircut.WETH', 'haircut.WETH: must be in [0, 0.95]'],
    [{ imMultiplier: 0.9 }, 'imMultiplier', 'imMultiplier: must be in [1, 5]'],
    [{ imMultiplier: 5.5 }, 'imMultiplier', 'imMultiplier: must be in [1, 5]'],
    [{ scanRange: { ETH: 1 } }, 'scanRange.ETH', 'scanRange.ETH: must be in (0, 1)'],
    [{ scanRange: { BTC: 0 } }, 'scanRange.BTC', 'scanRange.BTC: must be in (0, 1)'],
    [{ spotShocks: [-1, 1] }, 'spotShocks', 'spotShocks: must hold 0'],
    [{ spotShocks: [-1.5, 0, 1] }, 'spotShocks[0]', 'spotShocks[0]: must be within [-1, 1]'],
    [{ volShocks: [-1, 0] }, 'volShocks[0]', 'volShocks[0]: must be in (-1, 5)'],
    [{ volShocks: [0, 5] }, 'volShocks[1]', 'volShocks[1]: must be in (-1, 5)'],
    [{ extremeCover: 1.1 }, 'extremeCover', 'extremeCover: must be in [0, 1]'],
    [{ maxOracleAge: 0 }, 'maxOracleAge', 'maxOracleAge: must be an integer ≥ 1'],
    [{ haircut: { DOGE: 0.1 } }, 'haircut.DOGE', 'haircut.DOGE: unknown asset'],
    [{ scanRange: { DOGE: 0.1 } }, 'scanRange.DOGE', 'scanRange.DOGE: unknown underlying'],
    [{ haircut: { WETH: '0.2' } }, 'haircut.WETH', 'haircut.WETH: expected a finite number'],
    [{ volatility: 1 }, 'volatility', 'volatility: unknown parameter'],
    [{ es: { enabled: 'yes' } }, 'es.enabled', 'es.enabled: expected true or false'],
    [{ es: { paths: 10 } }, 'es.paths', 'es.paths: must be an integer in [100, 100000]'],
  ])('refuses %j naming %s', (change, field, reason) => {
    expect(refused(change)).toEqual({ ok: false, field, reason })
  })
})

describe('applyChange: registries, oracle, council', () => {
  it('adds and removes protocols, keeping the list sorted and refusing no-ops', () => {
    const before = base().protocols
    const c = accepted({ protocols: { add: [B, A.toUpperCase().replace('0X', '0x')] } })
    expect(c.protocols).toEqual([...before, A, B].sort())
    expect(accepted({ protocols: { remove: [B] } }, c).protocols).toEqual([...before, A].sort())
    expect(refused({ protocols: { add: [A] } }, c).reason).toBe(`protocols.add[0]: ${A} is already registered`)
    expect(refused({ protocols: { remove: [B] } }).reason).toBe(`protocols.remove[0]: ${B} is not registered`)
    expect(refused({ protocols: { add: ['0x12'] } }).reason).toBe('protocols.add[0]: must be a 20-byte 0x address')
    expect(refused({ protocols: { add: [A, A] } }).reason).toBe('protocols.add: holds an address twice')
    expect(refused({ protocols: { replace: [A] } }).reason).toBe('protocols.replace: unknown field')
    expect(refused({ protocols: [A] }).reason).toBe('protocols: must be an object { add, remove }')
  })

  it('adds instruments validated like the genesis ones, naming options by default', () => {
    const c = accepted({
      instruments: {
        add: [
          { id: 100, type: 'option', underlying: 'ETH', strike: 4000, expiry: 1_798_704_000, kind: 'call' },
          { id: 101, name: 'ETHUSDC-LP-PERP', type: 'perp', underlying: 'ETHUSDC-LP' },
        ],
      },
    })
    const added = c.market.instruments.slice(-2)
    expect(added[0]).toEqual({
      id: 100, name: 'ETH-20261231-4000-C', type: 'option', underlying: 'ETH', strike: 4000, expiry: 1_798_704_000, kind: 'call',
    })
    expect(added[1].name).toBe('ETHUSDC-LP-PERP')
    expect(c.market.instruments.length).toBe(base().market.instruments.length + 2)
  })

  it.each([
    [{ add: [{ id: 1, type: 'perp', underlying: 'ETH', name: 'X' }] }, 'instruments.add[0].id: duplicate id 1'],
    [{ add: [{ id: 99, type: 'perp', underlying: 'ETH' }] }, 'instruments.add[0].name: duplicate name ETH-PERP'],
    [{ add: [{ id: 99, type: 'perp', underlying: 'DOGE' }] }, 'instruments.add[0].underlying: unknown underlying "DOGE"'],
    [{ add: [{ id: 99, type: 'future', underlying: 'ETH' }] }, 'instruments.add[0].type: must be "perp" or "option"'],
    [{ add: [{ id: 99, type: 'option', underlying: 'ETH', strike: 1, expiry: 2, kind: 'straddle' }] }, 'instruments.add[0].kind: must be "call" or "put"'],
    [{ add: [{ id: 99, type: 'option', underlying: 'ETH', strike: -1, expiry: 2, kind: 'put' }] }, 'instruments.add[0].strike: must be a positive number'],
    [{ add: [{ id: 99, type: 'option', underlying: 'ETH', strike: 1, expiry: 1.5, kind: 'put' }] }, 'instruments.add[0].expiry: must be an integer ≥ 1'],
    [{ add: [{ id: 99, type: 'perp', underlying: 'ETH', name: 'E2', strike: 3 }] }, 'instruments.add[0].strike: is for options only'],
    [{ add: [{ id: 0, type: 'perp', underlying: 'ETH' }] }, 'instruments.add[0].id: must be an integer ≥ 1'],
    [{ add: [{ id: 98, type: 'perp', underlying: 'BTC', name: 'Z' }, { id: 98, type: 'perp', underlying: 'ETH', name: 'Y' }] }, 'instruments.add[1].id: duplicate id 98'],
    [{ add: [] }, 'instruments.add: must be a non-empty array'],
    [{ remove: [1] }, 'instruments.remove: unknown field'],
  ])('refuses instruments %j', (instruments, reason) => {
    expect(refused({ instruments }).reason).toBe(reason)
  })

  it('changes the oracle feeders and threshold, threshold within the feeder count', () => {
    const c = accepted({ oracle: { feeders: [B, A], threshold: 2 } })
    expect(c.oracle).toEqual({ feeders: [A, B], threshold: 2 })
    expect(refused({ oracle: { threshold: 2 } }).reason).toBe('oracle.threshold: exceeds the number of feeders (1)')
    expect(refused({ oracle: { threshold: 0 } }).reason).toBe('oracle.threshold: must be an integer ≥ 1')
    expect(refused({ oracle: { feeders: [] } }).reason).toBe('oracle.feeders: must not be empty')
  })

  it('changes the council, quorum within the council size', () => {
    const c = accepted({ council: { quorum: 3, timelockBlocks: 10 } })
    expect(c.council.quorum).toBe(3)
    expect(c.council.timelockBlocks).toBe(10)
    expect(c.council.members.length).toBe(3)
    expect(refused({ council: { quorum: 4 } }).reason).toBe('council.quorum: exceeds the council size (3)')
    expect(refused({ council: { members: [A], quorum: 2 } }).reason).toBe('council.quorum: exceeds the council size (1)')
    expect(refused({ council: { timelockBlocks: -1 } }).reason).toBe('council.timelockBlocks: must be an integer ≥ 0')
  })
})

describe('applyChange: malformed documents', () => {
  it.each([
    ['{"haircut": ', /^malformed change: /],
    ['not json', /^malformed change: /],
    ['[1,2]', /^malformed change: must be a JSON object$/],
    ['"haircut"', /^malformed change: must be a JSON object$/],
    ['null', /^malformed change: must be a JSON object$/],
    ['{}', /^malformed change: changes nothing$/],
    [`{"x":"${'a'.repeat(MAX_CHANGE_BYTES)}"}`, /^malformed change: longer than 8192 bytes$/],
  ])('refuses %s', (text, reason) => {
    const r = refused(text)
    expect(r.reason).toMatch(reason)
    expect(r.field).toBeUndefined()
  })

  it('never changes the config it was given', () => {
    const c = base()
    const before = JSON.stringify(c)
    accepted({ haircut: { WETH: 0.2 }, protocols: { add: [A] }, council: { quorum: 3 } }, c)
    expect(JSON.stringify(c)).toBe(before)
  })
})

import { describe, expect, it } from 'vitest'
import { applyChange, MAX_CHANGE_BYTES } from './applyChange.ts'
import { devGenesis } from './dev.ts'
import type { GovernedConfig } from './marginTypes.ts'

const base = (): GovernedConfig => devGenesis().margin!.config
/** The block the changes are checked in: the dev genesis time (2026-01-01T00:00:00Z). */
const NOW = { timestamp: 1_767_225_600n }
const A = '0x1111111111111111111111111111111111111111'
const B = '0x2222222222222222222222222222222222222222'

function refused(change: unknown, config = base()) {
  const r = applyChange(config, typeof change === 'string' ? change : JSON.stringify(change), NOW)
  if (r.ok) throw new Error(`accepted ${JSON.stringify(change)}`)
  return r
}

function accepted(change: unknown, config = base()): GovernedConfig {
  const r = applyChange(config, JSON.stringify(change), NOW)
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
    [{ spotShocks: [-1.5, 0, 1] }, 'spotShocks[0]', 'spotShocks[0]: must be in [-1, 1]'],
    [{ volShocks: [-1, 0] }, 'volShocks[0]', 'volShocks[0]: must be in (-1, 5)'],
    [{ volShocks: [0, 5] }, 'volShocks[1]', 'volShocks[1]: must be in (-1, 5)'],
    [{ extremeCover: 1.1 }, 'extremeCover', 'extremeCover: must be in [0, 1]'],
    [{ maxOracleAge: 0 }, 'maxOracleAge', 'maxOracleAge: must be an integer in [1, 3600]'],
    [{ haircut: { DOGE: 0.1 } }, 'haircut.DOGE', 'haircut.DOGE: unknown asset'],
    [{ scanRange: { DOGE: 0.1 } }, 'scanRange.DOGE', 'scanRange.DOGE: unknown underlying'],
    [{ haircut: { WETH: '0.2' } }, 'haircut.WETH', 'haircut.WETH: expected a finite number'],
    [{ volatility: 1 }, 'volatility', 'volatility: unknown parameter'],
    [{ es: { enabled: 'yes' } }, 'es.enabled', 'es.enabled: expected true or false'],
    [{ es: { paths: 10 } }, 'es.paths', 'es.paths: must be an integer in [100, 20000]'],
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
    expect(c.oracle).toEqual({ feeders: [A, B], threshold: 2, maxMove: 0.5 })
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

describe('applyChange: whole values (issue 14)', () => {
  it('refuses {"es":{"correlation":{"ETH-BTC":1}}}: the matrix would not be positive definite', () => {
    expect(refused({ es: { correlation: { 'ETH-BTC': 1 } } })).toEqual({
      ok: false,
      field: 'es.correlation',
      reason: 'es.correlation: must be positive definite over ETH, BTC, ETHUSDC-LP (Cholesky pivot ≤ 1e-9 at BTC)',
    })
  })

  it('refuses a 3×3 that is not positive definite although each pair is in [-1, 1]', () => {
    const r = refused({ es: { correlation: { 'ETH-BTC': 0.9, 'ETH-ETHUSDC-LP': 0.9, 'BTC-ETHUSDC-LP': -0.9 } } })
    expect(r.field).toBe('es.correlation')
    expect(r.reason).toMatch(/^es\.correlation: must be positive definite/)
  })

  it('checks the matrix as merged: a pair that is fine alone is refused with what is stored', () => {
    const c = accepted({ es: { correlation: { 'ETH-ETHUSDC-LP': 0.5 } } })
    expect(c.riskParams.es.correlation).toEqual({ 'ETH-BTC': 0.8, 'ETH-ETHUSDC-LP': 0.5 })
    expect(refused({ es: { correlation: { 'BTC-ETHUSDC-LP': -0.9 } } }, c).reason).toMatch(/must be positive definite/)
  })

  it('refuses unknown underlyings, asymmetric pairs and a diagonal other than 1 in correlation keys', () => {
    expect(refused({ es: { correlation: { 'ETH-DOGE': 0.1 } } }).field).toBe('es.correlation.ETH-DOGE')
    expect(refused({ es: { correlation: { 'BTC-ETH': 0.5 } } }).reason).toBe(
      'es.correlation.ETH-BTC: must equal BTC-ETH (the matrix is symmetric)',
    )
    expect(refused({ es: { correlation: { 'BTC-BTC': 0.9 } } }).field).toBe('es.correlation.BTC-BTC')
  })

  it.each([
    [{ maxOracleAge: 3601 }, 'maxOracleAge: must be an integer in [1, 3600]'],
    [{ es: { paths: 20_001 } }, 'es.paths: must be an integer in [100, 20000]'],
    [{ es: { horizonSeconds: 31 * 86_400 } }, 'es.horizonSeconds: must be an integer in [1, 2592000]'],
    [{ extremeMultiple: 50 }, 'extremeMultiple: must be in [1, 20]'],
    [{ spotShocks: [0, ...Array.from({ length: 64 }, () => 0.5)] }, 'spotShocks: must hold at most 64 entries'],
    [{ volShocks: Array.from({ length: 65 }, () => 0) }, 'volShocks: must hold at most 64 entries'],
    [{ oracle: { maxMove: 0 } }, 'oracle.maxMove: must be in (0, 10]'],
    [{ oracle: { maxMove: 11 } }, 'oracle.maxMove: must be in (0, 10]'],
    [{ oracle: { maxMove: '0.5' } }, 'oracle.maxMove: must be a finite number'],
    [{ oracle: { feeders: [A, A] } }, 'oracle.feeders: holds an address twice'],
    [{ oracle: { feeders: Array.from({ length: 33 }, (_, i) => `0x${(i + 1).toString(16).padStart(40, '0')}`) } }, 'oracle.feeders: must hold at most 32 addresses'],
    [{ council: { members: Array.from({ length: 33 }, (_, i) => `0x${(i + 1).toString(16).padStart(40, '0')}`) } }, 'council.members: must hold at most 32 addresses'],
    [{ council: { timelockBlocks: 10_000_001 } }, 'council.timelockBlocks: must be an integer in [0, 10000000]'],
    [{ protocols: { add: ['0x0000000000000000000000000000000000000000'] } }, 'protocols.add[0]: must not be the zero address'],
    [{ protocols: { add: [A], remove: [A] } }, `protocols.add[0]: ${A} is also in remove`],
  ])('refuses %j: %s', (change, reason) => {
    expect(refused(change).reason).toBe(reason)
  })

  it('changes oracle.maxMove within (0, 10], keeping the feeders', () => {
    const c = accepted({ oracle: { maxMove: 0.25 } })
    expect(c.oracle).toEqual({ ...base().oracle, maxMove: 0.25 })
    expect(accepted({ oracle: { maxMove: 10 } }).oracle.maxMove).toBe(10)
  })

  it('refuses a feeder set that leaves the threshold out of reach (checked on the result)', () => {
    const two = accepted({ oracle: { feeders: [A, B], threshold: 2 } })
    expect(refused({ oracle: { feeders: [A] } }, two).reason).toBe('oracle.threshold: exceeds the number of feeders (1)')
  })
})

describe('applyChange: instrument additions (issue 14)', () => {
  const opt = (over: Record<string, unknown>) => ({ id: 200, type: 'option', underlying: 'ETH', strike: 4000, expiry: 1_798_704_000, kind: 'call', ...over })
  it.each([
    [opt({ expiry: Number(NOW.timestamp) }), `instruments.add[0].expiry: must be after the block's time (${NOW.timestamp})`],
    [opt({ expiry: 1_700_000_000 }), `instruments.add[0].expiry: must be after the block's time (${NOW.timestamp})`],
    [opt({ expiry: Number(NOW.timestamp) + 315_360_001 }), `instruments.add[0].expiry: must be at most 315360000 seconds after the block's time (${NOW.timestamp})`],
    [opt({ strike: 2e12 }), 'instruments.add[0].strike: must be in (0, 1000000000000]'],
    [opt({ id: 2 ** 32 }), 'instruments.add[0].id: must be an integer in [1, 4294967295]'],
    [opt({ name: 'n'.repeat(65) }), 'instruments.add[0].name: must be a string of 1 to 64 characters'],
  ])('refuses %j', (inst, reason) => {
    expect(refused({ instruments: { add: [inst] } }).reason).toBe(reason)
  })

  it('refuses more than 64 instruments in one change', () => {
    const add = Array.from({ length: 65 }, (_, i) => ({ id: 300 + i, name: `X${i}`, type: 'perp', underlying: 'BTC' }))
    expect(refused({ instruments: { add } }).reason).toBe('instruments.add: must hold at most 64 instruments')
  })

  it('judges expiries against the block it is given (so execute re-checks them)', () => {
    const change = JSON.stringify({ instruments: { add: [opt({ expiry: 1_767_300_000 })] } })
    expect(applyChange(base(), change, { timestamp: 1_767_225_600n }).ok).toBe(true)
    expect(applyChange(base(), change, { timestamp: 1_767_300_000n })).toMatchObject({ ok: false, field: 'instruments.add[0].expiry' })
  })
})

describe('applyChange: prototype keys (issue 14)', () => {
  it.each([
    ['{"__proto__":{"imMultiplier":1}}', '__proto__'],
    ['{"haircut":{"__proto__":{"WETH":0.9}}}', 'haircut.__proto__'],
    ['{"es":{"correlation":{"constructor":0.5}}}', 'es.correlation.constructor'],
    ['{"instruments":{"add":[{"id":99,"type":"perp","underlying":"ETH","prototype":1}]}}', 'instruments.add[0].prototype'],
    ['{"oracle":{"constructor":{"prototype":{}}}}', 'oracle.constructor'],
    ['{"imMultiplier":1.5,"constructor":1}', 'constructor'],
  ])('refuses %s naming %s', (text, field) => {
    expect(refused(text)).toEqual({ ok: false, field, reason: `${field}: forbidden key` })
  })

  it('leaves Object.prototype untouched and the config as it was', () => {
    const c = base()
    const before = JSON.stringify(c)
    refused('{"__proto__":{"polluted":true},"haircut":{"WETH":0.2}}', c)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(JSON.stringify(c)).toBe(before)
  })

  it('refuses documents nested deeper than 16', () => {
    const r = refused(`{"es":${'['.repeat(20)}${']'.repeat(20)}}`)
    expect(r.reason).toBe('malformed change: nested deeper than 16')
    expect(r.field).toBeUndefined()
  })
})

/**
 * The bounds on the governed configuration besides the risk parameters (SPEC section 7): the
 * oracle's feeder set and `maxMove`, the council, the registered protocols and the listed
 * instruments. Checked on the whole config at genesis and after every change at `propose` /
 * `execute`; every bound is listed in {@link SYSTEM_BOUNDS}. `fail(field, problem)` builds the
 * error to throw; fields are named as in a change document (`oracle.threshold`,
 * `council.quorum`), instruments as `market.instruments[i]` unless the caller names them.
 */
import type { Hex } from 'viem'
import { MAX_MOVE_LIMIT, PRICE_MAX_WAD } from '../execution/oracle/priceBounds.ts'
import type { Instrument, Market } from '../execution/risk/types.ts'
import { WAD } from '../lib/fixed.ts'
import type { GovernedConfig } from './marginTypes.ts'
import { checkInterval, type Interval } from './riskParamBounds.ts'

type Fail = (field: string, problem: string) => Error

/** Every bound on the oracle, council, protocols and instruments. */
export const SYSTEM_BOUNDS = {
  oracle: {
    /** Feeders: 1 to maxFeeders distinct addresses; `threshold` an integer in [1, feeders]. */
    maxFeeders: 32,
    /** Share of the stored figure an update may move a price or a vol by. */
    maxMove: { lo: 0, hi: MAX_MOVE_LIMIT, loOpen: true } satisfies Interval,
  },
  council: {
    /** Members: 1 to maxMembers distinct addresses; `quorum` an integer in [1, members]. */
    maxMembers: 32,
    timelockBlocks: { lo: 0, hi: 10_000_000, integer: true } satisfies Interval,
  },
  /** Registered protocols: distinct non-zero addresses, at most this many. */
  maxProtocols: 256,
  instruments: {
    /** Listed in all (each is priced for every account holding it, every block). */
    max: 512,
    /** Added by one change. */
    maxPerChange: 64,
    /** Ids are `uint32` in the Margin ABI; 0 is no instrument. */
    id: { lo: 1, hi: 2 ** 32 - 1, integer: true } satisfies Interval,
    /** USD, as the oracle's price cap (10^12). */
    strike: { lo: 0, hi: Number(PRICE_MAX_WAD / WAD), loOpen: true } satisfies Interval,
    /** Unix seconds: before 2100-01-01T00:00:00Z. */
    expiry: { lo: 1, hi: 4_102_444_799, integer: true } satisfies Interval,
    /** A new option's expiry: after the block's time and at most this many seconds (10 years) later. */
    maxExpiryAheadSeconds: 315_360_000,
    maxNameLength: 64,
  },
} as const

const ADDRESS = /^0x[0-9a-f]{40}$/
const ZERO_ADDRESS = `0x${'0'.repeat(40)}`

function checkAddresses(list: readonly Hex[], fail: Fail, field: string, min: number, max: number): void {
  if (!Array.isArray(list)) throw fail(field, 'must be an array of addresses')
  if (list.length < min) throw fail(field, 'must not be empty')
  if (list.length > max) throw fail(field, `must hold at most ${max} addresses`)
  list.forEach((a, i) => {
    if (typeof a !== 'string' || !ADDRESS.test(a)) throw fail(`${field}[${i}]`, 'must be a 20-byte 0x address')
  })
  if (new Set(list).size !== list.length) throw fail(field, 'holds an address twice')
}

function checkCount(v: unknown, n: number, fail: Fail, field: string, exceeds: string): void {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) throw fail(field, 'must be an integer ≥ 1')
  if (v > n) throw fail(field, `exceeds ${exceeds} (${n})`)
}

/**
 * Throws `fail(field, problem)` unless `inst` is listable in `market`: id in [1, 2^32 − 1], a
 * name of 1 to 64 characters, a known underlying, and for an option a strike in (0, 10^12], an
 * expiry in [1, 4,102,444,799] and a kind `call` or `put`.
 *
 * @param field the instrument's name in refusals (`instruments.add[0]`).
 */
export function checkInstrumentBounds(inst: Instrument, market: Market, fail: Fail, field: string): void {
  const B = SYSTEM_BOUNDS.instruments
  checkInterval(inst.id, B.id, fail, `${field}.id`)
  if (typeof inst.name !== 'string' || inst.name.length === 0 || inst.name.length > B.maxNameLength) {
    throw fail(`${field}.name`, `must be a string of 1 to ${B.maxNameLength} characters`)
  }
  if (!market.underlyings.some((u) => u.symbol === inst.underlying)) {
    throw fail(`${field}.underlying`, `unknown underlying ${JSON.stringify(inst.underlying)}`)
  }
  if (inst.type === 'perp') return
  if (inst.type !== 'option') throw fail(`${field}.type`, 'must be "perp" or "option"')
  checkInterval(inst.strike, B.strike, fail, `${field}.strike`)
  checkInterval(inst.expiry, B.expiry, fail, `${field}.expiry`)
  if (inst.kind !== 'call' && inst.kind !== 'put') throw fail(`${field}.kind`, 'must be "call" or "put"')
}

/**
 * Throws `fail(field, problem)` for the first bound of {@link SYSTEM_BOUNDS} that `config`
 * breaks: the feeder set and threshold, `oracle.maxMove`, the council and quorum, the timelock,
 * the protocols, and every listed instrument (count, unique ids and names, each one's bounds).
 */
export function checkSystemBounds(config: GovernedConfig, fail: Fail): void {
  const B = SYSTEM_BOUNDS
  const { oracle, council, protocols, market } = config
  checkAddresses(oracle.feeders, fail, 'oracle.feeders', 1, B.oracle.maxFeeders)
  checkCount(oracle.threshold, oracle.feeders.length, fail, 'oracle.threshold', 'the number of feeders')
  checkInterval(oracle.maxMove, B.oracle.maxMove, fail, 'oracle.maxMove')
  checkAddresses(council.members, fail, 'council.members', 1, B.council.maxMembers)
  checkCount(council.quorum, council.members.length, fail, 'council.quorum', 'the council size')
  checkInterval(council.timelockBlocks, B.council.timelockBlocks, fail, 'council.timelockBlocks')
  checkAddresses(protocols, fail, 'protocols', 0, B.maxProtocols)
  protocols.forEach((a, i) => {
    if (a === ZERO_ADDRESS) throw fail(`protocols[${i}]`, 'must not be the zero address')
  })
  const list = market.instruments
  if (list.length > B.instruments.max) {
    throw fail('market.instruments', `must hold at most ${B.instruments.max} instruments`)
  }
  const ids = new Set<number>()
  const names = new Set<string>()
  list.forEach((inst, i) => {
    const field = `market.instruments[${i}]`
    checkInstrumentBounds(inst, market, fail, field)
    if (ids.has(inst.id)) throw fail(`${field}.id`, `duplicate id ${inst.id}`)
    if (names.has(inst.name)) throw fail(`${field}.name`, `duplicate name ${inst.name}`)
    ids.add(inst.id)
    names.add(inst.name)
  })
}

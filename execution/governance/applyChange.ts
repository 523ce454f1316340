/**
 * What a governance proposal does to the governed configuration (SPEC section 7): a patch of
 * section 6's risk parameters named as `margin_getRiskParams` names them, or a change of the
 * registries (protocols, instruments), the oracle's feeder set or the council. Pure: the same
 * config and change always give the same result; refusals are values naming the parameter.
 */
import type { Hex } from 'viem'
import { checkFundingBounds, patchFunding } from '../../genesis/fundingBounds.ts'
import { patchLending } from '../../genesis/lendingParams.ts'
import { checkListingBounds, LISTING_OFF, patchListing } from '../../genesis/listingBounds.ts'
import { checkRiskParamBounds } from '../../genesis/riskParamBounds.ts'
import { checkInstrumentBounds, checkSystemBounds, SYSTEM_BOUNDS } from '../../genesis/systemBounds.ts'
import { isRecord, nullProtoCopy, scanJson, unknownKey } from '../../lib/jsonKeys.ts'
import { type Instrument, InvalidMarketError, instrumentName, patchRiskParams, type RiskParams } from '../../risk/index.ts'
import type { GovernedConfig } from '../../state/system/types.ts'
import { InvalidChangeError, MalformedChangeError } from '../errors.ts'
import { Refusal } from '../refusal.ts'

/** Longest change document accepted, in bytes of UTF-8. */
export const MAX_CHANGE_BYTES = 8192
/** Deepest nesting of objects and arrays in a change document (the deepest real one is 4). */
export const MAX_CHANGE_DEPTH = 16

/** Where a change is checked: the block of the `propose` or `execute` call. */
export interface ChangeContext {
  /** The block's timestamp, unix seconds: new options must expire after it. */
  timestamp: bigint
}

/**
 * A refused change: `reason` is the revert reason (`"<field>: <problem>"` or
 * `"malformed change: <problem>"`), `error` the domain error behind it.
 */
export class ChangeRefusal extends Refusal<InvalidChangeError | MalformedChangeError> {
  /** The refused parameter's path (`haircut.WETH`, `council.quorum`), when one is to blame. */
  readonly field?: string

  constructor(error: InvalidChangeError | MalformedChangeError) {
    super(error)
    if (error instanceof InvalidChangeError) this.field = error.field
  }
}

/** Outcome of {@link applyChange}: the new config, or the refusal. */
export type ChangeResult = { ok: true; config: GovernedConfig } | ChangeRefusal

// Inside this module a refusal is thrown, and turned into a `ChangeRefusal` at the boundary.
const refuse = (field: string, problem: string): never => {
  throw new InvalidChangeError(field, problem)
}
const malformed = (problem: string): never => {
  throw new MalformedChangeError(problem)
}

function onlyKeys(v: Record<string, unknown>, keys: readonly string[], path: string): void {
  const k = unknownKey(v, keys)
  if (k !== undefined) refuse(`${path}.${k}`, 'unknown field')
}

function address(v: unknown, path: string): Hex {
  if (typeof v !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(v)) refuse(path, 'must be a 20-byte 0x address')
  return (v as string).toLowerCase() as Hex
}

function addressList(v: unknown, path: string, nonEmpty: boolean): Hex[] {
  if (!Array.isArray(v)) return refuse(path, 'must be an array of addresses')
  if (nonEmpty && v.length === 0) refuse(path, 'must not be empty')
  const out = v.map((a, i) => address(a, `${path}[${i}]`))
  if (new Set(out).size !== out.length) refuse(path, 'holds an address twice')
  return out
}

function int(v: unknown, path: string, min: number): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) refuse(path, `must be an integer ≥ ${min}`)
  return v as number
}

const SYSTEM_KEYS = ['protocols', 'instruments', 'oracle', 'council', 'funding', 'listing', 'lending'] as const

/** The `fail` of the shared bound checkers: a refusal naming the field. */
const refusal = (field: string, problem: string) => new InvalidChangeError(field, problem)

/** Patches the risk parameters; the whole set is checked after (`checkRiskParamBounds`). */
function applyRiskPatch(config: GovernedConfig, patch: Record<string, unknown>): RiskParams {
  try {
    return patchRiskParams(config.riskParams, patch, '$')
  } catch (err) {
    if (!(err instanceof InvalidMarketError)) throw err
    const field = err.field.replace(/^\$\.?/, '')
    return refuse(field, err.shortMessage.slice(err.field.length + 2))
  }
}

function applyProtocols(protocols: Hex[], v: unknown): Hex[] {
  if (!isRecord(v)) return refuse('protocols', 'must be an object { add, remove }')
  onlyKeys(v, ['add', 'remove'], 'protocols')
  if (v.add === undefined && v.remove === undefined) refuse('protocols', 'must have add or remove')
  const set = new Set(protocols)
  const add = v.add === undefined ? [] : addressList(v.add, 'protocols.add', false)
  const remove = v.remove === undefined ? [] : addressList(v.remove, 'protocols.remove', false)
  add.forEach((a, i) => {
    if (remove.includes(a)) refuse(`protocols.add[${i}]`, `${a} is also in remove`)
    if (BigInt(a) === 0n) refuse(`protocols.add[${i}]`, 'must not be the zero address')
  })
  remove.forEach((a, i) => {
    if (!set.has(a)) refuse(`protocols.remove[${i}]`, `${a} is not registered`)
    set.delete(a)
  })
  add.forEach((a, i) => {
    if (set.has(a)) refuse(`protocols.add[${i}]`, `${a} is already registered`)
    set.add(a)
  })
  return [...set].sort()
}

function parseInstrument(x: unknown, p: string, config: GovernedConfig, ctx: ChangeContext): Instrument {
  if (!isRecord(x)) return refuse(p, 'must be an object')
  onlyKeys(x, ['id', 'name', 'type', 'underlying', 'strike', 'expiry', 'kind'], p)
  const id = int(x.id, `${p}.id`, 1)
  if (typeof x.underlying !== 'string' || !config.market.underlyings.some((u) => u.symbol === x.underlying)) {
    refuse(`${p}.underlying`, `unknown underlying ${JSON.stringify(x.underlying)}`)
  }
  const underlying = x.underlying as string
  let spec: Omit<Instrument, 'id' | 'name'>
  if (x.type === 'perp') {
    for (const k of ['strike', 'expiry', 'kind']) {
      if (x[k] !== undefined) refuse(`${p}.${k}`, 'is for options only')
    }
    spec = { type: 'perp', underlying }
  } else if (x.type === 'option') {
    if (x.kind !== 'call' && x.kind !== 'put') refuse(`${p}.kind`, 'must be "call" or "put"')
    if (typeof x.strike !== 'number' || !Number.isFinite(x.strike) || x.strike <= 0) {
      refuse(`${p}.strike`, 'must be a positive number')
    }
    const expiry = int(x.expiry, `${p}.expiry`, 1)
    if (BigInt(expiry) <= ctx.timestamp) refuse(`${p}.expiry`, `must be after the block's time (${ctx.timestamp})`)
    const ahead = SYSTEM_BOUNDS.instruments.maxExpiryAheadSeconds
    if (BigInt(expiry) > ctx.timestamp + BigInt(ahead)) {
      refuse(`${p}.expiry`, `must be at most ${ahead} seconds after the block's time (${ctx.timestamp})`)
    }
    spec = { type: 'option', underlying, strike: x.strike as number, expiry, kind: x.kind as 'call' | 'put' }
  } else {
    return refuse(`${p}.type`, 'must be "perp" or "option"')
  }
  const name = x.name === undefined ? instrumentName(spec) : x.name
  if (typeof name !== 'string' || name.length === 0) refuse(`${p}.name`, 'must be a non-empty string')
  const inst: Instrument = { id, name: name as string, ...spec }
  checkInstrumentBounds(inst, config.market, refusal, p)
  return inst
}

function applyInstruments(config: GovernedConfig, v: unknown, ctx: ChangeContext): Instrument[] {
  if (!isRecord(v)) return refuse('instruments', 'must be an object { add }')
  onlyKeys(v, ['add'], 'instruments')
  if (!Array.isArray(v.add) || v.add.length === 0) refuse('instruments.add', 'must be a non-empty array')
  const most = SYSTEM_BOUNDS.instruments.maxPerChange
  if ((v.add as unknown[]).length > most) refuse('instruments.add', `must hold at most ${most} instruments`)
  const out = [...config.market.instruments]
  ;(v.add as unknown[]).forEach((x, i) => {
    const p = `instruments.add[${i}]`
    const inst = parseInstrument(x, p, config, ctx)
    if (out.some((o) => o.id === inst.id)) refuse(`${p}.id`, `duplicate id ${inst.id}`)
    if (out.some((o) => o.name === inst.name)) refuse(`${p}.name`, `duplicate name ${inst.name}`)
    out.push(inst)
  })
  return out
}

function applyOracle(oracle: GovernedConfig['oracle'], v: unknown): GovernedConfig['oracle'] {
  if (!isRecord(v)) return refuse('oracle', 'must be an object { feeders, threshold, maxMove }')
  onlyKeys(v, ['feeders', 'threshold', 'maxMove'], 'oracle')
  const feeders = v.feeders === undefined ? oracle.feeders : addressList(v.feeders, 'oracle.feeders', true).sort()
  const threshold = v.threshold === undefined ? oracle.threshold : int(v.threshold, 'oracle.threshold', 1)
  if (v.maxMove !== undefined && (typeof v.maxMove !== 'number' || !Number.isFinite(v.maxMove))) {
    refuse('oracle.maxMove', 'must be a finite number')
  }
  const maxMove = v.maxMove === undefined ? oracle.maxMove : (v.maxMove as number)
  return { feeders, threshold, maxMove }
}

function applyCouncil(council: GovernedConfig['council'], v: unknown): GovernedConfig['council'] {
  if (!isRecord(v)) return refuse('council', 'must be an object { members, quorum, timelockBlocks }')
  onlyKeys(v, ['members', 'quorum', 'timelockBlocks'], 'council')
  const members = v.members === undefined ? council.members : addressList(v.members, 'council.members', true).sort()
  const quorum = v.quorum === undefined ? council.quorum : int(v.quorum, 'council.quorum', 1)
  const timelockBlocks = v.timelockBlocks === undefined ? council.timelockBlocks : int(v.timelockBlocks, 'council.timelockBlocks', 0)
  return { members, quorum, timelockBlocks }
}

/**
 * Parses a change document: a non-empty JSON object no longer than MAX_CHANGE_BYTES, nested at
 * most MAX_CHANGE_DEPTH deep, with no `__proto__`, `constructor` or `prototype` key at any
 * depth (refused naming the key's path). The result has null-prototype objects throughout, so
 * no merge below can reach or change a prototype.
 */
function parseChange(changeJson: string): Record<string, unknown> {
  if (Buffer.byteLength(changeJson, 'utf8') > MAX_CHANGE_BYTES) malformed(`longer than ${MAX_CHANGE_BYTES} bytes`)
  let doc: unknown
  try {
    doc = JSON.parse(changeJson)
  } catch (err) {
    return malformed((err as Error).message)
  }
  if (!isRecord(doc)) return malformed('must be a JSON object')
  const scan = scanJson(doc)
  if (scan.forbidden !== undefined) refuse(scan.forbidden, 'forbidden key')
  if (scan.depth > MAX_CHANGE_DEPTH) malformed(`nested deeper than ${MAX_CHANGE_DEPTH}`)
  if (Object.keys(doc).length === 0) malformed('changes nothing')
  return nullProtoCopy(doc) as Record<string, unknown>
}

/**
 * Applies a change document to `config` and checks every bound of SPEC section 7 on the
 * config that results, as a whole (genesis/riskParamBounds.ts, correlationBounds.ts,
 * systemBounds.ts list them all): so a change is refused for what it leaves, not only for its
 * own members (a correlation that makes the matrix singular, a feeder removal below the
 * threshold).
 *
 * Accepted members (any mix, in one object):
 * - risk parameters as `margin_getRiskParams` names them: `{"haircut": {"WETH": 0.2}}`,
 *   `{"es": {"enabled": false}}`, `{"imMultiplier": 1.5}` (objects merge, arrays replace);
 * - `{"protocols": {"add": [address], "remove": [address]}}`;
 * - `{"instruments": {"add": [{id, name?, type, underlying, strike?, expiry?, kind?}]}}`
 *   (`name` defaults to the listed name, e.g. `ETH-20261231-3000-C`; at most 64 per change;
 *   an option's expiry after `ctx.timestamp` and at most 10 years later);
 * - `{"oracle": {"feeders": [address], "threshold": n, "maxMove": x}}` (any member);
 * - `{"council": {"members": [address], "quorum": n, "timelockBlocks": n}}` (any member);
 * - `{"funding": {"intervalSeconds": n, "maxRate": x}}` (any member; SPEC 6.3's bounds).
 * - `{"listing": {"weekly": n, "monthly": m, "strikesPct": [...], "tick": {"ETH": 100}}}` (any
 *   member; `tick` merges per underlying; bounds in genesis/listingBounds.ts).
 *
 * Keys `__proto__`, `constructor` and `prototype` are refused at any depth (`"es.__proto__:
 * forbidden key"`).
 *
 * @param ctx the block the change is checked in (`propose`, and again at `execute`).
 * @returns the new config, or a refusal whose `reason` is the revert reason.
 * @example
 * applyChange(config, '{"haircut":{"WETH":0.99}}', { timestamp: block.timestamp })
 * // { ok: false, field: 'haircut.WETH', reason: 'haircut.WETH: must be in [0, 0.95]' }
 */
export function applyChange(config: GovernedConfig, changeJson: string, ctx: ChangeContext): ChangeResult {
  try {
    const change = parseChange(changeJson)
    const riskPatch: Record<string, unknown> = Object.create(null)
    for (const k of Object.keys(change)) {
      if (!(SYSTEM_KEYS as readonly string[]).includes(k)) riskPatch[k] = change[k]
    }
    const next: GovernedConfig = { ...config }
    if (change.instruments !== undefined) {
      next.market = { ...config.market, instruments: applyInstruments(config, change.instruments, ctx) }
    }
    if (change.protocols !== undefined) next.protocols = applyProtocols(config.protocols, change.protocols)
    if (change.oracle !== undefined) next.oracle = applyOracle(config.oracle, change.oracle)
    if (change.council !== undefined) next.council = applyCouncil(config.council, change.council)
    if (change.funding !== undefined) next.funding = patchFunding(config.funding, change.funding, refusal)
    if (change.listing !== undefined) next.listing = patchListing(config.listing ?? LISTING_OFF, change.listing, refusal)
    if (change.lending !== undefined) next.lending = patchLending(next.market, config.lending, change.lending, refusal)
    if (Object.keys(riskPatch).length > 0) next.riskParams = applyRiskPatch(config, riskPatch)
    // Whole-value checks on what the change leaves, whichever members it touched.
    checkRiskParamBounds(next.riskParams, next.market, refusal)
    checkSystemBounds(next, refusal)
    checkFundingBounds(next.funding, refusal)
    if (next.listing !== undefined) checkListingBounds(next.listing, next.market, refusal)
    return { ok: true, config: next }
  } catch (err) {
    if (err instanceof InvalidChangeError || err instanceof MalformedChangeError) return new ChangeRefusal(err)
    throw err
  }
}

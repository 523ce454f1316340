/**
 * What a governance proposal does to the governed configuration (SPEC section 7): a patch of
 * section 6's risk parameters named as `margin_getRiskParams` names them, or a change of the
 * registries (protocols, instruments), the oracle's feeder set or the council. Pure: the same
 * config and change always give the same result; refusals are values naming the parameter.
 */
import type { Hex } from 'viem'
import { InvalidMarketError } from '../execution/risk/errors.ts'
import { instrumentName } from '../execution/risk/instrumentName.ts'
import { patchRiskParams } from '../execution/risk/riskParams.ts'
import type { Instrument, RiskParams } from '../execution/risk/types.ts'
import type { GovernedConfig } from './marginTypes.ts'
import { checkRiskParamBounds } from './riskParamBounds.ts'

/** Longest change document accepted, in bytes of UTF-8. */
export const MAX_CHANGE_BYTES = 8192

/** Outcome of {@link applyChange}: the new config, or the revert reason. */
export type ChangeResult =
  | { ok: true; config: GovernedConfig }
  | {
      ok: false
      /** The refused parameter's path (`haircut.WETH`, `council.quorum`), when one is to blame. */
      field?: string
      /** The revert reason: `"<field>: <problem>"` or `"malformed change: <problem>"`. */
      reason: string
    }

/** A refusal inside this module; turned into a `ChangeResult` at the boundary. */
class Refused extends Error {
  constructor(
    readonly field: string | undefined,
    readonly reason: string,
  ) {
    super(reason)
  }
}

const refuse = (field: string, problem: string): never => {
  throw new Refused(field, `${field}: ${problem}`)
}
const malformed = (problem: string): never => {
  throw new Refused(undefined, `malformed change: ${problem}`)
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function onlyKeys(v: Record<string, unknown>, keys: readonly string[], path: string): void {
  for (const k of Object.keys(v)) if (!keys.includes(k)) refuse(`${path}.${k}`, 'unknown field')
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

const SYSTEM_KEYS = ['protocols', 'instruments', 'oracle', 'council'] as const

function applyRiskPatch(config: GovernedConfig, patch: Record<string, unknown>): RiskParams {
  let params: RiskParams
  try {
    params = patchRiskParams(config.riskParams, patch, '$')
  } catch (err) {
    if (!(err instanceof InvalidMarketError)) throw err
    const field = err.field.replace(/^\$\.?/, '')
    return refuse(field, err.shortMessage.slice(err.field.length + 2))
  }
  if (isRecord(patch.scanRange)) {
    for (const k of Object.keys(patch.scanRange)) {
      if (!config.market.underlyings.some((u) => u.symbol === k)) refuse(`scanRange.${k}`, 'unknown underlying')
    }
  }
  if (isRecord(patch.haircut)) {
    for (const k of Object.keys(patch.haircut)) {
      if (!config.market.assets.some((a) => a.symbol === k)) refuse(`haircut.${k}`, 'unknown asset')
    }
  }
  checkRiskParamBounds(params, config.market, (field, problem) => new Refused(field, `${field}: ${problem}`))
  return params
}

function applyProtocols(protocols: Hex[], v: unknown): Hex[] {
  if (!isRecord(v)) return refuse('protocols', 'must be an object { add, remove }')
  onlyKeys(v, ['add', 'remove'], 'protocols')
  if (v.add === undefined && v.remove === undefined) refuse('protocols', 'must have add or remove')
  const set = new Set(protocols)
  const add = v.add === undefined ? [] : addressList(v.add, 'protocols.add', false)
  const remove = v.remove === undefined ? [] : addressList(v.remove, 'protocols.remove', false)
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

function parseInstrument(x: unknown, p: string, config: GovernedConfig): Instrument {
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
    spec = { type: 'option', underlying, strike: x.strike as number, expiry, kind: x.kind as 'call' | 'put' }
  } else {
    return refuse(`${p}.type`, 'must be "perp" or "option"')
  }
  const name = x.name === undefined ? instrumentName(spec) : x.name
  if (typeof name !== 'string' || name.length === 0) refuse(`${p}.name`, 'must be a non-empty string')
  return { id, name: name as string, ...spec }
}

function applyInstruments(config: GovernedConfig, v: unknown): Instrument[] {
  if (!isRecord(v)) return refuse('instruments', 'must be an object { add }')
  onlyKeys(v, ['add'], 'instruments')
  if (!Array.isArray(v.add) || v.add.length === 0) refuse('instruments.add', 'must be a non-empty array')
  const out = [...config.market.instruments]
  ;(v.add as unknown[]).forEach((x, i) => {
    const p = `instruments.add[${i}]`
    const inst = parseInstrument(x, p, config)
    if (out.some((o) => o.id === inst.id)) refuse(`${p}.id`, `duplicate id ${inst.id}`)
    if (out.some((o) => o.name === inst.name)) refuse(`${p}.name`, `duplicate name ${inst.name}`)
    out.push(inst)
  })
  return out
}

function applyOracle(oracle: GovernedConfig['oracle'], v: unknown): GovernedConfig['oracle'] {
  if (!isRecord(v)) return refuse('oracle', 'must be an object { feeders, threshold }')
  onlyKeys(v, ['feeders', 'threshold'], 'oracle')
  const feeders = v.feeders === undefined ? oracle.feeders : addressList(v.feeders, 'oracle.feeders', true).sort()
  const threshold = v.threshold === undefined ? oracle.threshold : int(v.threshold, 'oracle.threshold', 1)
  if (threshold > feeders.length) refuse('oracle.threshold', `exceeds the number of feeders (${feeders.length})`)
  return { feeders, threshold }
}

function applyCouncil(council: GovernedConfig['council'], v: unknown): GovernedConfig['council'] {
  if (!isRecord(v)) return refuse('council', 'must be an object { members, quorum, timelockBlocks }')
  onlyKeys(v, ['members', 'quorum', 'timelockBlocks'], 'council')
  const members = v.members === undefined ? council.members : addressList(v.members, 'council.members', true).sort()
  const quorum = v.quorum === undefined ? council.quorum : int(v.quorum, 'council.quorum', 1)
  const timelockBlocks =
    v.timelockBlocks === undefined ? council.timelockBlocks : int(v.timelockBlocks, 'council.timelockBlocks', 0)
  if (quorum > members.length) refuse('council.quorum', `exceeds the council size (${members.length})`)
  return { members, quorum, timelockBlocks }
}

/** Parses a change document: a non-empty JSON object no longer than MAX_CHANGE_BYTES. */
function parseChange(changeJson: string): Record<string, unknown> {
  if (Buffer.byteLength(changeJson, 'utf8') > MAX_CHANGE_BYTES) malformed(`longer than ${MAX_CHANGE_BYTES} bytes`)
  let doc: unknown
  try {
    doc = JSON.parse(changeJson)
  } catch (err) {
    return malformed((err as Error).message)
  }
  if (!isRecord(doc)) return malformed('must be a JSON object')
  if (Object.keys(doc).length === 0) malformed('changes nothing')
  return doc
}

/**
 * Applies a change document to `config` and checks every bound of SPEC section 7.
 *
 * Accepted members (any mix, in one object):
 * - risk parameters as `margin_getRiskParams` names them: `{"haircut": {"WETH": 0.2}}`,
 *   `{"es": {"enabled": false}}`, `{"imMultiplier": 1.5}` (objects merge, arrays replace);
 * - `{"protocols": {"add": [address], "remove": [address]}}`;
 * - `{"instruments": {"add": [{id, name?, type, underlying, strike?, expiry?, kind?}]}}`
 *   (`name` defaults to the listed name, e.g. `ETH-20261231-3000-C`);
 * - `{"oracle": {"feeders": [address], "threshold": n}}` (either member);
 * - `{"council": {"members": [address], "quorum": n, "timelockBlocks": n}}` (any member).
 *
 * @returns the new config, or a refusal whose `reason` is the revert reason.
 * @example
 * applyChange(config, '{"haircut":{"WETH":0.99}}')
 * // { ok: false, field: 'haircut.WETH', reason: 'haircut.WETH: must be in [0, 0.95]' }
 */
export function applyChange(config: GovernedConfig, changeJson: string): ChangeResult {
  try {
    const change = parseChange(changeJson)
    const riskPatch: Record<string, unknown> = {}
    for (const k of Object.keys(change)) {
      if (!(SYSTEM_KEYS as readonly string[]).includes(k)) riskPatch[k] = change[k]
    }
    const next: GovernedConfig = { ...config }
    if (change.instruments !== undefined) {
      next.market = { ...config.market, instruments: applyInstruments(config, change.instruments) }
    }
    if (change.protocols !== undefined) next.protocols = applyProtocols(config.protocols, change.protocols)
    if (change.oracle !== undefined) next.oracle = applyOracle(config.oracle, change.oracle)
    if (change.council !== undefined) next.council = applyCouncil(config.council, change.council)
    if (Object.keys(riskPatch).length > 0) next.riskParams = applyRiskPatch(config, riskPatch)
    return { ok: true, config: next }
  } catch (err) {
    if (!(err instanceof Refused)) throw err
    if (err.field === undefined) return { ok: false, reason: err.reason }
    return { ok: false, field: err.field, reason: err.reason }
  }
}

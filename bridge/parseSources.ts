/**
 * Validates genesis `bridge.sources` into `SourceConfig`s. Accepts `chainId` as a number or a
 * decimal/0x string, `finality` as `"finalized"`, `"safe"` or `{ "confirmations": N }` with
 * N ≥ 1, and an optional `startBlock` (the portal's deployment block).
 */
import { getAddress, isAddress } from 'viem'
import { BaseError } from '../lib/errors.ts'
import type { Finality, SourceConfig } from './types.ts'

/** A `bridge.sources` entry is malformed; `field` names it (`bridge.sources[1].finality`). */
export class InvalidBridgeSourceError extends BaseError {
  override name = 'InvalidBridgeSourceError'
  constructor(
    readonly field: string,
    reason: string,
  ) {
    super(`invalid ${field}: ${reason}`)
  }
}

function toBigInt(v: unknown, field: string): bigint {
  if (typeof v === 'bigint') return v
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v)
  if (typeof v === 'string' && /^(0x[0-9a-fA-F]+|\d+)$/.test(v)) return BigInt(v)
  throw new InvalidBridgeSourceError(field, 'expected a non-negative integer')
}

function parseFinality(v: unknown, field: string): Finality {
  if (v === 'finalized' || v === 'safe') return v
  if (typeof v === 'object' && v !== null && 'confirmations' in v) {
    const n = (v as { confirmations: unknown }).confirmations
    if (typeof n === 'number' && Number.isSafeInteger(n) && n >= 1) return { confirmations: n }
    throw new InvalidBridgeSourceError(`${field}.confirmations`, 'expected an integer ≥ 1')
  }
  throw new InvalidBridgeSourceError(field, 'expected "finalized", "safe" or {"confirmations": N}')
}

/**
 * Parses and checks a genesis `bridge.sources` array: each entry well-formed, no portal twice
 * on one chain.
 *
 * @throws InvalidBridgeSourceError naming the first bad field.
 * @example
 * parseSources([{ chainId: 31337, portal: '0x…', finality: { confirmations: 3 } }])
 */
export function parseSources(raw: unknown, path = 'bridge.sources'): SourceConfig[] {
  if (!Array.isArray(raw)) throw new InvalidBridgeSourceError(path, 'expected an array')
  const seen = new Set<string>()
  return raw.map((e, i) => {
    const at = `${path}[${i}]`
    if (typeof e !== 'object' || e === null) throw new InvalidBridgeSourceError(at, 'expected an object')
    const o = e as Record<string, unknown>
    const chainId = toBigInt(o.chainId, `${at}.chainId`)
    if (chainId === 0n || chainId > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new InvalidBridgeSourceError(`${at}.chainId`, 'out of range')
    }
    if (typeof o.portal !== 'string' || !isAddress(o.portal, { strict: false })) {
      throw new InvalidBridgeSourceError(`${at}.portal`, 'expected a 20-byte 0x address')
    }
    const portal = getAddress(o.portal)
    const key = `${chainId}:${portal}`
    if (seen.has(key)) throw new InvalidBridgeSourceError(`${at}.portal`, 'listed twice for this chain')
    seen.add(key)
    const src: SourceConfig = {
      chainId: Number(chainId),
      portal,
      finality: parseFinality(o.finality, `${at}.finality`),
    }
    if (o.startBlock !== undefined) src.startBlock = toBigInt(o.startBlock, `${at}.startBlock`)
    return src
  })
}

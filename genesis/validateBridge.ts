/**
 * The genesis `bridge` section: the L1 source chains deposits come from (SPEC section 8), the L1
 * tokens each L2 asset is bridged as, and the portal's challenge period.
 *
 * ```json
 * "bridge": {
 *   "sources": [{ "chainId": 31337, "portal": "0x…", "finality": "finalized", "startBlock": 3 }],
 *   "tokens": { "USDC": "0x…", "WBTC": "0x…" },
 *   "challengePeriodSeconds": 10
 * }
 * ```
 * `tokens` maps an asset symbol of the market to its L1 token; ETH (the zero address) is always
 * bridged as WETH. Nothing here enters the state: the genesis block is the same with or without it.
 */
import type { Hex } from 'viem'
import { InvalidBridgeSourceError, parseSources } from '../bridge/parseSources.ts'
import type { SourceConfig } from '../bridge/types.ts'
import { GenesisError } from './errors.ts'

/** The parsed `bridge` section. */
export interface BridgeGenesis {
  sources: SourceConfig[]
  /** L1 token by L2 asset symbol (besides ETH → WETH). */
  tokens: Record<string, Hex>
  /** The portal's challenge period, seconds (shown by `bridge_getWithdrawal`). */
  challengePeriodSeconds: number
}

const KEYS = new Set(['sources', 'tokens', 'challengePeriodSeconds'])

/**
 * Validates the `bridge` section.
 *
 * @throws GenesisError naming the field (`bridge.sources[0].finality`).
 */
export function parseBridgeGenesis(v: unknown, path = 'bridge'): BridgeGenesis {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new GenesisError(path, 'must be an object')
  const o = v as Record<string, unknown>
  for (const k of Object.keys(o)) if (!KEYS.has(k)) throw new GenesisError(`${path}.${k}`, 'unknown field')
  let sources: SourceConfig[]
  try {
    sources = parseSources(o.sources, `${path}.sources`)
  } catch (err) {
    if (err instanceof InvalidBridgeSourceError) {
      throw new GenesisError(err.field, err.shortMessage.replace(`invalid ${err.field}: `, ''))
    }
    throw err
  }
  const tokens: Record<string, Hex> = {}
  if (o.tokens !== undefined) {
    if (typeof o.tokens !== 'object' || o.tokens === null || Array.isArray(o.tokens)) {
      throw new GenesisError(`${path}.tokens`, 'must be an object { symbol: L1 token address }')
    }
    for (const [symbol, addr] of Object.entries(o.tokens)) {
      if (typeof addr !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(addr)) {
        throw new GenesisError(`${path}.tokens.${symbol}`, 'must be a 0x-prefixed 20-byte address')
      }
      tokens[symbol] = addr.toLowerCase() as Hex
    }
  }
  const cp = o.challengePeriodSeconds ?? 0
  if (typeof cp !== 'number' || !Number.isSafeInteger(cp) || cp < 0) {
    throw new GenesisError(`${path}.challengePeriodSeconds`, 'must be a non-negative integer')
  }
  return { sources, tokens, challengePeriodSeconds: cp }
}

/**
 * The governed configuration (markets, risk parameters, protocols, oracle feeders, council) as
 * chain state: ONE canonical JSON document in the Governance precompile's storage, plus a version
 * word and the document's keccak256. The same config always encodes to the same bytes, so the
 * same state root. Reads decode once per document: a cache keyed by the document's hash (content
 * addressed, so it is right for every node, block and fork in the process) serves the hot path.
 *
 * Storage of the Governance account (Solidity layout, readable with eth_getStorageAt):
 * - slot 0: `configVersion` (uint256; 1 after genesis, +1 per executed proposal)
 * - slot 1: `configHash` (bytes32, keccak256 of the document; 0 = no config)
 * - slot 2: `config` (bytes, the canonical JSON document, UTF-8)
 */
import type { StateManagerInterface } from '@ethereumjs/common'
import { createAddressFromString } from '@ethereumjs/util'
import { hexToBigInt, keccak256 } from 'viem'
import { canonicalJson } from '../../lib/canonicalJson.ts'
import type { GasCharger } from '../contractStorage.ts'
import { ContractStorage } from '../contractStorage.ts'
import { GOVERNANCE_ADDRESS } from './addresses.ts'
import type { GovernedConfig } from './types.ts'

/** Slot of the config version word. */
export const CONFIG_VERSION_SLOT = 0n
/** Slot of keccak256 of the config document. */
export const CONFIG_HASH_SLOT = 1n
/** Slot of the config document (Solidity `bytes`). */
export const CONFIG_SLOT = 2n

const governance = createAddressFromString(GOVERNANCE_ADDRESS)
/** Decoded documents kept, by hash. */
const CACHE_SIZE = 32
const cache = new Map<bigint, GovernedConfig>()

function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null && !Object.isFrozen(v)) {
    for (const x of Object.values(v)) deepFreeze(x)
    Object.freeze(v)
  }
  return v
}

function remember(hash: bigint, config: GovernedConfig): GovernedConfig {
  if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value as bigint)
  cache.set(hash, config)
  return config
}

/**
 * The canonical bytes of `config`: sorted keys, protocols, feeders and council members sorted.
 *
 * @example encodeGovernedConfig(devGenesis().margin!.config) // UTF-8 of '{"council":{…},…}'
 */
export function encodeGovernedConfig(config: GovernedConfig): Uint8Array {
  const sorted: GovernedConfig = {
    ...config,
    protocols: [...config.protocols].sort(),
    oracle: { ...config.oracle, feeders: [...config.oracle.feeders].sort() },
    council: { ...config.council, members: [...config.council.members].sort() },
  }
  return Buffer.from(canonicalJson(sorted), 'utf8')
}

/** Parses a stored document (trusted: it was written by {@link writeGovernedConfig}). */
export function decodeGovernedConfig(bytes: Uint8Array): GovernedConfig {
  return JSON.parse(Buffer.from(bytes).toString('utf8')) as GovernedConfig
}

/**
 * Writes `config` as the config in force and bumps the version. Gas (when `gas` is given): the
 * storage writes, as SSTOREs. Later reads in the same block, and the same transaction, see it.
 *
 * @returns the new version (1 for the genesis config).
 */
export async function writeGovernedConfig(state: StateManagerInterface, config: GovernedConfig, gas?: GasCharger): Promise<bigint> {
  const storage = new ContractStorage(state, governance, gas)
  const bytes = encodeGovernedConfig(config)
  const hash = hexToBigInt(keccak256(bytes))
  const version = (await storage.word(CONFIG_VERSION_SLOT)) + 1n
  await storage.setWord(CONFIG_VERSION_SLOT, version)
  await storage.setWord(CONFIG_HASH_SLOT, hash)
  await storage.setBytes(CONFIG_SLOT, bytes)
  if (!cache.has(hash)) remember(hash, deepFreeze(decodeGovernedConfig(bytes)))
  return version
}

/**
 * The config in force in `state`, or undefined when the chain has none (no margin genesis).
 * The result is deep-frozen and shared: copy before changing. Gas (when `gas` is given): one
 * storage read, whether or not the document was cached, so gas never depends on a node's cache.
 *
 * @example const { riskParams } = (await readGovernedConfig(call.state, call.gas))!
 */
export async function readGovernedConfig(state: StateManagerInterface, gas?: GasCharger): Promise<GovernedConfig | undefined> {
  const hash = await new ContractStorage(state, governance, gas).word(CONFIG_HASH_SLOT)
  if (hash === 0n) return undefined
  const hit = cache.get(hash)
  if (hit) return hit
  const bytes = await new ContractStorage(state, governance).bytes(CONFIG_SLOT)
  if (hexToBigInt(keccak256(bytes)) !== hash) {
    throw new Error(`governed config: the stored document does not match its hash 0x${hash.toString(16)}`)
  }
  return remember(hash, deepFreeze(decodeGovernedConfig(bytes)))
}

/** The config version in `state` (0 when there is no config). Gas: one storage read. */
export async function readGovernedConfigVersion(state: StateManagerInterface, gas?: GasCharger): Promise<bigint> {
  return new ContractStorage(state, governance, gas).word(CONFIG_VERSION_SLOT)
}

/** Writes the genesis config into a fresh genesis state (called by the node's `buildGenesis`). */
export async function writeGenesisGovernance(state: StateManagerInterface, config: GovernedConfig): Promise<void> {
  await writeGovernedConfig(state, config)
}

/**
 * Parses and validates a genesis JSON document. Every refusal is a `GenesisError` naming the
 * JSON path of the field (`alloc.0xab….balance`), so a user can fix the file at once.
 */
import type { Hex } from 'viem'
import { isRecord, scanJson } from '../lib/jsonKeys.ts'
import { GenesisError } from './errors.ts'
import type { Genesis, GenesisAccount } from './types.ts'
import { parseBridgeGenesis } from './validateBridge.ts'
import { parseMarginGenesis } from './validateMargin.ts'

const TOP_LEVEL = new Set([
  'chainId',
  'timestamp',
  'gasLimit',
  'baseFeePerGas',
  'minBaseFeePerGas',
  'coinbase',
  'extraData',
  'alloc',
  'margin',
  'bridge',
])
const ACCOUNT_KEYS = new Set(['balance', 'nonce', 'code', 'storage'])
const UINT256_MAX = (1n << 256n) - 1n

/** A non-negative integer from a decimal string, 0x-hex string or safe integer. */
export function parseQuantity(v: unknown, field: string, max = UINT256_MAX): bigint {
  let n: bigint
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v) || v < 0) throw new GenesisError(field, 'must be a non-negative integer')
    n = BigInt(v)
  } else if (typeof v === 'string' && /^0x[0-9a-fA-F]+$/.test(v)) {
    n = BigInt(v)
  } else if (typeof v === 'string' && /^[0-9]+$/.test(v)) {
    n = BigInt(v)
  } else {
    throw new GenesisError(field, `must be an integer (decimal or 0x-hex string), got ${JSON.stringify(v)}`)
  }
  if (n > max) throw new GenesisError(field, `must be at most ${max}`)
  return n
}

function parseHexData(v: unknown, field: string, bytes?: number): Hex {
  if (typeof v !== 'string' || !/^0x([0-9a-fA-F]{2})*$/.test(v)) {
    throw new GenesisError(field, 'must be 0x-prefixed hex with an even number of digits')
  }
  if (bytes !== undefined && v.length !== 2 + 2 * bytes) {
    throw new GenesisError(field, `must be ${bytes} bytes`)
  }
  return v.toLowerCase() as Hex
}

/** A 20-byte 0x address, lower-cased. */
export function parseAddress(v: unknown, field: string): Hex {
  if (typeof v !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(v)) {
    throw new GenesisError(field, 'must be a 0x-prefixed 20-byte address')
  }
  return v.toLowerCase() as Hex
}

function parseAccount(v: unknown, field: string): GenesisAccount {
  if (!isRecord(v)) throw new GenesisError(field, 'must be an object')
  for (const k of Object.keys(v)) {
    if (!ACCOUNT_KEYS.has(k)) throw new GenesisError(`${field}.${k}`, 'unknown field')
  }
  const account: GenesisAccount = {
    balance: v.balance === undefined ? 0n : parseQuantity(v.balance, `${field}.balance`),
    nonce: v.nonce === undefined ? 0n : parseQuantity(v.nonce, `${field}.nonce`, (1n << 64n) - 1n),
  }
  if (v.code !== undefined) account.code = parseHexData(v.code, `${field}.code`)
  if (v.storage !== undefined) {
    if (!isRecord(v.storage)) throw new GenesisError(`${field}.storage`, 'must be an object')
    const storage: Record<Hex, Hex> = {}
    for (const [slot, value] of Object.entries(v.storage).sort(([a], [b]) => (a < b ? -1 : 1))) {
      const key = parseHexData(slot, `${field}.storage`, 32)
      storage[key] = parseHexData(value, `${field}.storage.${slot}`)
    }
    account.storage = storage
  }
  return account
}

/**
 * Validates a genesis document (already JSON-parsed). Keys `__proto__`, `constructor` and
 * `prototype` are refused at any depth.
 *
 * @throws GenesisError naming the first bad field.
 */
export function parseGenesis(doc: unknown): Genesis {
  if (!isRecord(doc)) throw new GenesisError('(root)', 'must be a JSON object')
  const forbidden = scanJson(doc).forbidden
  if (forbidden !== undefined) throw new GenesisError(forbidden, 'forbidden key (__proto__, constructor, prototype)')
  for (const k of Object.keys(doc)) {
    if (!TOP_LEVEL.has(k)) throw new GenesisError(k, 'unknown field')
  }
  if (doc.chainId === undefined) throw new GenesisError('chainId', 'is required')
  const chainId = parseQuantity(doc.chainId, 'chainId', (1n << 53n) - 1n)
  if (chainId === 0n) throw new GenesisError('chainId', 'must be positive')
  const gasLimit = doc.gasLimit === undefined ? 30_000_000n : parseQuantity(doc.gasLimit, 'gasLimit')
  if (gasLimit < 5000n || gasLimit > (1n << 63n) - 1n) {
    throw new GenesisError('gasLimit', 'must be between 5000 and 2^63-1')
  }
  if (!isRecord(doc.alloc)) throw new GenesisError('alloc', 'is required and must be an object')
  const alloc: Record<Hex, GenesisAccount> = {}
  for (const [addr, acct] of Object.entries(doc.alloc)) {
    const address = parseAddress(addr, `alloc.${addr}`)
    if (alloc[address] !== undefined) throw new GenesisError(`alloc.${addr}`, 'duplicate address')
    alloc[address] = parseAccount(acct, `alloc.${addr}`)
  }
  const baseFeePerGas = doc.baseFeePerGas === undefined ? 1_000_000_000n : parseQuantity(doc.baseFeePerGas, 'baseFeePerGas')
  const minBaseFeePerGas = doc.minBaseFeePerGas === undefined ? 0n : parseQuantity(doc.minBaseFeePerGas, 'minBaseFeePerGas')
  return {
    chainId,
    timestamp: doc.timestamp === undefined ? 0n : parseQuantity(doc.timestamp, 'timestamp', (1n << 64n) - 1n),
    gasLimit,
    baseFeePerGas,
    minBaseFeePerGas,
    coinbase: doc.coinbase === undefined ? '0x0000000000000000000000000000000000000000' : parseAddress(doc.coinbase, 'coinbase'),
    extraData: doc.extraData === undefined ? '0x' : parseHexData(doc.extraData, 'extraData'),
    alloc,
    ...(doc.margin === undefined ? {} : { margin: parseMarginGenesis(doc.margin) }),
    ...(doc.bridge === undefined ? {} : { bridge: parseBridgeGenesis(doc.bridge) }),
  }
}

/**
 * Strict parsers for JSON-RPC parameters. Each takes the raw JSON value and its position, and
 * throws InvalidParamsError naming the parameter in geth's words
 * (`invalid argument 0: hex string has odd length`). Nested members add their field name
 * (`invalid argument 0: from: hex string has length 38, want 40 for common.Address`).
 */
import type { AccountOverride, CallRequest, StateOverrides } from '../execution/types.ts'
import type { BlockTag, Hex } from '../state/types.ts'
import { InvalidParamsError } from './errors.ts'

const HEX_DIGITS = /^[0-9a-fA-F]*$/
const BLOCK_TAGS = new Set(['latest', 'pending', 'safe', 'finalized', 'earliest'])

function describe(v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'array'
  return typeof v
}

/**
 * Checks the argument count of a call: at least `min`, at most `max`. Returns the params padded
 * with `undefined` up to `max` so handlers can destructure.
 *
 * @example
 * const [address, block] = arity(params, 1, 2)
 */
export function arity(params: unknown[], min: number, max: number): unknown[] {
  if (params.length > max) throw new InvalidParamsError(`too many arguments, want at most ${max}`)
  for (let i = 0; i < min; i++) {
    if (params[i] === undefined || params[i] === null) {
      throw new InvalidParamsError(`missing value for required argument ${i}`)
    }
  }
  return params.length === max ? params : [...params, ...new Array(max - params.length)]
}

/** A hex quantity (`0x0`, `0x1a`; no leading zeros, at most 256 bits) as bigint. */
export function parseQuantity(v: unknown, index: number, field?: string): bigint {
  if (typeof v !== 'string') {
    throw new InvalidParamsError(`expected a hex quantity string, got ${describe(v)}`, index, field)
  }
  if (!v.startsWith('0x') && !v.startsWith('0X')) {
    throw new InvalidParamsError('hex string without 0x prefix', index, field)
  }
  const digits = v.slice(2)
  if (digits.length === 0) throw new InvalidParamsError('hex string "0x"', index, field)
  if (!HEX_DIGITS.test(digits)) throw new InvalidParamsError('invalid hex string', index, field)
  if (digits.length > 1 && digits[0] === '0') {
    throw new InvalidParamsError('hex number with leading zero digits', index, field)
  }
  if (digits.length > 64) throw new InvalidParamsError('hex number > 256 bits', index, field)
  return BigInt(v)
}

/** The largest block number geth takes (`math.MaxInt64`). */
export const MAX_BLOCK_NUMBER = 2n ** 63n - 1n

/** A 64-bit quantity (geth's `hexutil.Uint64`: gas, nonce). */
export function parseUint64(v: unknown, index: number, field?: string): bigint {
  const n = parseQuantity(v, index, field)
  if (n >= 2n ** 64n) throw new InvalidParamsError('hex number > 64 bits', index, field)
  return n
}

/**
 * A block number as geth's `BlockNumber` reads it: a 64-bit quantity no larger than int64, so a
 * number past any chain is refused as a bad parameter, not looked up ("header not found").
 */
export function parseBlockNumber(v: unknown, index: number, field?: string): bigint {
  const n = parseUint64(v, index, field)
  if (n > MAX_BLOCK_NUMBER) throw new InvalidParamsError('block number larger than int64', index, field)
  return n
}

/** A quantity that must fit a JS number (indexes, counts): hex, or a decimal number/string. */
export function parseUint(v: unknown, index: number, field?: string): number {
  let n: bigint
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v) || v < 0) {
      throw new InvalidParamsError(`expected a non-negative integer, got ${v}`, index, field)
    }
    return v
  }
  if (typeof v === 'string' && /^[0-9]+$/.test(v)) n = BigInt(v)
  else n = parseQuantity(v, index, field)
  if (n > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new InvalidParamsError('number too large', index, field)
  }
  return Number(n)
}

/** Hex bytes of any length (`0x`, `0xdeadbeef`); even length required. */
export function parseData(v: unknown, index: number, field?: string): Hex {
  if (typeof v !== 'string') {
    throw new InvalidParamsError(`expected a hex string, got ${describe(v)}`, index, field)
  }
  if (!v.startsWith('0x') && !v.startsWith('0X')) {
    throw new InvalidParamsError('hex string without 0x prefix', index, field)
  }
  if (v.length % 2 !== 0) throw new InvalidParamsError('hex string has odd length', index, field)
  if (!HEX_DIGITS.test(v.slice(2))) throw new InvalidParamsError('invalid hex string', index, field)
  return `0x${v.slice(2).toLowerCase()}`
}

function fixedBytes(v: unknown, bytes: number, goType: string, index: number, field?: string): Hex {
  const hex = parseData(v, index, field)
  if (hex.length !== 2 + 2 * bytes) {
    throw new InvalidParamsError(`hex string has length ${hex.length - 2}, want ${2 * bytes} for ${goType}`, index, field)
  }
  return hex
}

/** A 20-byte address, lower-cased. */
export function parseAddress(v: unknown, index: number, field?: string): Hex {
  return fixedBytes(v, 20, 'common.Address', index, field)
}

/** A 32-byte hash, lower-cased. */
export function parseHash(v: unknown, index: number, field?: string): Hex {
  return fixedBytes(v, 32, 'common.Hash', index, field)
}

/**
 * A storage slot: hex of at most 32 bytes (geth accepts short and odd-length slots and pads them
 * on the left); returned as a 32-byte hash.
 */
export function parseSlot(v: unknown, index: number, field?: string): Hex {
  if (typeof v !== 'string') {
    throw new InvalidParamsError(`expected a hex string, got ${describe(v)}`, index, field)
  }
  if (!v.startsWith('0x') && !v.startsWith('0X')) {
    throw new InvalidParamsError('hex string without 0x prefix', index, field)
  }
  const digits = v.slice(2)
  if (!HEX_DIGITS.test(digits)) throw new InvalidParamsError('invalid hex string', index, field)
  if (digits.length > 64) {
    throw new InvalidParamsError('hex string too long, want at most 32 bytes', index, field)
  }
  return `0x${digits.toLowerCase().padStart(64, '0')}`
}

/** A boolean. */
export function parseBool(v: unknown, index: number, field?: string): boolean {
  if (typeof v !== 'boolean') {
    throw new InvalidParamsError(`expected a boolean, got ${describe(v)}`, index, field)
  }
  return v
}

/**
 * A block: `latest`, `pending`, `safe`, `finalized`, `earliest`, a hex number, a 32-byte block
 * hash, or an EIP-1898 object `{blockHash, requireCanonical?}` / `{blockNumber}`.
 * `undefined`/`null` → `fallback`.
 *
 * @example
 * parseBlockTag('0x10', 1) // 16n
 * parseBlockTag({ blockHash: '0xab…' }, 1) // { hash: '0xab…' }
 */
export function parseBlockTag(v: unknown, index: number, fallback: BlockTag = 'latest'): BlockTag {
  if (v === undefined || v === null) return fallback
  if (typeof v === 'string') {
    if (BLOCK_TAGS.has(v)) return v as BlockTag
    // As geth's BlockNumberOrHash: a 32-byte hex string names a block by hash.
    if (v.length === 66 && /^0x[0-9a-fA-F]{64}$/.test(v)) return { hash: v.toLowerCase() as Hex }
    if (v.startsWith('0x') || v.startsWith('0X')) return parseBlockNumber(v, index)
    throw new InvalidParamsError(
      `invalid block tag ${JSON.stringify(v.slice(0, 40))}, want latest, pending, safe, finalized, earliest or a hex number`,
      index,
    )
  }
  if (typeof v === 'object' && !Array.isArray(v)) {
    const o = v as Record<string, unknown>
    const hasHash = o.blockHash !== undefined && o.blockHash !== null
    const hasNumber = o.blockNumber !== undefined && o.blockNumber !== null
    if (hasHash && hasNumber) {
      throw new InvalidParamsError('cannot specify both blockHash and blockNumber, choose one', index)
    }
    if (hasHash) {
      if (o.requireCanonical !== undefined) parseBool(o.requireCanonical, index, 'requireCanonical')
      return { hash: parseHash(o.blockHash, index, 'blockHash') }
    }
    if (hasNumber) {
      const n = o.blockNumber
      if (typeof n === 'string' && BLOCK_TAGS.has(n)) return n as BlockTag
      return parseBlockNumber(n, index, 'blockNumber')
    }
    throw new InvalidParamsError('block object needs blockHash or blockNumber', index)
  }
  throw new InvalidParamsError(`expected a block tag, number or hash, got ${describe(v)}`, index)
}

function asObject(v: unknown, index: number, what: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new InvalidParamsError(`expected ${what} object, got ${describe(v)}`, index)
  }
  return v as Record<string, unknown>
}

const present = (v: unknown): boolean => v !== undefined && v !== null

/**
 * The transaction object of eth_call / eth_estimateGas. Call data may come as `input` or `data`
 * (both set and different: refused, as geth does).
 */
export function parseCallRequest(v: unknown, index: number): CallRequest {
  const o = asObject(v, index, 'a transaction call')
  const req: CallRequest = {}
  if (present(o.from)) req.from = parseAddress(o.from, index, 'from')
  if (present(o.to)) req.to = parseAddress(o.to, index, 'to')
  if (present(o.gas)) req.gas = parseUint64(o.gas, index, 'gas')
  if (present(o.gasPrice)) req.gasPrice = parseQuantity(o.gasPrice, index, 'gasPrice')
  if (present(o.maxFeePerGas)) req.maxFeePerGas = parseQuantity(o.maxFeePerGas, index, 'maxFeePerGas')
  if (present(o.maxPriorityFeePerGas)) {
    req.maxPriorityFeePerGas = parseQuantity(o.maxPriorityFeePerGas, index, 'maxPriorityFeePerGas')
  }
  if (present(o.gasPrice) && (present(o.maxFeePerGas) || present(o.maxPriorityFeePerGas))) {
    throw new InvalidParamsError('both gasPrice and (maxFeePerGas or maxPriorityFeePerGas) specified', index)
  }
  if (present(o.value)) req.value = parseQuantity(o.value, index, 'value')
  if (present(o.nonce)) req.nonce = parseUint64(o.nonce, index, 'nonce')
  const input = present(o.input) ? parseData(o.input, index, 'input') : undefined
  const data = present(o.data) ? parseData(o.data, index, 'data') : undefined
  if (input !== undefined && data !== undefined && input !== data) {
    throw new InvalidParamsError('both "data" and "input" are set and not equal. Please use "input" to pass transaction call data', index)
  }
  if (input ?? data) req.data = input ?? data
  if (present(o.accessList)) req.accessList = parseAccessList(o.accessList, index)
  return req
}

function parseAccessList(v: unknown, index: number): NonNullable<CallRequest['accessList']> {
  if (!Array.isArray(v)) {
    throw new InvalidParamsError(`expected an array, got ${describe(v)}`, index, 'accessList')
  }
  return v.map((item, i) => {
    const field = `accessList[${i}]`
    if (typeof item !== 'object' || item === null) {
      throw new InvalidParamsError('expected {address, storageKeys}', index, field)
    }
    const { address, storageKeys } = item as Record<string, unknown>
    const keys = storageKeys ?? []
    if (!Array.isArray(keys)) {
      throw new InvalidParamsError('expected an array', index, `${field}.storageKeys`)
    }
    return {
      address: parseAddress(address, index, `${field}.address`),
      storageKeys: keys.map((k, j) => parseHash(k, index, `${field}.storageKeys[${j}]`)),
    }
  })
}

function parseSlotMap(v: unknown, index: number, field: string): Record<Hex, Hex> {
  const o = asObjectField(v, index, field)
  const out: Record<Hex, Hex> = {}
  for (const [k, val] of Object.entries(o)) {
    out[parseHash(k, index, `${field} key`)] = parseHash(val, index, `${field}[${k}]`)
  }
  return out
}

function asObjectField(v: unknown, index: number, field: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new InvalidParamsError(`expected an object, got ${describe(v)}`, index, field)
  }
  return v as Record<string, unknown>
}

/** eth_call state overrides: `{ [address]: {balance, nonce, code, state | stateDiff} }`. */
export function parseStateOverrides(v: unknown, index: number): StateOverrides | undefined {
  if (v === undefined || v === null) return undefined
  const o = asObject(v, index, 'a state override')
  const out: StateOverrides = {}
  for (const [addr, raw] of Object.entries(o)) {
    const address = parseAddress(addr, index, 'override address')
    const a = asObjectField(raw, index, address)
    const ov: AccountOverride = {}
    if (present(a.balance)) ov.balance = parseQuantity(a.balance, index, `${address}.balance`)
    if (present(a.nonce)) ov.nonce = parseUint64(a.nonce, index, `${address}.nonce`)
    if (present(a.code)) ov.code = parseData(a.code, index, `${address}.code`)
    if (present(a.state) && present(a.stateDiff)) {
      throw new InvalidParamsError('has both state and stateDiff', index, address)
    }
    if (present(a.state)) ov.state = parseSlotMap(a.state, index, `${address}.state`)
    if (present(a.stateDiff)) ov.stateDiff = parseSlotMap(a.stateDiff, index, `${address}.stateDiff`)
    out[address] = ov
  }
  return out
}

/** An eth_getLogs / eth_newFilter filter before its block tags are resolved. */
export interface RawLogFilter {
  fromBlock?: BlockTag
  toBlock?: BlockTag
  blockHash?: Hex
  addresses?: Hex[]
  topics?: (Hex | Hex[] | null)[]
}

/**
 * A log filter: `{fromBlock, toBlock, address, topics}` or `{blockHash, address, topics}`.
 * `address` is one address or a list; `topics[i]` is null, a hash, or a list of hashes.
 */
export function parseLogFilter(v: unknown, index: number): RawLogFilter {
  const o = asObject(v ?? {}, index, 'a filter')
  const f: RawLogFilter = {}
  if (present(o.blockHash)) {
    if (present(o.fromBlock) || present(o.toBlock)) {
      throw new InvalidParamsError('cannot specify both BlockHash and FromBlock/ToBlock, choose one or the other', index)
    }
    f.blockHash = parseHash(o.blockHash, index, 'blockHash')
  }
  if (present(o.fromBlock)) f.fromBlock = parseFilterBlock(o.fromBlock, index, 'fromBlock')
  if (present(o.toBlock)) f.toBlock = parseFilterBlock(o.toBlock, index, 'toBlock')
  if (present(o.address)) {
    f.addresses = Array.isArray(o.address)
      ? o.address.map((a, i) => parseAddress(a, index, `address[${i}]`))
      : [parseAddress(o.address, index, 'address')]
  }
  if (present(o.topics)) f.topics = parseTopics(o.topics, index)
  return f
}

/** The `topics` member of a log filter (at most 4 positions). */
export function parseTopics(v: unknown, index: number): (Hex | Hex[] | null)[] {
  if (!Array.isArray(v)) {
    throw new InvalidParamsError(`expected an array, got ${describe(v)}`, index, 'topics')
  }
  if (v.length > 4) throw new InvalidParamsError('too many topics, at most 4', index, 'topics')
  return v.map((t, i) => {
    if (t === null || t === undefined) return null
    if (Array.isArray(t)) {
      if (t.length === 0) return null
      return t.map((x, j) => parseHash(x, index, `topics[${i}][${j}]`))
    }
    return parseHash(t, index, `topics[${i}]`)
  })
}

function parseFilterBlock(v: unknown, index: number, field: string): BlockTag {
  if (typeof v === 'string' && BLOCK_TAGS.has(v)) return v as BlockTag
  return parseBlockNumber(v, index, field)
}

/** eth_feeHistory reward percentiles: numbers in [0, 100], non-decreasing. */
export function parsePercentiles(v: unknown, index: number): number[] | undefined {
  if (v === undefined || v === null) return undefined
  if (!Array.isArray(v)) throw new InvalidParamsError(`expected an array, got ${describe(v)}`, index)
  let last = -1
  return v.map((p, i) => {
    if (typeof p !== 'number' || !Number.isFinite(p) || p < 0 || p > 100) {
      throw new InvalidParamsError(`invalid reward percentile ${JSON.stringify(p)}`, index, `[${i}]`)
    }
    if (p < last) {
      throw new InvalidParamsError(`reward percentiles must be increasing (${last} > ${p})`, index)
    }
    last = p
    return p
  })
}

/**
 * Typed access to a system account's storage with Solidity's layout rules, so state written by
 * a precompile can be read (and proven with eth_getProof) like a contract's:
 * words at slots, mappings at `keccak256(key ‖ slot)`, dynamic bytes as Solidity stores them.
 */
import type { StateManagerInterface } from '@ethereumjs/common'
import { type Address, bigIntToBytes, bytesToBigInt, setLengthLeft } from '@ethereumjs/util'
import { concatBytes, type Hex, hexToBytes } from 'viem'
import { ValueOutOfRangeError } from '../lib/errors.ts'
import { keccak256 } from '../lib/keccak.ts'

/** Cold storage read, as SLOAD (EIP-2929). */
export const GAS_READ = 2_100n
/** Storage write of a fresh slot, as SSTORE 0 → x. */
export const GAS_WRITE_NEW = 22_100n
/** Storage write of a used slot, as SSTORE x → y. */
export const GAS_WRITE = 5_000n
/** Read of a slot already accessed in the same call, as a warm SLOAD (EIP-2929). */
export const GAS_WARM_READ = 100n
/** What a write saves on a slot already accessed in the call: the cold surcharge (EIP-2929). */
export const GAS_COLD_SURCHARGE = GAS_READ

/** Whatever meters gas for the storage accesses (a precompile's GasMeter). */
export interface GasCharger {
  charge(amount: bigint): void
  /**
   * Marks `key` (account and slot) accessed in this call; true when it already was (warm, as
   * EIP-2929's access list: a precompile call that reads a slot twice pays once for the cold
   * read). A charger without it counts every access cold.
   */
  touch?(key: string): boolean
}

/** A GasCharger that only adds up what is charged (tests, and reads that count their gas). */
export class GasTally implements GasCharger {
  used = 0n
  charge(amount: bigint): void {
    this.used += amount
  }
}

const TWO_256 = 1n << 256n
const TWO_255 = 1n << 255n

function word(v: bigint): Uint8Array {
  return hexToBytes(`0x${v.toString(16).padStart(64, '0')}`)
}

/** A storage key: an integer, an address or a 32-byte hex. */
export type SlotKey = bigint | number | Hex

function keyBytes(k: SlotKey): Uint8Array {
  if (typeof k === 'string') return setLengthLeft(hexToBytes(k), 32)
  return word(BigInt(k) < 0n ? BigInt(k) + TWO_256 : BigInt(k))
}

/** Slot of the first word of the data a dynamic array or long string at `slot` keeps (Solidity: keccak256(slot)). */
export function dataSlot(slot: bigint): bigint {
  return bytesToBigInt(keccak256(word(slot)))
}

/** Recently derived mapping slots (a pure function of its key, so only speed depends on it). */
const slotMemo = new Map<string, bigint>()
const SLOT_MEMO_SIZE = 200_000

/** Slot of `mapping[key]` for a mapping at `slot` (Solidity: keccak256(key ‖ slot)). */
export function mappingSlot(slot: bigint, ...keys: SlotKey[]): bigint {
  const memoKey = `${slot}:${keys.join(':')}`
  const hit = slotMemo.get(memoKey)
  if (hit !== undefined) return hit
  let s = slot
  for (const k of keys) s = bytesToBigInt(keccak256(concatBytes([keyBytes(k), word(s)])))
  if (slotMemo.size >= SLOT_MEMO_SIZE) slotMemo.clear()
  slotMemo.set(memoKey, s)
  return s
}

export class ContractStorage {
  constructor(
    private readonly state: StateManagerInterface,
    readonly address: Address,
    private readonly gas?: GasCharger,
  ) {}

  private warm(slot: bigint): boolean {
    return this.gas?.touch?.(`${this.address}:${slot}`) ?? false
  }

  /** Reads the unsigned word at `slot`. */
  async word(slot: bigint): Promise<bigint> {
    if (this.gas) this.gas.charge(this.warm(slot) ? GAS_WARM_READ : GAS_READ)
    const v = await this.state.getStorage(this.address, word(slot))
    return v.length === 0 ? 0n : bytesToBigInt(v)
  }

  /** Writes the unsigned word at `slot` (0 clears it). */
  async setWord(slot: bigint, value: bigint): Promise<void> {
    if (value < 0n || value >= TWO_256) throw new ValueOutOfRangeError('storage word', value)
    if (this.gas) {
      const before = await this.state.getStorage(this.address, word(slot))
      const cost = before.length === 0 ? GAS_WRITE_NEW : GAS_WRITE
      this.gas.charge(this.warm(slot) ? cost - GAS_COLD_SURCHARGE : cost)
    }
    await this.state.putStorage(this.address, word(slot), value === 0n ? new Uint8Array() : bigIntToBytes(value))
  }

  /** Reads the two's-complement int256 at `slot`. */
  async int(slot: bigint): Promise<bigint> {
    const v = await this.word(slot)
    return v >= TWO_255 ? v - TWO_256 : v
  }

  async setInt(slot: bigint, value: bigint): Promise<void> {
    if (value < -TWO_255 || value >= TWO_255) throw new ValueOutOfRangeError('storage word', value)
    await this.setWord(slot, value < 0n ? value + TWO_256 : value)
  }

  /** Reads dynamic bytes stored at `slot` in Solidity's layout. */
  async bytes(slot: bigint): Promise<Uint8Array> {
    const head = await this.word(slot)
    if ((head & 1n) === 0n) {
      // Short form: data in the high bytes, length·2 in the lowest byte.
      const len = Number((head & 0xffn) / 2n)
      return word(head).slice(0, len)
    }
    const len = Number((head - 1n) / 2n)
    const base = dataSlot(slot)
    const out = new Uint8Array(len)
    for (let i = 0; i * 32 < len; i++) {
      const chunk = word(await this.word(base + BigInt(i)))
      out.set(chunk.slice(0, Math.min(32, len - i * 32)), i * 32)
    }
    return out
  }

  /** Writes dynamic bytes at `slot` in Solidity's layout (old long data is cleared). */
  async setBytes(slot: bigint, data: Uint8Array): Promise<void> {
    const oldHead = await this.word(slot)
    if ((oldHead & 1n) === 1n) {
      const oldLen = Number((oldHead - 1n) / 2n)
      const base = dataSlot(slot)
      const newChunks = data.length < 32 ? 0 : Math.ceil(data.length / 32)
      for (let i = newChunks; i * 32 < oldLen; i++) await this.setWord(base + BigInt(i), 0n)
    }
    if (data.length < 32) {
      const w = new Uint8Array(32)
      w.set(data)
      w[31] = data.length * 2
      await this.setWord(slot, bytesToBigInt(w))
      return
    }
    await this.setWord(slot, BigInt(data.length) * 2n + 1n)
    const base = dataSlot(slot)
    for (let i = 0; i * 32 < data.length; i++) {
      const chunk = new Uint8Array(32)
      chunk.set(data.slice(i * 32, i * 32 + 32))
      await this.setWord(base + BigInt(i), bytesToBigInt(chunk))
    }
  }

  async string(slot: bigint): Promise<string> {
    return Buffer.from(await this.bytes(slot)).toString('utf8')
  }

  async setString(slot: bigint, s: string): Promise<void> {
    await this.setBytes(slot, Buffer.from(s, 'utf8'))
  }
}

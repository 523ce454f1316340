/**
 * System transactions: what the node itself does inside a block — credit bridge deposits at its
 * start, liquidate at its end — written into the block as transactions of their own type
 * (`0x7e`, like the OP Stack's deposit transactions), so each has a hash, a place in the
 * transactions trie, and a receipt whose logs carry the SPEC section 4 events (`Deposit`,
 * `Liquidation`, `BadDebt`).
 *
 * A system transaction is not signed and not run by the EVM: the node applies its effect
 * natively (execution/system/depositCredits.ts, execution/margin/liquidate.ts) inside the block's state
 * checkpoint. It uses no gas and pays no fee. Its sender is {@link SYSTEM_SENDER}, an address no
 * key controls. Its input is the ABI call that describes the operation (the deposits credited,
 * the accounts liquidated), so a node replaying the block reads from the block alone what was
 * done, and the receipts root fixes the events.
 *
 * Encoding: `0x7e || rlp([blockNumber, to, input])`; hash = keccak256 of that.
 */
import { Block, type BlockOptions, createBlockFromBytesArray } from '@ethereumjs/block'
import type { Common } from '@ethereumjs/common'
import { RLP } from '@ethereumjs/rlp'
import { Capability, type TypedTransaction } from '@ethereumjs/tx'
import { type Address, bigIntToUnpaddedBytes, bytesToBigInt, bytesToHex, createAddressFromString } from '@ethereumjs/util'
import type { Hex } from 'viem'
import { keccak256 } from '../../lib/keccak.ts'
import type { EncodedLog } from '../eventLog.ts'

/** EIP-2718 type byte of a system transaction. */
export const SYSTEM_TX_TYPE = 0x7e
/** The sender of every system transaction (no key controls it; user transactions never come from it). */
export const SYSTEM_SENDER: Hex = '0xfffffffffffffffffffffffffffffffffffffffe'
const SYSTEM_SENDER_ADDRESS = createAddressFromString(SYSTEM_SENDER)

/** One log a system transaction emits. */
export type SystemLog = EncodedLog

export class SystemTransaction {
  readonly type = SYSTEM_TX_TYPE
  readonly nonce = 0n
  readonly gasLimit = 0n
  readonly gasPrice = 0n
  readonly maxFeePerGas = 0n
  readonly maxPriorityFeePerGas = 0n
  readonly value = 0n
  readonly v = 0n
  readonly r = 0n
  readonly s = 0n
  readonly to: Address
  private cachedHash?: Uint8Array
  private cachedBytes?: Uint8Array

  /**
   * @param blockNumber the block it belongs to (makes the hash unique per block)
   * @param to the precompile whose operation it records
   * @param data the ABI call describing the operation
   */
  constructor(
    readonly blockNumber: bigint,
    to: Hex,
    readonly data: Uint8Array,
  ) {
    this.to = createAddressFromString(to)
  }

  /** Decodes `0x7e || rlp([blockNumber, to, input])`. */
  static decode(bytes: Uint8Array): SystemTransaction {
    if (bytes[0] !== SYSTEM_TX_TYPE) throw new Error('not a system transaction')
    const fields = RLP.decode(bytes.subarray(1)) as Uint8Array[]
    if (!Array.isArray(fields) || fields.length !== 3) throw new Error('malformed system transaction')
    return new SystemTransaction(bytesToBigInt(fields[0]), bytesToHex(fields[1]) as Hex, fields[2])
  }

  serialize(): Uint8Array {
    if (this.cachedBytes === undefined) {
      const body = RLP.encode([bigIntToUnpaddedBytes(this.blockNumber), this.to.bytes, this.data])
      const out = new Uint8Array(body.length + 1)
      out[0] = SYSTEM_TX_TYPE
      out.set(body, 1)
      this.cachedBytes = out
    }
    return this.cachedBytes
  }

  hash(): Uint8Array {
    this.cachedHash ??= keccak256(this.serialize())
    return this.cachedHash
  }

  getSenderAddress(): Address {
    return SYSTEM_SENDER_ADDRESS
  }

  supports(capability: number): boolean {
    return capability === Capability.EIP2718TypedTransaction
  }

  isSigned(): boolean {
    return true
  }

  /** As a block's transaction list holds it (the executor and the block treat it as one). */
  asTyped(): TypedTransaction {
    return this as unknown as TypedTransaction
  }
}

export function isSystemTx(tx: unknown): tx is SystemTransaction {
  return tx instanceof SystemTransaction
}

/**
 * Decodes a stored block whose transactions may include system transactions (ethereumjs's
 * `createBlockFromRLP` knows only the Ethereum types).
 */
export function decodeBlock(rlp: Uint8Array, common: Common): Block {
  const values = RLP.decode(rlp) as unknown as [Uint8Array[], (Uint8Array | Uint8Array[])[], Uint8Array[][], ...unknown[]]
  const txs = values[1]
  const system = new Map<number, SystemTransaction>()
  txs.forEach((t, i) => {
    if (t instanceof Uint8Array && t[0] === SYSTEM_TX_TYPE) system.set(i, SystemTransaction.decode(t))
  })
  const opts: BlockOptions = { common }
  if (system.size === 0) return createBlockFromBytesArray(values as never, opts)
  const rest = txs.filter((_, i) => !system.has(i))
  const plain = createBlockFromBytesArray([values[0], rest, ...values.slice(2)] as never, { ...opts, freeze: false })
  const all: TypedTransaction[] = []
  let j = 0
  for (let i = 0; i < txs.length; i++) all.push(system.get(i)?.asTyped() ?? plain.transactions[j++])
  return new Block(plain.header, all, [], plain.withdrawals, opts)
}

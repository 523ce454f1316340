/**
 * Executes one block's transactions the fast way (DESIGN.md): one state checkpoint around the
 * whole block, `runTx` per transaction against a header-only block object, trie roots computed
 * once, the block assembled once at the end. `BlockBuilder` is not used (quadratic).
 */
import { Block, createBlock, createBlockHeader } from '@ethereumjs/block'
import type { Common } from '@ethereumjs/common'
import type { MerkleStateManager } from '@ethereumjs/statemanager'
import { Capability, type TypedTransaction } from '@ethereumjs/tx'
import { type Address, bytesToHex, hexToBytes } from '@ethereumjs/util'
import { Bloom, encodeReceipt, runTx, type VM } from '@ethereumjs/vm'
import { isStoreFailure, StoreFailureError } from '../lib/errors.ts'
import { ZERO_BLOOM_HEX } from '../state/receiptCodec.ts'
import { checkpointDepth } from '../state/stateManager.ts'
import type { Hex, StoredLog, StoredReceipt } from '../state/types.ts'
import { bloomToHex } from './logsBloom.ts'
import { orderedTrieRoot } from './orderedTrieRoot.ts'
import { SYSTEM_SENDER, SYSTEM_TX_TYPE, type SystemLog, type SystemTransaction } from './system/systemTx.ts'

/** The fields a new block starts from. */
export interface BlockEnv {
  number: bigint
  parentHash: Uint8Array
  /** Unix seconds. */
  timestamp: bigint
  gasLimit: bigint
  baseFeePerGas: bigint
  coinbase: Hex
  extraData?: Uint8Array
}

/** A transaction that could not be included, with the reason. */
export interface RejectedTx {
  tx: TypedTransaction
  error: string
}

/** The sealed block and what it wrote. */
export interface SealedBlock {
  block: Block
  receipts: StoredReceipt[]
}

/** Effective gas price paid per gas by `tx` under `baseFee`. */
export function effectiveGasPrice(tx: TypedTransaction, baseFee: bigint): bigint {
  if (tx.supports(Capability.EIP1559FeeMarket)) {
    const t = tx as TypedTransaction & { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint }
    const tip = t.maxFeePerGas - baseFee < t.maxPriorityFeePerGas ? t.maxFeePerGas - baseFee : t.maxPriorityFeePerGas
    return baseFee + tip
  }
  return (tx as TypedTransaction & { gasPrice: bigint }).gasPrice
}

/** The highest fee per gas a transaction may pay (maxFeePerGas or gasPrice). */
export function maxFeePerGas(tx: TypedTransaction): bigint {
  return tx.supports(Capability.EIP1559FeeMarket)
    ? (tx as TypedTransaction & { maxFeePerGas: bigint }).maxFeePerGas
    : (tx as TypedTransaction & { gasPrice: bigint }).gasPrice
}

/**
 * One block in progress. `begin` opens the state checkpoint, `apply` runs transactions,
 * `seal` commits the state and builds the block; `abort` rolls everything back.
 */
export class BlockExecutor {
  private env?: BlockEnv
  private envBlock?: Block
  private txs: TypedTransaction[] = []
  private partial: Omit<StoredReceipt, 'blockHash' | 'blockNumber' | 'logs'>[] = []
  private rawLogs: { address: Hex; topics: Hex[]; data: Hex }[][] = []
  private rawReceipts: Uint8Array[] = []
  private gasUsed = 0n

  constructor(
    private readonly vm: VM,
    private readonly state: MerkleStateManager,
    private readonly common: Common,
  ) {}

  /** Gas still available in the block. */
  get gasLeft(): bigint {
    return (this.env?.gasLimit ?? 0n) - this.gasUsed
  }

  /** Timestamp of the block in progress (unix seconds). */
  get timestamp(): bigint {
    return this.env!.timestamp
  }

  get txCount(): number {
    return this.txs.length
  }

  async begin(env: BlockEnv): Promise<void> {
    this.env = env
    this.txs = []
    this.partial = []
    this.rawLogs = []
    this.rawReceipts = []
    this.gasUsed = 0n
    this.envBlock = createBlock(
      {
        header: {
          number: env.number,
          parentHash: env.parentHash,
          timestamp: env.timestamp,
          gasLimit: env.gasLimit,
          baseFeePerGas: env.baseFeePerGas,
          coinbase: hexToBytes(env.coinbase),
        },
      },
      { common: this.common, freeze: false },
    )
    await this.state.checkpoint()
  }

  /**
   * Runs `tx`; on success it is part of the block. A transaction the block cannot take (nonce,
   * balance, gas) — or one whose run threw — leaves no trace and comes back as a rejection value:
   * the executor itself closes every checkpoint the run left open, back to the block's state
   * before it (an exception thrown out of the EVM skips the EVM's own reverts).
   *
   * @throws StoreFailureError (or the store's own error) when the store failed: fatal.
   */
  async apply(tx: TypedTransaction, sender: Address): Promise<StoredReceipt | RejectedTx> {
    const env = this.env!
    if (tx.gasLimit > this.gasLeft) return { tx, error: 'block gas limit reached' }
    const depth = checkpointDepth(this.state)
    let result: Awaited<ReturnType<typeof runTx>>
    try {
      result = await runTx(this.vm, { tx, block: this.envBlock, blockGasUsed: this.gasUsed })
    } catch (err) {
      await this.unwindTo(depth)
      if (isStoreFailure(err)) throw err
      return { tx, error: (err as Error).message }
    }
    if (checkpointDepth(this.state) !== depth) {
      // runTx returned with checkpoints still open: nothing of this run can be trusted.
      await this.unwindTo(depth)
      return { tx, error: 'internal error: unbalanced state checkpoints' }
    }
    const index = this.txs.length
    this.txs.push(tx)
    this.gasUsed += result.totalGasSpent
    const receipt = result.receipt
    this.rawReceipts.push(encodeReceipt(receipt, tx.type))
    const logs = receipt.logs.map(([address, topics, data]) => ({
      address: bytesToHex(address) as Hex,
      topics: topics.map((t) => bytesToHex(t) as Hex),
      data: bytesToHex(data) as Hex,
    }))
    this.rawLogs.push(logs)
    const stored = {
      transactionHash: bytesToHex(tx.hash()) as Hex,
      transactionIndex: index,
      from: sender.toString() as Hex,
      to: tx.to ? (tx.to.toString() as Hex) : null,
      contractAddress: result.createdAddress ? (result.createdAddress.toString() as Hex) : null,
      cumulativeGasUsed: receipt.cumulativeBlockGasUsed,
      gasUsed: result.totalGasSpent,
      effectiveGasPrice: effectiveGasPrice(tx, env.baseFeePerGas),
      status: ('status' in receipt ? receipt.status : 1) as 0 | 1,
      logsBloom: bloomToHex(receipt.bitvector),
      type: tx.type,
    }
    this.partial.push(stored)
    return { ...stored, blockHash: '0x' as Hex, blockNumber: env.number, logs: [] }
  }

  /**
   * Adds a system transaction whose effect the caller has already applied to the block's state
   * (execution/system/systemTx.ts): it takes the next index, uses no gas and succeeds, and its receipt
   * carries `logs`.
   */
  applySystem(tx: SystemTransaction, logs: readonly SystemLog[]): void {
    const index = this.txs.length
    this.txs.push(tx.asTyped())
    const bloom = new Bloom(undefined, this.common)
    const rawLogs = logs.map((l) => {
      const log: [Uint8Array, Uint8Array[], Uint8Array] = [hexToBytes(l.address), l.topics.map((t) => hexToBytes(t)), hexToBytes(l.data)]
      bloom.add(log[0])
      for (const t of log[1]) bloom.add(t)
      return log
    })
    this.rawReceipts.push(
      encodeReceipt(
        { status: 1, cumulativeBlockGasUsed: this.gasUsed, bitvector: bloom.bitvector, logs: rawLogs },
        SYSTEM_TX_TYPE as never,
      ),
    )
    this.rawLogs.push(logs.map((l) => ({ ...l })))
    this.partial.push({
      transactionHash: bytesToHex(tx.hash()) as Hex,
      transactionIndex: index,
      from: SYSTEM_SENDER,
      to: tx.to.toString() as Hex,
      contractAddress: null,
      cumulativeGasUsed: this.gasUsed,
      gasUsed: 0n,
      effectiveGasPrice: 0n,
      status: 1,
      logsBloom: bloomToHex(bloom.bitvector),
      type: SYSTEM_TX_TYPE,
    })
  }

  /**
   * Reverts checkpoints until `depth` are open: the state is back where it was when `depth` was
   * read, whatever a failed run left open.
   */
  private async unwindTo(depth: number): Promise<void> {
    while (checkpointDepth(this.state) > depth) await this.state.revert()
    this.vm.evm.journal.cleanJournal()
  }

  /**
   * Runs `op` (a system operation: deposit credits, the end-of-block pass) inside its own
   * checkpoint. When it throws, its writes are rolled back and the error comes back as a value
   * (the block goes on without it); a store failure is thrown on.
   */
  async contained<T>(op: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
    const depth = checkpointDepth(this.state)
    await this.state.checkpoint()
    try {
      const value = await op()
      if (checkpointDepth(this.state) !== depth + 1) throw new Error('unbalanced state checkpoints')
      await this.state.commit()
      return { ok: true, value }
    } catch (error) {
      await this.unwindTo(depth)
      if (isStoreFailure(error)) throw error
      return { ok: false, error }
    }
  }

  /**
   * Commits the block's state, computes the roots and builds the block.
   *
   * @throws StoreFailureError when the state would not be fully in the trie (a checkpoint left
   *   open): such a root names nodes that were never written.
   */
  async seal(): Promise<SealedBlock> {
    const env = this.env!
    await this.state.commit()
    if (checkpointDepth(this.state) !== 0) {
      throw new StoreFailureError(`block ${env.number}: ${checkpointDepth(this.state)} state checkpoints still open at seal`)
    }
    const stateRoot = await this.state.getStateRoot()
    const bloom = new Uint8Array(256)
    for (const r of this.partial) {
      if (r.logsBloom === ZERO_BLOOM_HEX) continue
      const b = hexToBytes(r.logsBloom)
      for (let i = 0; i < 256; i++) bloom[i] |= b[i]
    }
    const header = createBlockHeader(
      {
        number: env.number,
        parentHash: env.parentHash,
        timestamp: env.timestamp,
        gasLimit: env.gasLimit,
        gasUsed: this.gasUsed,
        baseFeePerGas: env.baseFeePerGas,
        coinbase: hexToBytes(env.coinbase),
        extraData: env.extraData,
        stateRoot,
        transactionsTrie: orderedTrieRoot(this.txs.map((tx) => tx.serialize())),
        receiptTrie: orderedTrieRoot(this.rawReceipts),
        logsBloom: bloom,
      },
      { common: this.common },
    )
    // The transactions are already built: hand them over as they are (createBlock would rebuild
    // each one from its fields).
    const block = new Block(header, this.txs, [], [], { common: this.common })
    const blockHash = bytesToHex(block.hash()) as Hex
    let logIndex = 0
    const receipts: StoredReceipt[] = this.partial.map((p, i) => {
      const logs: StoredLog[] = this.rawLogs[i].map((l) => ({
        ...l,
        blockNumber: env.number,
        blockHash,
        transactionHash: p.transactionHash,
        transactionIndex: i,
        logIndex: logIndex++,
      }))
      return { ...p, blockHash, blockNumber: env.number, logs }
    })
    this.env = undefined
    return { block, receipts }
  }

  /** Abandons the block: the state returns to where `begin` found it. */
  async abort(): Promise<void> {
    if (this.env === undefined) return
    this.env = undefined
    await this.unwindTo(0)
  }
}

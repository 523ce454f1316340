/**
 * Blocks, receipts, transactions and logs as the store holds them, with the recent blocks (and
 * their receipts) kept decoded in memory; and the one place a block tag becomes a number.
 */
import type { Block } from '@ethereumjs/block'
import type { Common } from '@ethereumjs/common'
import { bytesToHex } from '@ethereumjs/util'
import { type CreditedDeposit, creditedDepositsOf } from '../execution/system/depositCredits.ts'
import { decodeBlock } from '../execution/system/systemTx.ts'
import type { ChainDb } from '../state/chainDb.ts'
import { bloomMayMatch, logMatches } from '../state/logFilter.ts'
import { decodeReceipts } from '../state/receiptCodec.ts'
import type { BlockTag, Hex, LogFilter, StoredLog, StoredReceipt, TxLocation } from '../state/types.ts'
import { TooManyLogsError, UnknownBlockError } from './errors.ts'

/** How many recent blocks (with receipts) stay in memory. */
export const RECENT_BLOCKS = 512

interface CachedBlock {
  block: Block
  receipts?: StoredReceipt[]
}

export class BlockReads {
  private readonly recent = new Map<bigint, CachedBlock>()
  /** The L2 block the `safe`/`finalized` tags name, when a bridge runs. */
  finalityOf?: (tag: 'safe' | 'finalized') => bigint

  constructor(
    private readonly db: ChainDb,
    private readonly txCommon: Common,
    /** The head's number; undefined while the node opens. */
    private readonly headNumber: () => bigint | undefined,
  ) {}

  private head(): bigint {
    return this.headNumber() ?? 0n
  }

  /** Keeps a block (and its receipts, when known) in memory; the oldest beyond `RECENT_BLOCKS` go. */
  remember(n: bigint, block: Block, receipts?: StoredReceipt[]): void {
    this.recent.set(n, { block, receipts })
    if (this.recent.size > RECENT_BLOCKS) {
      const oldest = this.recent.keys().next().value as bigint
      this.recent.delete(oldest)
    }
  }

  /** @throws UnknownBlockError for a number past the head, an unknown hash or tag. */
  async resolveBlock(tag: BlockTag): Promise<bigint> {
    const head = this.head()
    if (typeof tag === 'bigint') {
      if (tag > head || tag < 0n) throw new UnknownBlockError(`0x${tag.toString(16)}`)
      return tag
    }
    if (typeof tag === 'object') {
      const n = await this.db.getBlockNumber(tag.hash)
      if (n === undefined || n > head) throw new UnknownBlockError(tag.hash)
      return n
    }
    switch (tag) {
      case 'latest':
      case 'pending':
        return head
      case 'earliest':
        return 0n
      case 'safe':
      case 'finalized': {
        // The newest L2 block whose commitment the L1 holds as safe/finalized; genesis before any.
        const n = this.finalityOf?.(tag) ?? 0n
        return n > head ? head : n
      }
    }
    throw new UnknownBlockError(String(tag))
  }

  async getBlockByNumber(n: bigint): Promise<Block | undefined> {
    const cached = this.recent.get(n)
    if (cached) return cached.block
    const rlp = await this.db.getBlockRlp(n)
    if (rlp === undefined) return undefined
    const block = decodeBlock(rlp, this.txCommon)
    const head = this.headNumber()
    if (head === undefined || n + BigInt(RECENT_BLOCKS) > head) this.remember(n, block)
    return block
  }

  async getBlockByHash(hash: Hex): Promise<Block | undefined> {
    const n = await this.db.getBlockNumber(hash)
    return n === undefined ? undefined : this.getBlockByNumber(n)
  }

  async getBlockReceipts(n: bigint): Promise<StoredReceipt[]> {
    const cached = this.recent.get(n)
    if (cached?.receipts) return cached.receipts
    const block = await this.getBlockByNumber(n)
    const raw = await this.db.getReceiptsRaw(n)
    if (block === undefined || raw === undefined) return []
    const receipts = decodeReceipts(raw, n, bytesToHex(block.hash()) as Hex)
    const entry = this.recent.get(n)
    if (entry) entry.receipts = receipts
    return receipts
  }

  /** A transaction mined at or below the head. */
  async getMinedTransaction(hash: Hex): Promise<TxLocation | undefined> {
    const loc = await this.db.getTxLocation(hash)
    if (loc === undefined || loc.blockNumber > this.head()) return undefined
    const block = await this.getBlockByNumber(loc.blockNumber)
    if (block === undefined) return undefined
    return {
      tx: block.transactions[loc.index],
      blockHash: bytesToHex(block.hash()) as Hex,
      blockNumber: loc.blockNumber,
      transactionIndex: loc.index,
    }
  }

  async getReceipt(hash: Hex): Promise<StoredReceipt | undefined> {
    const loc = await this.db.getTxLocation(hash)
    if (loc === undefined || loc.blockNumber > this.head()) return undefined
    const receipts = await this.getBlockReceipts(loc.blockNumber)
    return receipts[loc.index]
  }

  /** @throws TooManyLogsError past `limit` matches, naming the range that fits. */
  async getLogs(filter: LogFilter, limit?: number): Promise<StoredLog[]> {
    let from = filter.fromBlock
    let to = filter.toBlock
    if (filter.blockHash !== undefined) {
      const n = await this.db.getBlockNumber(filter.blockHash)
      if (n === undefined) throw new UnknownBlockError(filter.blockHash)
      from = n
      to = n
    }
    if (to > this.head()) to = this.head()
    const out: StoredLog[] = []
    for (let n = from; n <= to; n++) {
      const block = await this.getBlockByNumber(n)
      if (block === undefined || !bloomMayMatch(block.header.logsBloom, filter)) continue
      for (const r of await this.getBlockReceipts(n)) {
        for (const log of r.logs) if (logMatches(log, filter)) out.push(log)
      }
      if (limit !== undefined && out.length > limit) throw new TooManyLogsError(limit, from, n > from ? n - 1n : undefined)
    }
    return out
  }

  /** The bridge deposits block `n` credited at its start (its first, system, transaction; empty when none). */
  async getBlockDeposits(n: bigint): Promise<CreditedDeposit[]> {
    const block = await this.getBlockByNumber(n)
    return (block && creditedDepositsOf(block.transactions[0])) ?? []
  }
}

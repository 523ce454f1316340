/**
 * Plain data the store keeps and every layer above names: logs, receipts, where a transaction
 * sits, block selectors and log filters.
 */
import type { TypedTransaction } from '@ethereumjs/tx'
import type { Hex } from 'viem'

export type { Hex }

/** One log as stored and returned by eth_getLogs / receipts. */
export interface StoredLog {
  address: Hex
  topics: Hex[]
  data: Hex
  blockNumber: bigint
  blockHash: Hex
  transactionHash: Hex
  transactionIndex: number
  /** Index of the log in the block. */
  logIndex: number
}

/** A transaction receipt as stored with its block. */
export interface StoredReceipt {
  transactionHash: Hex
  transactionIndex: number
  blockHash: Hex
  blockNumber: bigint
  from: Hex
  to: Hex | null
  contractAddress: Hex | null
  cumulativeGasUsed: bigint
  gasUsed: bigint
  effectiveGasPrice: bigint
  /** 1 success, 0 reverted. */
  status: 0 | 1
  logs: StoredLog[]
  logsBloom: Hex
  /** EIP-2718 type: 0 legacy, 1 EIP-2930, 2 EIP-1559. */
  type: number
}

/** Where a mined transaction sits. */
export interface TxLocation {
  tx: TypedTransaction
  blockHash: Hex
  blockNumber: bigint
  transactionIndex: number
}

/** Block selectors accepted everywhere a block is named. */
export type BlockTag = 'latest' | 'pending' | 'safe' | 'finalized' | 'earliest' | bigint | { hash: Hex }

/** eth_getLogs filter, already parsed. `topics[i] = null` matches anything at position i. */
export interface LogFilter {
  fromBlock: bigint
  toBlock: bigint
  addresses?: Hex[]
  topics?: (Hex | Hex[] | null)[]
  blockHash?: Hex
}

/**
 * geth-shaped JSON for blocks, headers, transactions, receipts and logs. Every quantity is
 * minimal 0x hex (`0x0`, `0x1a`), every byte string 0x hex, as geth prints them.
 */
import type { Block, BlockHeader } from '@ethereumjs/block'
import type { TypedTransaction } from '@ethereumjs/tx'
import { bytesToHex } from '@ethereumjs/util'
import { isSystemTx, SYSTEM_SENDER, type SystemTransaction } from '../execution/system/systemTx.ts'
import type { Hex, StoredLog, StoredReceipt } from '../state/types.ts'

/** A bigint or number as minimal 0x hex. */
export function quantity(n: bigint | number): Hex {
  return `0x${n.toString(16)}`
}

/** Where a transaction sits when it is mined; absent for a pending one. */
export interface TxPlacement {
  blockHash: Hex
  blockNumber: bigint
  transactionIndex: number
  /** Base fee of the containing block, for the effective gas price of EIP-1559 transactions. */
  baseFeePerGas?: bigint
}

/** A transaction as eth_getTransactionByHash answers it. */
export type RpcTransaction = Record<string, unknown>

/**
 * A transaction in geth's shape: `blockHash`/`blockNumber`/`transactionIndex` null when pending;
 * `gasPrice` of a mined EIP-1559 transaction is its effective gas price.
 */
export function formatTransaction(tx: TypedTransaction, at?: TxPlacement): RpcTransaction {
  if (isSystemTx(tx)) return formatSystemTransaction(tx, at)
  const out: RpcTransaction = {
    blockHash: at ? at.blockHash : null,
    blockNumber: at ? quantity(at.blockNumber) : null,
    from: tx.getSenderAddress().toString(),
    gas: quantity(tx.gasLimit),
  }
  if ('maxFeePerGas' in tx) {
    const base = at?.baseFeePerGas
    const effective = base === undefined ? tx.maxFeePerGas : base + min(tx.maxPriorityFeePerGas, tx.maxFeePerGas - base)
    out.gasPrice = quantity(effective)
    out.maxFeePerGas = quantity(tx.maxFeePerGas)
    out.maxPriorityFeePerGas = quantity(tx.maxPriorityFeePerGas)
  } else {
    out.gasPrice = quantity(tx.gasPrice)
  }
  out.hash = bytesToHex(tx.hash())
  out.input = bytesToHex(tx.data)
  out.nonce = quantity(tx.nonce)
  out.to = tx.to ? tx.to.toString() : null
  out.transactionIndex = at ? quantity(at.transactionIndex) : null
  out.value = quantity(tx.value)
  out.type = quantity(tx.type)
  if ('accessList' in tx) {
    out.accessList = tx.accessList.map(([address, keys]) => ({
      address: bytesToHex(address),
      storageKeys: keys.map((k) => bytesToHex(k)),
    }))
  }
  if ('blobVersionedHashes' in tx) {
    out.maxFeePerBlobGas = quantity(tx.maxFeePerBlobGas)
    out.blobVersionedHashes = tx.blobVersionedHashes
  }
  if ('authorizationList' in tx) {
    out.authorizationList = tx.authorizationList.map(([chainId, address, nonce, yParity, r, s]) => ({
      chainId: quantity(bytesToBigInt(chainId)),
      address: bytesToHex(address),
      nonce: quantity(bytesToBigInt(nonce)),
      yParity: quantity(bytesToBigInt(yParity)),
      r: quantity(bytesToBigInt(r)),
      s: quantity(bytesToBigInt(s)),
    }))
  }
  if (tx.type === 0) {
    // geth prints chainId for a legacy transaction only when it is EIP-155 protected.
    const v = tx.v ?? 0n
    if (v >= 35n) out.chainId = quantity((v - 35n) / 2n)
  } else {
    out.chainId = quantity(tx.common.chainId())
  }
  out.v = quantity(tx.v ?? 0n)
  out.r = quantity(tx.r ?? 0n)
  out.s = quantity(tx.s ?? 0n)
  if (tx.type !== 0) out.yParity = quantity(tx.v ?? 0n)
  return out
}

/**
 * A system transaction (execution/system/systemTx.ts) in the same shape: type `0x7e`, sent by the
 * system address, no gas, no fee, no signature (v, r, s zero), like the OP Stack's deposits.
 */
function formatSystemTransaction(tx: SystemTransaction, at?: TxPlacement): RpcTransaction {
  return {
    blockHash: at ? at.blockHash : null,
    blockNumber: at ? quantity(at.blockNumber) : null,
    from: SYSTEM_SENDER,
    gas: '0x0',
    gasPrice: '0x0',
    hash: bytesToHex(tx.hash()),
    input: bytesToHex(tx.data),
    nonce: '0x0',
    to: tx.to.toString(),
    transactionIndex: at ? quantity(at.transactionIndex) : null,
    value: '0x0',
    type: quantity(tx.type),
    v: '0x0',
    r: '0x0',
    s: '0x0',
  }
}

function min(a: bigint, b: bigint): bigint {
  return a < b ? a : b
}

function bytesToBigInt(b: Uint8Array): bigint {
  return b.length === 0 ? 0n : BigInt(bytesToHex(b))
}

const headerCache = new WeakMap<BlockHeader, Record<string, unknown>>()

/** A block header in geth's shape (as pushed by the `newHeads` subscription). */
export function formatHeader(header: BlockHeader): Record<string, unknown> {
  const cached = headerCache.get(header)
  if (cached) return cached
  const h: Record<string, unknown> = {}
  if (header.baseFeePerGas !== undefined) h.baseFeePerGas = quantity(header.baseFeePerGas)
  if (header.blobGasUsed !== undefined) h.blobGasUsed = quantity(header.blobGasUsed)
  h.difficulty = quantity(header.difficulty)
  if (header.excessBlobGas !== undefined) h.excessBlobGas = quantity(header.excessBlobGas)
  h.extraData = bytesToHex(header.extraData)
  h.gasLimit = quantity(header.gasLimit)
  h.gasUsed = quantity(header.gasUsed)
  h.hash = bytesToHex(header.hash())
  h.logsBloom = bytesToHex(header.logsBloom)
  h.miner = header.coinbase.toString()
  h.mixHash = bytesToHex(header.mixHash)
  h.nonce = bytesToHex(header.nonce)
  h.number = quantity(header.number)
  if (header.parentBeaconBlockRoot !== undefined) {
    h.parentBeaconBlockRoot = bytesToHex(header.parentBeaconBlockRoot)
  }
  h.parentHash = bytesToHex(header.parentHash)
  h.receiptsRoot = bytesToHex(header.receiptTrie)
  if (header.requestsHash !== undefined) h.requestsHash = bytesToHex(header.requestsHash)
  h.sha3Uncles = bytesToHex(header.uncleHash)
  h.stateRoot = bytesToHex(header.stateRoot)
  h.timestamp = quantity(header.timestamp)
  h.transactionsRoot = bytesToHex(header.transactionsTrie)
  if (header.withdrawalsRoot !== undefined) h.withdrawalsRoot = bytesToHex(header.withdrawalsRoot)
  headerCache.set(header, h)
  return h
}

const sizeCache = new WeakMap<Block, number>()

/**
 * A block in geth's shape: the header fields plus `size`, `totalDifficulty` ("0x0"), `uncles`,
 * `transactions` (hashes, or full objects when `fullTransactions`) and `withdrawals` when the
 * header has a withdrawals root.
 */
export function formatBlock(block: Block, fullTransactions: boolean): Record<string, unknown> {
  let size = sizeCache.get(block)
  if (size === undefined) {
    size = block.serialize().length
    sizeCache.set(block, size)
  }
  const header = block.header
  const blockHash = bytesToHex(header.hash())
  const out: Record<string, unknown> = { ...formatHeader(header) }
  out.size = quantity(size)
  out.totalDifficulty = '0x0'
  out.transactions = fullTransactions
    ? block.transactions.map((tx, i) =>
        formatTransaction(tx, {
          blockHash,
          blockNumber: header.number,
          transactionIndex: i,
          baseFeePerGas: header.baseFeePerGas,
        }),
      )
    : block.transactions.map((tx) => bytesToHex(tx.hash()))
  out.uncles = block.uncleHeaders.map((u) => bytesToHex(u.hash()))
  if (header.withdrawalsRoot !== undefined) {
    out.withdrawals = (block.withdrawals ?? []).map((w) => ({
      index: quantity(w.index),
      validatorIndex: quantity(w.validatorIndex),
      address: w.address.toString(),
      amount: quantity(w.amount),
    }))
  }
  return out
}

/** A log in geth's shape, `removed: false`. */
export function formatLog(log: StoredLog): Record<string, unknown> {
  return {
    address: log.address,
    topics: log.topics,
    data: log.data,
    blockNumber: quantity(log.blockNumber),
    transactionHash: log.transactionHash,
    transactionIndex: quantity(log.transactionIndex),
    blockHash: log.blockHash,
    logIndex: quantity(log.logIndex),
    removed: false,
  }
}

/** A receipt in geth's shape. */
export function formatReceipt(r: StoredReceipt): Record<string, unknown> {
  return {
    blockHash: r.blockHash,
    blockNumber: quantity(r.blockNumber),
    contractAddress: r.contractAddress,
    cumulativeGasUsed: quantity(r.cumulativeGasUsed),
    effectiveGasPrice: quantity(r.effectiveGasPrice),
    from: r.from,
    gasUsed: quantity(r.gasUsed),
    logs: r.logs.map(formatLog),
    logsBloom: r.logsBloom,
    status: quantity(r.status),
    to: r.to,
    transactionHash: r.transactionHash,
    transactionIndex: quantity(r.transactionIndex),
    type: quantity(r.type),
  }
}

/**
 * Compact JSON encoding of a block's receipts for the store. Bigints travel as hex strings.
 */
import type { Hex, StoredLog, StoredReceipt } from './types.ts'

/** The 256-byte all-zero logs bloom (a receipt without logs), as hex; left out of the encoding. */
export const ZERO_BLOOM_HEX = `0x${'00'.repeat(256)}` as Hex

interface EncodedLog {
  a: Hex
  t: Hex[]
  d: Hex
}
interface EncodedReceipt {
  h: Hex
  f: Hex
  to: Hex | null
  c: Hex | null
  cg: string
  g: string
  p: string
  s: 0 | 1
  l: EncodedLog[]
  /** Absent for the all-zero bloom. */
  b?: Hex
  y: number
}

/** Encodes the receipts of one block (block-level fields are implied by the block). */
export function encodeReceipts(receipts: StoredReceipt[]): Uint8Array {
  const enc: EncodedReceipt[] = receipts.map((r) => ({
    h: r.transactionHash,
    f: r.from,
    to: r.to,
    c: r.contractAddress,
    cg: r.cumulativeGasUsed.toString(16),
    g: r.gasUsed.toString(16),
    p: r.effectiveGasPrice.toString(16),
    s: r.status,
    l: r.logs.map((l) => ({ a: l.address, t: l.topics, d: l.data })),
    b: r.logsBloom === ZERO_BLOOM_HEX ? undefined : r.logsBloom,
    y: r.type,
  }))
  return Buffer.from(JSON.stringify(enc))
}

/** Decodes what `encodeReceipts` wrote, restoring block-level fields and log indexes. */
export function decodeReceipts(bytes: Uint8Array, blockNumber: bigint, blockHash: Hex): StoredReceipt[] {
  const enc = JSON.parse(Buffer.from(bytes).toString('utf8')) as EncodedReceipt[]
  let logIndex = 0
  return enc.map((r, transactionIndex) => {
    const logs: StoredLog[] = r.l.map((l) => ({
      address: l.a,
      topics: l.t,
      data: l.d,
      blockNumber,
      blockHash,
      transactionHash: r.h,
      transactionIndex,
      logIndex: logIndex++,
    }))
    return {
      transactionHash: r.h,
      transactionIndex,
      blockHash,
      blockNumber,
      from: r.f,
      to: r.to,
      contractAddress: r.c,
      cumulativeGasUsed: BigInt(`0x${r.cg}`),
      gasUsed: BigInt(`0x${r.g}`),
      effectiveGasPrice: BigInt(`0x${r.p}`),
      status: r.s,
      logs,
      logsBloom: r.b ?? ZERO_BLOOM_HEX,
      type: r.y,
    }
  })
}

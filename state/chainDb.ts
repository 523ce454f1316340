/**
 * The node's LevelDB store: trie nodes, blocks, receipts, the transaction index and the head
 * pointer. A block is committed as ONE batch (`commitBlock`), so a crash at any instant leaves
 * either the previous block or the new one.
 *
 * Key layout (utf8 keys, byte values):
 *   t:<hex>        trie node or contract code (see TrieBuffer)
 *   b:<number16>   block RLP           r:<number16>  receipts (receiptCodec)
 *   h:<hash>       block number (8 bytes BE)
 *   x:<txhash>     block number (8 bytes BE) ++ tx index (4 bytes BE)
 *   m:head         head block number   m:genesis  genesis block hash
 */
import { Level } from 'level'
import { encodeReceipts } from './receiptCodec.ts'
import { type StoreOp, TrieBuffer } from './trieBuffer.ts'
import type { Hex, StoredReceipt } from './types.ts'

const HEAD_KEY = 'm:head'
const GENESIS_KEY = 'm:genesis'

function num16(n: bigint): string {
  return n.toString(16).padStart(16, '0')
}

function u64(n: bigint): Uint8Array {
  const b = Buffer.alloc(8)
  b.writeBigUInt64BE(n)
  return b
}

/** What one block writes besides its trie nodes. */
export interface BlockWrite {
  number: bigint
  hash: Hex
  rlp: Uint8Array
  receipts: StoredReceipt[]
  /** Transaction hashes in block order. */
  txHashes: Hex[]
}

export class ChainDb {
  /** The trie's buffered database; drained into each block's batch. */
  readonly trie: TrieBuffer

  private constructor(private readonly db: Level<string, Uint8Array>) {
    this.trie = new TrieBuffer(db)
  }

  /** Opens (creating if needed) the store in `dir`. */
  static async open(dir: string): Promise<ChainDb> {
    const db = new Level<string, Uint8Array>(dir, { keyEncoding: 'utf8', valueEncoding: 'view' })
    await db.open()
    return new ChainDb(db)
  }

  async close(): Promise<void> {
    await this.db.close()
  }

  /** The head block number, or undefined for a fresh store. */
  async getHead(): Promise<bigint | undefined> {
    const v = await this.db.get(HEAD_KEY)
    return v === undefined ? undefined : Buffer.from(v).readBigUInt64BE()
  }

  async getGenesisHash(): Promise<Hex | undefined> {
    const v = await this.db.get(GENESIS_KEY)
    return v === undefined ? undefined : (`0x${Buffer.from(v).toString('hex')}` as Hex)
  }

  async getBlockRlp(n: bigint): Promise<Uint8Array | undefined> {
    return this.db.get(`b:${num16(n)}`)
  }

  async getBlockNumber(hash: Hex): Promise<bigint | undefined> {
    const v = await this.db.get(`h:${hash.toLowerCase()}`)
    return v === undefined ? undefined : Buffer.from(v).readBigUInt64BE()
  }

  async getReceiptsRaw(n: bigint): Promise<Uint8Array | undefined> {
    return this.db.get(`r:${num16(n)}`)
  }

  /**
   * A string key-value view of the same LevelDB for side stores (the bridge's cursors, under
   * their own key prefix); never use the prefixes above.
   */
  keyValue(): { get(key: string): Promise<Uint8Array | undefined>; put(key: string, value: Uint8Array): Promise<void> } {
    return { get: (k) => this.db.get(k), put: (k, v) => this.db.put(k, v) }
  }

  /** Where a mined transaction is, or undefined. */
  async getTxLocation(hash: Hex): Promise<{ blockNumber: bigint; index: number } | undefined> {
    const v = await this.db.get(`x:${hash.toLowerCase()}`)
    if (v === undefined) return undefined
    const b = Buffer.from(v)
    return { blockNumber: b.readBigUInt64BE(0), index: b.readUInt32BE(8) }
  }

  /**
   * Writes a block, its receipts and indexes, every buffered trie node and the new head in one
   * atomic batch. The genesis block also records the genesis hash.
   */
  async commitBlock(w: BlockWrite): Promise<void> {
    const ops: StoreOp[] = this.trie.drain()
    ops.push({ type: 'put', key: `b:${num16(w.number)}`, value: w.rlp })
    ops.push({ type: 'put', key: `h:${w.hash.toLowerCase()}`, value: u64(w.number) })
    ops.push({ type: 'put', key: `r:${num16(w.number)}`, value: encodeReceipts(w.receipts) })
    w.txHashes.forEach((h, i) => {
      const loc = Buffer.alloc(12)
      loc.writeBigUInt64BE(w.number, 0)
      loc.writeUInt32BE(i, 8)
      ops.push({ type: 'put', key: `x:${h.toLowerCase()}`, value: loc })
    })
    if (w.number === 0n) {
      ops.push({ type: 'put', key: GENESIS_KEY, value: Buffer.from(w.hash.slice(2), 'hex') })
    }
    ops.push({ type: 'put', key: HEAD_KEY, value: u64(w.number) })
    await this.db.batch(ops)
  }
}

/**
 * The trie's database during a block: writes collect in memory and reach LevelDB only inside
 * the block's one atomic batch (`drain()`), so a crash leaves the previous block or the new
 * one, never half a trie. Reads see the buffer first, then the store.
 */
import type { BatchDBOp, DB } from '@ethereumjs/util'
import type { Level } from 'level'

/** Key prefix of trie nodes and contract code in the store. */
export const TRIE_PREFIX = 't:'

type Value = string | Uint8Array
type Store = Level<string, Uint8Array>

/** A batch operation in the store's key space. */
export type StoreOp = { type: 'put'; key: string; value: Uint8Array } | { type: 'del'; key: string }

export class TrieBuffer implements DB<string, Value> {
  private pending = new Map<string, Uint8Array | undefined>()

  constructor(private readonly store: Store) {}

  async get(key: string): Promise<Value | undefined> {
    if (this.pending.has(key)) return this.pending.get(key)
    return this.store.get(TRIE_PREFIX + key)
  }

  async put(key: string, value: Value): Promise<void> {
    this.pending.set(key, typeof value === 'string' ? Buffer.from(value, 'hex') : value)
  }

  async del(key: string): Promise<void> {
    this.pending.set(key, undefined)
  }

  async batch(ops: BatchDBOp<string, Value>[]): Promise<void> {
    for (const op of ops) {
      if (op.type === 'put') await this.put(op.key, op.value)
      else await this.del(op.key)
    }
  }

  shallowCopy(): DB<string, Value> {
    return this
  }

  async open(): Promise<void> {}

  /** Number of buffered writes. */
  get size(): number {
    return this.pending.size
  }

  /** Hands the buffered writes over as store operations and empties the buffer. */
  drain(): StoreOp[] {
    const ops: StoreOp[] = []
    for (const [key, value] of this.pending) {
      ops.push(value === undefined ? { type: 'del', key: TRIE_PREFIX + key } : { type: 'put', key: TRIE_PREFIX + key, value })
    }
    this.pending = new Map()
    return ops
  }

  /** Drops the buffered writes (a block that was abandoned). */
  discard(): void {
    this.pending = new Map()
  }
}

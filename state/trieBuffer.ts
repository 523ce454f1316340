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

/**
 * Trie nodes and code kept in memory after a read from the store or a commit into it. Keys are
 * content hashes (with a storage trie's prefix), so an entry never goes stale; the oldest go first.
 */
export const TRIE_READ_CACHE_ENTRIES = 50_000

/** A batch operation in the store's key space. */
export type StoreOp = { type: 'put'; key: string; value: Uint8Array } | { type: 'del'; key: string }

export class TrieBuffer implements DB<string, Value> {
  private pending = new Map<string, Uint8Array | undefined>()
  /** Values known to be in the store (read from it, or drained into its batch). */
  private readonly cache = new Map<string, Uint8Array>()

  constructor(
    private readonly store: Store,
    private readonly cacheEntries = TRIE_READ_CACHE_ENTRIES,
  ) {}

  async get(key: string): Promise<Value | undefined> {
    if (this.pending.has(key)) return this.pending.get(key)
    const cached = this.cache.get(key)
    if (cached !== undefined) return cached
    const value = await this.store.get(TRIE_PREFIX + key)
    // A write buffered while the read waited wins; only the store's value is cached.
    if (value !== undefined && !this.pending.has(key)) this.remember(key, value)
    return value
  }

  private remember(key: string, value: Uint8Array): void {
    if (this.cache.size >= this.cacheEntries) {
      const oldest = this.cache.keys().next().value
      if (oldest !== undefined) this.cache.delete(oldest)
    }
    this.cache.set(key, value)
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

  /**
   * Hands the buffered writes over as store operations and empties the buffer. The caller writes
   * them in one batch before the next read (the sequencer's block commit), so they are cached as
   * stored.
   */
  drain(): StoreOp[] {
    const ops: StoreOp[] = []
    for (const [key, value] of this.pending) {
      if (value === undefined) {
        this.cache.delete(key)
        ops.push({ type: 'del', key: TRIE_PREFIX + key })
      } else {
        this.remember(key, value)
        ops.push({ type: 'put', key: TRIE_PREFIX + key, value })
      }
    }
    this.pending = new Map()
    return ops
  }

  /** Drops the buffered writes (a block that was abandoned). */
  discard(): void {
    this.pending = new Map()
  }
}

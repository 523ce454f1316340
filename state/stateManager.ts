/**
 * Merkle-Patricia state over the store. One way to open it, so the block producer, the head
 * reader and historical readers agree on trie options (key hashing, byte values).
 */
import type { Common } from '@ethereumjs/common'
import { createMPT } from '@ethereumjs/mpt'
import { Caches, MerkleStateManager } from '@ethereumjs/statemanager'
import type { Account, Address, DB } from '@ethereumjs/util'
import { equalsBytes, KECCAK256_RLP, unpadBytes, ValueEncoding } from '@ethereumjs/util'
import { RLP } from '@ethereumjs/rlp'
import { AccountObjectCache, CachedAccount } from './accountObjectCache.ts'

export interface OpenStateOptions {
  common: Common
  /** State root to open at; the empty trie when absent. */
  root?: Uint8Array
  /** Account/storage/code caches: for the block producer (one flush per block) and readers. */
  caches?: boolean
}

/**
 * A `MerkleStateManager` whose account cache holds account objects (`AccountObjectCache`), and
 * whose storage writes wait in the cache for the flush.
 */
class CachedStateManager extends MerkleStateManager {
  override async getAccount(address: Address): Promise<Account | undefined> {
    const elem = this._caches?.account?.get(address)
    if (elem instanceof CachedAccount) return elem.read()
    return super.getAccount(address)
  }

  /**
   * Writes to the storage cache only; the trie gets the slot once, when the cache is flushed
   * (the block's commit, or a state-root read). @ethereumjs 10.1's own `putStorage` means to do
   * this (`cache.put(…) ?? writeToTrie(…)`) but the cache's `put` returns undefined, so every
   * write also went into the storage trie at once — a trie update per SSTORE and per UMA slot,
   * then the same update again at the flush.
   */
  override async putStorage(address: Address, key: Uint8Array, value: Uint8Array): Promise<void> {
    const storage = this._caches?.storage
    if (storage === undefined) return super.putStorage(address, key, value)
    if (key.length !== 32) throw new Error('Storage key must be 32 bytes long')
    if (value.length > 32) throw new Error('Storage value cannot be longer than 32 bytes')
    if ((await this.getAccount(address)) === undefined) throw new Error('putStorage() called on non-existing account')
    storage.put(address, key, RLP.encode(unpadBytes(value)))
  }
}

/** @ethereumjs's caches with the account cache replaced by `AccountObjectCache`. */
function createCaches(): Caches {
  const caches = new Caches()
  caches.account = new AccountObjectCache()
  return caches
}

/** Opens a state manager over `db` at `root`. */
export async function openStateManager(
  db: DB<string, string | Uint8Array>,
  opts: OpenStateOptions,
): Promise<MerkleStateManager> {
  const trie = await createMPT({
    db,
    root: opts.root,
    useKeyHashing: true,
    valueEncoding: ValueEncoding.Bytes,
    common: opts.common,
  })
  if (!opts.caches) return new MerkleStateManager({ trie, common: opts.common })
  return new CachedStateManager({ trie, common: opts.common, caches: createCaches() })
}

/**
 * How many checkpoints are open on `state` (@ethereumjs keeps the count protected). The block
 * pipeline reads it around each transaction to close whatever an exception left open.
 */
export function checkpointDepth(state: MerkleStateManager): number {
  return (state as unknown as { _checkpointCount: number })._checkpointCount
}

/**
 * Whether the state trie rooted at `root` can be read from `db`: its root node is there (the
 * empty trie has none). A trie whose root node was never written reads as empty everywhere,
 * so no block may name such a root.
 */
export async function stateRootReadable(db: DB<string, string | Uint8Array>, root: Uint8Array): Promise<boolean> {
  if (equalsBytes(root, KECCAK256_RLP)) return true
  const trie = await createMPT({ db, useKeyHashing: true, valueEncoding: ValueEncoding.Bytes })
  return trie.checkRoot(root)
}

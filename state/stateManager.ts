/**
 * Merkle-Patricia state over the store. One way to open it, so the block producer, the head
 * reader and historical readers agree on trie options (key hashing, byte values).
 */
import type { Common } from '@ethereumjs/common'
import { createMPT } from '@ethereumjs/mpt'
import { Caches, MerkleStateManager } from '@ethereumjs/statemanager'
import { type DB, ValueEncoding } from '@ethereumjs/util'

export interface OpenStateOptions {
  common: Common
  /** State root to open at; the empty trie when absent. */
  root?: Uint8Array
  /** Account/storage/code caches: for the block producer (one flush per block) and readers. */
  caches?: boolean
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
  return new MerkleStateManager({
    trie,
    common: opts.common,
    caches: opts.caches ? new Caches() : undefined,
  })
}

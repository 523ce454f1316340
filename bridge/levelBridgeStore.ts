/**
 * The bridge's `BridgeStore` on the node's LevelDB, under the key prefix `g:` so that it shares
 * the database (and its directory) with the chain but none of its keys.
 */
import type { BridgeStore } from './bridgeStore.ts'

/** The subset of a `level` database this store uses (any key/value encoding of strings or bytes). */
export interface LevelLike {
  get(key: string): Promise<unknown>
  put(key: string, value: never): Promise<void>
}

/** Key prefix of every bridge key in the node's LevelDB. */
export const BRIDGE_KEY_PREFIX = 'g:'

/**
 * A `BridgeStore` over a `level` database; values are stored as UTF-8 bytes so that it works
 * whether the database's value encoding is `utf8` or `view`.
 *
 * @example
 * const db = new Level<string, Uint8Array>(dir, { keyEncoding: 'utf8', valueEncoding: 'view' })
 * const store = createLevelBridgeStore(db)
 */
export function createLevelBridgeStore(db: LevelLike): BridgeStore {
  const enc = new TextEncoder()
  const dec = new TextDecoder()
  return {
    async get(key) {
      let v: unknown
      try {
        v = await db.get(BRIDGE_KEY_PREFIX + key)
      } catch (err) {
        // level < 9 throws LEVEL_NOT_FOUND; level ≥ 9 resolves undefined.
        if ((err as { code?: string }).code === 'LEVEL_NOT_FOUND') return undefined
        throw err
      }
      if (v === undefined || v === null) return undefined
      return typeof v === 'string' ? v : dec.decode(v as Uint8Array)
    },
    async put(key, value) {
      await db.put(BRIDGE_KEY_PREFIX + key, enc.encode(value) as never)
    },
  }
}

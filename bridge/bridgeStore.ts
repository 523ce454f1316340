/**
 * Where the watcher and the poster keep their cursors: a tiny string key-value store, in memory
 * for tests and on the node's LevelDB (`levelBridgeStore.ts`) for real.
 */

/** A string key-value store; values are JSON written by the bridge. */
export interface BridgeStore {
  get(key: string): Promise<string | undefined>
  put(key: string, value: string): Promise<void>
}

/** A `BridgeStore` in a `Map`; pass the same one to a second watcher to simulate a restart. */
export function createMemoryBridgeStore(): BridgeStore & { map: Map<string, string> } {
  const map = new Map<string, string>()
  return {
    map,
    async get(key) {
      return map.get(key)
    },
    async put(key, value) {
      map.set(key, value)
    },
  }
}

/** JSON with bigints written as decimal strings ending in `n` (`"123n"`). */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v))
}

/** Reads `toJson` output back, turning `"123n"` strings into bigints. */
export function fromJson<T>(text: string): T {
  return JSON.parse(text, (_k, v) => (typeof v === 'string' && /^-?\d+n$/.test(v) ? BigInt(v.slice(0, -1)) : v)) as T
}

import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Level } from 'level'
import { afterEach, describe, expect, it } from 'vitest'
import { fromJson, toJson } from './bridgeStore.ts'
import { BRIDGE_KEY_PREFIX, createLevelBridgeStore } from './levelBridgeStore.ts'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

describe('levelBridgeStore', () => {
  for (const valueEncoding of ['view', 'utf8'] as const) {
    it(`keeps values across a reopen under the g: prefix (valueEncoding ${valueEncoding})`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'um-bridge-'))
      dirs.push(dir)
      const db = new Level<string, never>(dir, { keyEncoding: 'utf8', valueEncoding })
      const store = createLevelBridgeStore(db)
      expect(await store.get('watcher:1:0xabc')).toBeUndefined()
      await store.put('watcher:1:0xabc', toJson({ cursor: 12n, list: [1n, 'x'] }))
      await db.close()

      const db2 = new Level<string, Uint8Array>(dir, { keyEncoding: 'utf8', valueEncoding: 'view' })
      const again = createLevelBridgeStore(db2 as never)
      expect(fromJson(String(await again.get('watcher:1:0xabc')))).toEqual({ cursor: 12n, list: [1n, 'x'] })
      const keys: string[] = []
      for await (const k of db2.keys()) keys.push(k)
      expect(keys).toEqual([`${BRIDGE_KEY_PREFIX}watcher:1:0xabc`])
      await db2.close()
    })
  }
})

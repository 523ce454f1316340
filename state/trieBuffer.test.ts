import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Level } from 'level'
import { afterEach, describe, expect, it } from 'vitest'
import { TRIE_PREFIX, TrieBuffer } from './trieBuffer.ts'

/** Level answers Buffers, the buffer Uint8Arrays: compare contents. */
const list = (v: string | Uint8Array | undefined) => (v === undefined ? v : [...(v as Uint8Array)])

const open: { db: Level<string, Uint8Array>; dir: string }[] = []

async function store(): Promise<Level<string, Uint8Array>> {
  const dir = mkdtempSync(join(tmpdir(), 'um-triebuf-'))
  const db = new Level<string, Uint8Array>(dir, { keyEncoding: 'utf8', valueEncoding: 'view' })
  await db.open()
  open.push({ db, dir })
  return db
}

afterEach(async () => {
  for (const { db, dir } of open.splice(0)) {
    await db.close()
    rmSync(dir, { recursive: true, force: true })
  }
})

describe('TrieBuffer', () => {
  it('serves a value read from the store again without the store', async () => {
    const db = await store()
    await db.put(`${TRIE_PREFIX}aa`, Uint8Array.of(1))
    const buf = new TrieBuffer(db)
    expect(list(await buf.get('aa'))).toEqual([1])
    await db.del(`${TRIE_PREFIX}aa`) // behind the buffer's back: the cached value answers
    expect(list(await buf.get('aa'))).toEqual([1])
  })

  it('answers buffered writes first, and caches them once drained', async () => {
    const db = await store()
    const buf = new TrieBuffer(db)
    await buf.put('bb', Uint8Array.of(2))
    expect(list(await buf.get('bb'))).toEqual([2])
    await db.batch(buf.drain())
    expect(buf.size).toBe(0)
    expect(list(await buf.get('bb'))).toEqual([2])
    expect(list(await db.get(`${TRIE_PREFIX}bb`))).toEqual([2])
  })

  it('forgets discarded writes and drained deletions', async () => {
    const db = await store()
    const buf = new TrieBuffer(db)
    await buf.put('cc', Uint8Array.of(3))
    buf.discard()
    expect(await buf.get('cc')).toBeUndefined()
    await db.put(`${TRIE_PREFIX}dd`, Uint8Array.of(4))
    expect(list(await buf.get('dd'))).toEqual([4])
    await buf.del('dd')
    expect(await buf.get('dd')).toBeUndefined()
    await db.batch(buf.drain())
    expect(await buf.get('dd')).toBeUndefined()
  })

  it('keeps at most the configured number of entries', async () => {
    const db = await store()
    const buf = new TrieBuffer(db, 2)
    for (const k of ['e1', 'e2', 'e3']) await buf.put(k, Uint8Array.of(5))
    await db.batch(buf.drain())
    await db.del(`${TRIE_PREFIX}e1`)
    expect(await buf.get('e1')).toBeUndefined() // evicted, and gone from the store
    expect(list(await buf.get('e3'))).toEqual([5])
  })
})

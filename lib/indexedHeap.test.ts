import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { IndexedHeap } from './indexedHeap.ts'

interface Item {
  id: number
  key: number
}

describe('IndexedHeap', () => {
  it('peek and best agree with a sort after any sequence of updates and deletes', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 19 }), fc.integer({ min: -50, max: 50 }), fc.boolean()), { maxLength: 200 }),
        (ops) => {
          const items = Array.from({ length: 20 }, (_, id): Item => ({ id, key: 0 }))
          const less = (a: Item, b: Item) => a.key < b.key || (a.key === b.key && a.id < b.id)
          const heap = new IndexedHeap<Item>(less)
          const inside = new Set<Item>()
          for (const [id, key, del] of ops) {
            const item = items[id]
            if (del) {
              heap.delete(item)
              inside.delete(item)
            } else {
              item.key = key
              heap.update(item)
              inside.add(item)
            }
            const sorted = [...inside].sort((a, b) => (less(a, b) ? -1 : 1))
            expect(heap.size).toBe(sorted.length)
            expect(heap.peek()).toBe(sorted[0])
            expect(heap.best(sorted[0])).toBe(sorted[1])
            expect(heap.best(sorted[1])).toBe(sorted[0])
          }
        },
      ),
    )
  })
})

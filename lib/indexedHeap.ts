/**
 * A binary min-heap that knows where each item sits, so an item whose key changed can be moved
 * (`update`) or taken out (`delete`) in O(log n) without a search. Items are objects compared by
 * `less`; an item's key must not change while it is in the heap except right before `update`.
 */
export class IndexedHeap<T> {
  private readonly items: T[] = []
  private readonly at = new Map<T, number>()

  constructor(private readonly less: (a: T, b: T) => boolean) {}

  get size(): number {
    return this.items.length
  }

  has(item: T): boolean {
    return this.at.has(item)
  }

  /** The least item, or undefined when empty. */
  peek(): T | undefined {
    return this.items[0]
  }

  /**
   * The least item other than `skip` (the root's smaller child when the root is `skip`).
   *
   * @example heap.best(sender) // the cheapest sender but the one adding a transaction
   */
  best(skip?: T): T | undefined {
    const root = this.items[0]
    if (root === undefined || root !== skip) return root
    const [a, b] = [this.items[1], this.items[2]]
    if (a === undefined) return b
    if (b === undefined) return a
    return this.less(b, a) ? b : a
  }

  /** Inserts `item`, or moves it to where its (changed) key belongs. */
  update(item: T): void {
    const i = this.at.get(item)
    if (i === undefined) {
      this.items.push(item)
      this.at.set(item, this.items.length - 1)
      this.up(this.items.length - 1)
    } else if (!this.up(i)) {
      this.down(i)
    }
  }

  delete(item: T): void {
    const i = this.at.get(item)
    if (i === undefined) return
    this.at.delete(item)
    const last = this.items.pop() as T
    if (i === this.items.length) return
    this.items[i] = last
    this.at.set(last, i)
    if (!this.up(i)) this.down(i)
  }

  clear(): void {
    this.items.length = 0
    this.at.clear()
  }

  /** Sifts the item at `i` up; whether it moved. */
  private up(i: number): boolean {
    const item = this.items[i]
    let moved = false
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!this.less(item, this.items[parent])) break
      this.place(this.items[parent], i)
      i = parent
      moved = true
    }
    this.place(item, i)
    return moved
  }

  private down(i: number): void {
    const item = this.items[i]
    const n = this.items.length
    for (;;) {
      let child = 2 * i + 1
      if (child >= n) break
      if (child + 1 < n && this.less(this.items[child + 1], this.items[child])) child++
      if (!this.less(this.items[child], item)) break
      this.place(this.items[child], i)
      i = child
    }
    this.place(item, i)
  }

  private place(item: T, i: number): void {
    this.items[i] = item
    this.at.set(item, i)
  }
}

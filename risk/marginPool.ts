import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import type { AccountBook } from './accountBook.ts'
import { changedRiskClasses, createScratch, kernelArraysOf, type MarginOutputs, remarginRange } from './marginAccounts.ts'
import type { WorkerJob } from './marginWorker.ts'
import type { MarketState } from './marketState.ts'

/**
 * The block re-margin on every core: the account book and the outputs live in
 * SharedArrayBuffers; each re-margin sends the (small) risk arrays to the helper threads, the
 * main thread margins its own slice meanwhile, and all slices run the same
 * {@link marginRange}, so results are bit-identical to the single-threaded
 * `marginAccounts`. Not pure (threads): the node owns one pool per book.
 */
export interface MarginPool {
  /** SAB-backed book the pool reads (replace the pool when the book's shape changes). */
  book: AccountBook
  /** SAB-backed outputs, filled by {@link MarginPool.remargin}. */
  out: MarginOutputs
  /** Threads in use, the main one included. */
  threads: number
  /**
   * Re-margins against `state`: every account, or with `prev` only those whose risk classes
   * moved since `prev` or whose `dirty` flag (a SharedArrayBuffer-backed array from
   * {@link MarginPool.createDirtyFlags}) is set. Resolves to the number recomputed.
   */
  remargin(state: MarketState, opts?: { prev?: MarketState; dirty?: Uint8Array }): Promise<number>
  /** Per-account dirty flags the workers can read (set 1 after a position change). */
  createDirtyFlags(): Uint8Array
  close(): Promise<void>
}

function shared<T extends Float64Array | Int32Array>(src: T): T {
  const Ctor = src.constructor as new (b: SharedArrayBuffer) => T
  const dst = new Ctor(new SharedArrayBuffer(src.byteLength))
  dst.set(src as never)
  return dst
}

/** Copies a book into SharedArrayBuffer-backed arrays (the state's margin mirror can hold it so directly). */
export function shareAccountBook(book: AccountBook): AccountBook {
  return {
    count: book.count,
    starts: shared(book.starts.subarray(0, book.count)),
    ends: shared(book.ends.subarray(0, book.count)),
    items: shared(book.items),
    sizes: shared(book.sizes),
    entryCost: shared(book.entryCost),
    underlyingMask: shared(book.underlyingMask),
    riskClassMask: shared(book.riskClassMask),
  }
}

/** Splits accounts into `parts` contiguous ranges of about equal position counts. */
function split(book: AccountBook, parts: number): Array<[number, number]> {
  let total = 0
  for (let a = 0; a < book.count; a++) total += book.ends[a] - book.starts[a]
  const ranges: Array<[number, number]> = []
  let from = 0
  let before = 0 // entries of accounts [0, to)
  let to = 0
  for (let k = 1; k <= parts; k++) {
    const target = (total * k) / parts
    while (to < book.count && (k === parts || before < target)) {
      before += book.ends[to] - book.starts[to]
      to++
    }
    ranges.push([from, to])
    from = to
  }
  return ranges
}

/**
 * Starts `threads − 1` workers (default: one per core) over a shared copy of `book`.
 *
 * @example
 * const pool = await createMarginPool(book)
 * await pool.remargin(buildMarketState(market, params, now))
 * pool.out.maintenanceMargin[a]
 */
export async function createMarginPool(book: AccountBook, opts: { threads?: number } = {}): Promise<MarginPool> {
  const threads = Math.max(1, Math.min(opts.threads ?? availableParallelism(), 16))
  const sharedBook = shareAccountBook(book)
  const n = book.count
  const out: MarginOutputs = {
    equity: shared(new Float64Array(n)),
    scenarioLoss: shared(new Float64Array(n)),
    shortOptionMinimum: shared(new Float64Array(n)),
    collateralHaircut: shared(new Float64Array(n)),
    maintenanceMargin: shared(new Float64Array(n)),
  }
  const ranges = split(sharedBook, threads)
  const url = new URL('./marginWorker.mjs', import.meta.url)
  const workers = ranges.slice(1).map(() => new Worker(url, { workerData: { book: sharedBook, out } }))
  await Promise.all(
    workers.map(
      (w) =>
        new Promise((resolve, reject) => {
          w.once('online', resolve)
          w.once('error', reject)
        }),
    ),
  )
  let seq = 0
  let busy = false
  let scratch: Float64Array = new Float64Array(0)
  return {
    book: sharedBook,
    out,
    threads,
    createDirtyFlags() {
      return new Uint8Array(new SharedArrayBuffer(n))
    },
    async remargin(state, opts = {}) {
      if (busy) throw new Error('marginPool: one remargin at a time')
      busy = true
      try {
        return await run(state, opts)
      } finally {
        busy = false
      }
    },
    async close() {
      await Promise.all(workers.map((w) => w.terminate()))
    },
  }

  async function run(state: MarketState, opts: { prev?: MarketState; dirty?: Uint8Array }): Promise<number> {
    const kernel = kernelArraysOf(state)
    const moved = opts.prev ? changedRiskClasses(opts.prev, state) : -1
    const dirty = opts.prev ? opts.dirty : undefined
    if (dirty && !(dirty.buffer instanceof SharedArrayBuffer)) {
      throw new TypeError('dirty flags must live in a SharedArrayBuffer (createDirtyFlags)')
    }
    const id = ++seq
    const done = workers.map((w, k) => {
      const [from, to] = ranges[k + 1]
      const job: WorkerJob = { seq: id, kernel, from, to, moved, dirty }
      return new Promise<number>((resolve, reject) => {
        const onError = (err: Error) => reject(err)
        w.once('error', onError)
        w.once('message', (msg: { recomputed: number }) => {
          w.off('error', onError)
          resolve(msg.recomputed)
        })
        w.postMessage(job)
      })
    })
    const need = state.scenarioCount * state.underlyingCount
    if (scratch.length !== need) scratch = createScratch(kernel)
    const [from, to] = ranges[0]
    let recomputed = remarginRange(kernel, sharedBook, out, from, to, moved, dirty, scratch)
    for (const r of await Promise.all(done)) recomputed += r
    return recomputed
  }
}

import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import type { AccountBook } from './accountBook.ts'
import {
  type MarginOutputs,
  createScratch,
  kernelArraysOf,
  marginRange,
} from './marginAccounts.ts'
import type { MarketState } from './marketState.ts'
import type { WorkerJob } from './marginWorker.ts'

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
  /** Full re-margin of every account against `state`. */
  remargin(state: MarketState): Promise<void>
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
    offsets: shared(book.offsets),
    items: shared(book.items),
    sizes: shared(book.sizes),
    entryCost: shared(book.entryCost),
    underlyingMask: shared(book.underlyingMask),
    riskClassMask: shared(book.riskClassMask),
  }
}

/** Splits accounts into `parts` contiguous ranges of about equal position counts. */
function split(book: AccountBook, parts: number): Array<[number, number]> {
  const total = book.offsets[book.count]
  const ranges: Array<[number, number]> = []
  let from = 0
  for (let k = 1; k <= parts; k++) {
    let to = from
    const target = (total * k) / parts
    while (to < book.count && (k === parts || book.offsets[to] < target)) to++
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
export async function createMarginPool(
  book: AccountBook,
  opts: { threads?: number } = {},
): Promise<MarginPool> {
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
    workers.map((w) => new Promise((resolve, reject) => {
      w.once('online', resolve)
      w.once('error', reject)
    })),
  )
  let seq = 0
  let scratch: Float64Array = new Float64Array(0)
  return {
    book: sharedBook,
    out,
    threads,
    async remargin(state) {
      const kernel = kernelArraysOf(state)
      const id = ++seq
      const done = workers.map((w, k) => {
        const job: WorkerJob = { seq: id, kernel, from: ranges[k + 1][0], to: ranges[k + 1][1] }
        return new Promise<void>((resolve, reject) => {
          const onError = (err: Error) => reject(err)
          w.once('error', onError)
          w.once('message', () => {
            w.off('error', onError)
            resolve()
          })
          w.postMessage(job)
        })
      })
      if (scratch.length !== state.scenarioCount * state.underlyingCount) scratch = createScratch(kernel)
      marginRange(kernel, sharedBook, out, ranges[0][0], ranges[0][1], scratch)
      await Promise.all(done)
    },
    async close() {
      await Promise.all(workers.map((w) => w.terminate()))
    },
  }
}

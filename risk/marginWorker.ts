/**
 * Body of a margin-pool worker thread: margins its range of the shared account book into the
 * shared outputs with the same {@link marginRange} as the main thread, then answers.
 */
import { parentPort, workerData } from 'node:worker_threads'
import type { AccountBook } from './accountBook.ts'
import { createScratch, type KernelArrays, type MarginOutputs, remarginRange } from './marginAccounts.ts'

/** What the pool sends per re-margin. */
export interface WorkerJob {
  seq: number
  kernel: KernelArrays
  from: number
  to: number
  /** Changed risk classes (−1: everything). */
  moved: number
  /** Shared per-account dirty flags, or undefined. */
  dirty?: Uint8Array
}

const { book, out } = workerData as { book: AccountBook; out: MarginOutputs }
let scratch: Float64Array = new Float64Array(0)

parentPort?.on('message', (job: WorkerJob) => {
  const need = job.kernel.scenarioCount * job.kernel.underlyingCount
  if (scratch.length !== need) scratch = createScratch(job.kernel)
  const recomputed = remarginRange(job.kernel, book, out, job.from, job.to, job.moved, job.dirty, scratch)
  parentPort?.postMessage({ seq: job.seq, recomputed })
})

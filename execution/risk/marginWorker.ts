/**
 * Body of a margin-pool worker thread: margins its range of the shared account book into the
 * shared outputs with the same {@link marginRange} as the main thread, then answers.
 */
import { parentPort, workerData } from 'node:worker_threads'
import type { AccountBook } from './accountBook.ts'
import { type KernelArrays, type MarginOutputs, createScratch, marginRange } from './marginAccounts.ts'

/** What the pool sends per re-margin. */
export interface WorkerJob {
  seq: number
  kernel: KernelArrays
  from: number
  to: number
}

const { book, out } = workerData as { book: AccountBook; out: MarginOutputs }
let scratch: Float64Array = new Float64Array(0)

parentPort?.on('message', (job: WorkerJob) => {
  const need = job.kernel.scenarioCount * job.kernel.underlyingCount
  if (scratch.length !== need) scratch = createScratch(job.kernel)
  marginRange(job.kernel, book, out, job.from, job.to, scratch)
  parentPort?.postMessage(job.seq)
})

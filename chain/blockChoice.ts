/**
 * Which pooled transactions a produced block runs, chosen before the block is stamped (issue 17,
 * oracle first): expired queues dropped, every sender's nonce at the parent, then the pool's
 * runs with feeders' price updates first. Everything chosen was admitted before the stamp was
 * read, so a price update signed with the wall clock's second is never ahead of its block.
 */
import type { Logger } from 'pino'
import type { Hex } from '../state/types.ts'
import type { Mempool, PoolTx } from './mempool.ts'
import { isPriceSubmission } from './priceUpdatePriority.ts'

/**
 * Longest stretch, in ms, that block production runs without letting the event loop answer RPC
 * requests. Anvil mines on its own thread; ours shares the one JS thread.
 */
export const MAX_BUSY_MS = 4

/**
 * Lets waiting RPC requests in once the block has held the event loop for `MAX_BUSY_MS`. They
 * read committed state only (the head, `stateAt`), never this block's, and a full block would
 * otherwise hold them for 100+ ms.
 */
export function pacer(): () => Promise<void> {
  let busySince = performance.now()
  return async () => {
    if (performance.now() - busySince <= MAX_BUSY_MS) return
    await new Promise<void>((resolve) => setImmediate(resolve))
    busySince = performance.now()
  }
}

/** A block's transactions as chosen from the pool, and the senders it takes nothing more from. */
export interface Chosen {
  txs: Iterable<PoolTx>
  /** The producer adds to it while it runs `txs`: a sender whose transaction failed or did not fit. */
  blocked: Set<Hex>
}

/** What choosing needs besides the pool. */
export interface ChoiceDeps {
  baseFee: bigint
  /** The governed feeder set at the parent, whose price updates go first. */
  feeders: ReadonlySet<Hex>
  /** A sender's nonce at the parent. */
  nonceOf(sender: Hex): Promise<bigint>
  pace(): Promise<void>
  log: Logger
}

/**
 * The pool's executable transactions in block order, taken when this resolves: cold accounts of
 * a full pool of 5,120 senders take ~200 ms of nonce reads, yielding to RPC (what arrives then is
 * still chosen); transactions admitted after it wait for the next block.
 */
export async function chooseFromPool(mempool: Mempool, d: ChoiceDeps): Promise<Chosen> {
  const expired = mempool.expire()
  if (expired.length > 0) d.log.debug({ txs: expired.length }, 'queued transactions expired')
  for (const sender of mempool.senders()) {
    await d.pace()
    mempool.reconcile(sender, await d.nonceOf(sender))
  }
  const blocked = new Set<Hex>()
  const isPriority = (ptx: PoolTx) => d.feeders.has(ptx.sender) && isPriceSubmission(ptx.tx)
  return { txs: mempool.executable(d.baseFee, { isPriority, blocked }), blocked }
}

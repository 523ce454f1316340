/**
 * The commitment poster: on a schedule, takes the newest L2 block from the node
 * (`CommitmentSource`), builds the withdrawal tree, and posts `(l2Block, stateRoot,
 * withdrawalRoot)` to the portal with the sequencer's key. It also follows where the L1 put each
 * commitment, so that the L2's `safe` and `finalized` tags can follow the L1's `safe` and
 * `finalized` heads.
 *
 * Withdrawal trees are cumulative: commitment `k` covers every withdrawal made in L2 blocks up to
 * its `l2Block`, the first `withdrawalCount` by id, in id order. A withdrawal can therefore be
 * proved against any commitment from the first that holds it; `bridge_getWithdrawal` names that
 * first one (the soonest finalizable). The cost is a tree over all withdrawals per commitment.
 *
 * Commitment records are derived only from the portal's `CommitmentPosted` logs, scanned up to
 * the L1's latest block by an `l1Scanner`; a receipt never adds one directly. When the scanner
 * unwinds (an L1 reorg: its last checkpoint is no longer canonical), the records above the newest
 * canonical checkpoint are dropped and rescanned from there (the one rewind path); a commitment
 * reorged away is posted again at the next tick, at the newest L2 block. A failed pass backs off
 * by the scanner's one rule (`intervalMs` doubling per failure, at most `maxBackoffMs`).
 */
import type { Address, Hex } from 'viem'
import { wadToL1 } from './amounts.ts'
import { type BridgeStore, fromJson, toJson } from './bridgeStore.ts'
import { UnknownTokenError } from './errors.ts'
import type { CommitmentLog, L1Client } from './l1Client.ts'
import { createL1Scanner, type L1Scanner, type ScanState } from './l1Scanner.ts'
import { createPollLoop } from './pollLoop.ts'
import { type BridgeLogger, type CommitmentRecord, silentLogger, type Withdrawal, type WithdrawalLeaf } from './types.ts'
import { createWithdrawalTree } from './withdrawalTree.ts'

/** What the node offers to commit. */
export interface CommitmentSource {
  /**
   * The newest L2 block to commit (its number and state root) and the withdrawals made in L2
   * blocks ≤ `l2Block` with an id above `afterWithdrawalId`, by ascending id. Returning older
   * withdrawals too is harmless (the poster keeps each id once). Withdrawal ids must increase
   * with the L2 block.
   */
  latestCommitment(afterWithdrawalId: bigint): Promise<{
    l2Block: bigint
    stateRoot: Hex
    withdrawals: Withdrawal[]
  }>
}

/** A withdrawal the poster holds, with its L1 amount. */
export interface KnownWithdrawal extends Withdrawal {
  /** `amountWad` in the L1 token's base units, rounded down (see `wadToL1`). */
  amountL1: bigint
  /** The part of `amountWad` below one L1 base unit: not paid on L1. */
  remainderWad: bigint
}

/** Options of `createCommitmentPoster`. */
export interface CommitmentPosterOptions {
  /** The L1 chain id (for the store key). */
  chainId: number
  portal: Address
  /** The L1, with the sequencer's account for `sendCommit`. */
  client: L1Client
  source: CommitmentSource
  store: BridgeStore
  /** The portal's challenge period, seconds. */
  challengePeriodSeconds: number
  /** L1 decimals by token address (any case); ETH (the zero address) is 18 if absent. */
  tokenDecimals: Record<string, number>
  /** The portal's deployment block: where the commitment scan starts; 0 by default. */
  startBlock?: bigint
  /** Pause between posts, milliseconds; 5,000 by default. */
  intervalMs?: number
  /** Longest pause after repeated failures, milliseconds; 60,000 by default. */
  maxBackoffMs?: number
  logger?: BridgeLogger
}

/** What one `postOnce` did. */
export type PostResult =
  | { status: 'posted'; commitment: CommitmentRecord }
  | { status: 'skipped'; reason: string }
  | { status: 'reverted'; reason: string }

/** A commitment with where its L1 block stands against the L1 heads last seen. */
export interface CommitmentView extends CommitmentRecord {
  /** Its L1 block is at or below the L1's `safe` head. */
  l1Safe: boolean
  /** Its L1 block is at or below the L1's `finalized` head. */
  l1Finalized: boolean
}

/** The L1 heads the poster last saw. */
export interface PosterHeads {
  latest: bigint
  safe: bigint
  finalized: bigint
  /** Timestamp of the latest L1 block, unix seconds. */
  latestTimestamp: bigint
}

/** The running poster. */
export interface CommitmentPoster {
  readonly portal: Address
  readonly challengePeriodSeconds: number
  readonly client: L1Client
  /** Follows the L1 (heads, reorgs, new `CommitmentPosted` logs). Throws on an L1 failure. */
  refresh(): Promise<void>
  /** Refreshes, then posts the newest L2 block if it is above the last commitment. */
  postOnce(): Promise<PostResult>
  start(): void
  stop(): Promise<void>
  /** Commitments the portal holds, by index, each with its L1 safe/finalized standing. */
  commitments(): CommitmentView[]
  /** Withdrawals known to the poster, by id. */
  withdrawals(): KnownWithdrawal[]
  heads(): PosterHeads | null
  /**
   * The newest L2 block whose commitment sits in an L1 block at or below the L1 head `tag`;
   * 0 (genesis) before any.
   */
  l2BlockAt(tag: 'latest' | 'safe' | 'finalized'): bigint
  /** `bridge_status().commitments`. */
  status(): { last: { index: number; l2Block: bigint; l1Block: bigint } | null }
  /** `amountWad` of `w` in L1 base units. */
  toL1(w: Withdrawal): KnownWithdrawal
}

/** What the poster knows: withdrawals, the portal's commitments, the roots it built. */
interface PosterBook {
  withdrawals: KnownWithdrawal[]
  commitments: CommitmentRecord[]
  /** Withdrawal count of every root this poster built. */
  roots: Record<Hex, number>
}

/** The poster's state in the store; `scanned` is the single checkpoint stores before issue 15 hold. */
type SavedState = PosterBook & Partial<ScanState> & { scanned?: { number: bigint; hash: Hex } | null }

interface PosterRuntime {
  opts: CommitmentPosterOptions
  key: string
  book: PosterBook
  scanner: L1Scanner
  log: BridgeLogger
  decimals: Map<string, number>
  heads: PosterHeads | null
}

/** Store key of a poster's state. */
export function posterStoreKey(chainId: number, portal: Address): string {
  return `poster:${chainId}:${portal.toLowerCase()}`
}

const leafOf = (w: KnownWithdrawal): WithdrawalLeaf => ({
  id: w.id,
  account: w.account,
  token: w.token,
  amountL1: w.amountL1,
  l1Recipient: w.l1Recipient,
})

/**
 * Loads the poster's saved state and returns it (not yet posting: call `start`, or drive it with
 * `postOnce`).
 *
 * @example
 * const poster = await createCommitmentPoster({
 *   chainId: 31337, portal, challengePeriodSeconds: 10, tokenDecimals,
 *   client: createViemL1Client({ url, account: sequencerAccount }),
 *   source: { latestCommitment: (after) => node.commitmentSince(after) },
 *   store,
 * })
 * poster.start()
 */
export async function createCommitmentPoster(opts: CommitmentPosterOptions): Promise<CommitmentPoster> {
  const p = await openPoster(opts)
  const intervalMs = opts.intervalMs ?? 5_000
  const loop = createPollLoop(
    async () => void (await p.scanner.attempt(() => postOnce(p))),
    () => intervalMs,
  )
  return {
    portal: opts.portal,
    challengePeriodSeconds: opts.challengePeriodSeconds,
    client: opts.client,
    refresh: () => refresh(p),
    postOnce: () => postOnce(p),
    start: () => loop.start(),
    stop: () => loop.stop(),
    commitments: () =>
      p.book.commitments.map((c) => ({
        ...c,
        l1Safe: p.heads !== null && c.l1Block <= p.heads.safe,
        l1Finalized: p.heads !== null && c.l1Block <= p.heads.finalized,
      })),
    withdrawals: () => p.book.withdrawals.map((w) => ({ ...w })),
    heads: () => p.heads,
    l2BlockAt(tag) {
      if (!p.heads) return 0n
      const limit = p.heads[tag]
      let out = 0n
      for (const c of p.book.commitments) if (c.l1Block <= limit && c.l2Block > out) out = c.l2Block
      return out
    },
    status() {
      const c = p.book.commitments[p.book.commitments.length - 1]
      return { last: c ? { index: c.index, l2Block: c.l2Block, l1Block: c.l1Block } : null }
    },
    toL1: (w) => toL1(p.decimals, w),
  }
}

/** Reads the saved state (either shape) and sets up the scanner over `CommitmentPosted` logs. */
async function openPoster(opts: CommitmentPosterOptions): Promise<PosterRuntime> {
  const key = posterStoreKey(opts.chainId, opts.portal)
  const raw = await opts.store.get(key)
  const saved: SavedState = raw ? fromJson<SavedState>(raw) : { withdrawals: [], commitments: [], roots: {} }
  const startBlock = opts.startBlock ?? 0n
  const legacy = saved.scanned
  const state: ScanState =
    saved.cursor !== undefined
      ? { cursor: saved.cursor, checkpoints: saved.checkpoints ?? [] }
      : { cursor: legacy ? legacy.number : startBlock - 1n, checkpoints: legacy ? [legacy] : [] }
  const log = opts.logger ?? silentLogger
  const p = {
    opts,
    key,
    book: { withdrawals: saved.withdrawals, commitments: saved.commitments, roots: saved.roots },
    log,
    decimals: new Map(Object.entries(opts.tokenDecimals).map(([k, v]) => [k.toLowerCase(), v])),
    heads: null,
  } as Omit<PosterRuntime, 'scanner'> as PosterRuntime
  p.scanner = createL1Scanner({
    client: opts.client,
    startBlock,
    state,
    getLogs: (from, to) => opts.client.getCommitmentLogs(opts.portal, from, to),
    onLogs: (logs) => takeCommitments(p, logs),
    onUnwind(ancestor) {
      const keep = p.book.commitments.filter((c) => c.l1Block <= ancestor)
      log.warn({ portal: opts.portal, dropped: p.book.commitments.length - keep.length }, 'bridge: commitments dropped by an L1 reorg')
      p.book.commitments = keep
    },
    baseDelayMs: opts.intervalMs ?? 5_000,
    maxBackoffMs: opts.maxBackoffMs ?? 60_000,
    label: 'commitment',
    logFields: { portal: opts.portal },
    logger: log,
  })
  return p
}

function save(p: PosterRuntime): Promise<void> {
  const { cursor, checkpoints } = p.scanner.state
  return p.opts.store.put(p.key, toJson({ ...p.book, cursor, checkpoints } satisfies SavedState))
}

function toL1(decimals: Map<string, number>, w: Withdrawal): KnownWithdrawal {
  const d = decimals.get(w.token.toLowerCase()) ?? (BigInt(w.token) === 0n ? 18 : undefined)
  if (d === undefined) throw new UnknownTokenError(w.token)
  return { ...w, ...wadToL1(w.amountWad, d) }
}

/** How many withdrawals (the first by id) the tree with `root` holds; −1 when none known does. */
function countFor(book: PosterBook, root: Hex): number {
  const known = book.roots[root]
  if (known !== undefined) return known
  for (let n = book.withdrawals.length; n >= 0; n--) {
    if (createWithdrawalTree(book.withdrawals.slice(0, n).map(leafOf)).root === root) return n
  }
  return -1
}

/** Records the next commitments in index order from one scanned range's logs. */
function takeCommitments(p: PosterRuntime, logs: CommitmentLog[]): void {
  const { book, log } = p
  for (const l of logs) {
    if (l.index < book.commitments.length) continue
    if (l.index > book.commitments.length) {
      log.warn({ portal: p.opts.portal, index: l.index, have: book.commitments.length }, 'bridge: commitment gap')
      continue
    }
    const withdrawalCount = countFor(book, l.withdrawalRoot)
    if (withdrawalCount < 0) {
      log.warn({ portal: p.opts.portal, index: l.index }, 'bridge: a commitment with an unknown withdrawal root')
    }
    book.commitments.push({ ...l, withdrawalCount })
  }
}

/** Follows the L1 (heads, reorgs, new `CommitmentPosted` logs) and saves; throws on L1 errors. */
async function refresh(p: PosterRuntime): Promise<void> {
  const { latest, safe, finalized } = await p.scanner.sync()
  const tip = await p.opts.client.getBlock(latest)
  p.heads = { latest, safe, finalized, latestTimestamp: tip?.timestamp ?? 0n }
  await save(p)
}

async function postOnce(p: PosterRuntime): Promise<PostResult> {
  const { book, opts, log } = p
  await refresh(p)
  const lastId = book.withdrawals.length > 0 ? book.withdrawals[book.withdrawals.length - 1].id : 0n
  const c = await opts.source.latestCommitment(lastId)
  const fresh = c.withdrawals.filter((w) => w.id > lastId).sort((a, b) => (a.id < b.id ? -1 : 1))
  book.withdrawals.push(...fresh.map((w) => toL1(p.decimals, w)))
  const last = book.commitments[book.commitments.length - 1]
  if (last && c.l2Block <= last.l2Block) {
    await save(p)
    return { status: 'skipped', reason: `L2 block ${c.l2Block} is already committed` }
  }
  const included = book.withdrawals.filter((w) => w.l2Block <= c.l2Block)
  const tree = createWithdrawalTree(included.map(leafOf))
  book.roots[tree.root] = included.length
  await save(p)
  const res = await opts.client.sendCommit(opts.portal, { l2Block: c.l2Block, stateRoot: c.stateRoot, withdrawalRoot: tree.root })
  if (res.status === 'reverted') {
    log.warn({ portal: opts.portal, l2Block: c.l2Block, reason: res.reason }, 'bridge: commit refused')
    return res
  }
  await refresh(p)
  const rec = book.commitments.find((x) => x.index === res.commitment.index)
  log.info(
    { index: res.commitment.index, l2Block: c.l2Block, l1Block: res.commitment.l1Block, withdrawals: included.length },
    'bridge: commitment posted',
  )
  return { status: 'posted', commitment: rec ?? { ...res.commitment, withdrawalCount: included.length } }
}

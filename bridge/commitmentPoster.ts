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
 * the L1's latest block; a receipt never adds one directly. When the last scanned block is no
 * longer canonical (an L1 reorg), the records above the L1's finalized head are dropped and the
 * scan restarts there (one rewind path); a commitment reorged away is posted again at the next
 * tick, at the newest L2 block.
 */
import type { Address, Hex } from 'viem'
import { wadToL1 } from './amounts.ts'
import { type BridgeStore, fromJson, toJson } from './bridgeStore.ts'
import { UnknownTokenError } from './errors.ts'
import type { L1Client } from './l1Client.ts'
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

interface SavedState {
  withdrawals: KnownWithdrawal[]
  commitments: CommitmentRecord[]
  scanned: { number: bigint; hash: Hex } | null
  /** Withdrawal count of every root this poster built. */
  roots: Record<Hex, number>
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
  const log = opts.logger ?? silentLogger
  const key = posterStoreKey(opts.chainId, opts.portal)
  const raw = await opts.store.get(key)
  const st: SavedState = raw ? fromJson<SavedState>(raw) : { withdrawals: [], commitments: [], scanned: null, roots: {} }
  const decimals = new Map(Object.entries(opts.tokenDecimals).map(([k, v]) => [k.toLowerCase(), v]))
  const startBlock = opts.startBlock ?? 0n
  let heads: PosterHeads | null = null
  const save = () => opts.store.put(key, toJson(st))

  function toL1(w: Withdrawal): KnownWithdrawal {
    const d = decimals.get(w.token.toLowerCase()) ?? (BigInt(w.token) === 0n ? 18 : undefined)
    if (d === undefined) throw new UnknownTokenError(w.token)
    return { ...w, ...wadToL1(w.amountWad, d) }
  }

  function countFor(root: Hex): number {
    const known = st.roots[root]
    if (known !== undefined) return known
    for (let n = st.withdrawals.length; n >= 0; n--) {
      if (createWithdrawalTree(st.withdrawals.slice(0, n).map(leafOf)).root === root) return n
    }
    return -1
  }

  async function refresh(): Promise<void> {
    const [latest, safe, finalized] = await Promise.all([
      opts.client.blockNumber('latest'),
      opts.client.blockNumber('safe'),
      opts.client.blockNumber('finalized'),
    ])
    const tip = await opts.client.getBlock(latest)
    heads = { latest, safe, finalized, latestTimestamp: tip?.timestamp ?? 0n }

    // Unwind: the last scanned block is gone → forget what is not final and rescan from there.
    if (st.scanned && (await opts.client.getBlock(st.scanned.number))?.hash !== st.scanned.hash) {
      const keep = st.commitments.filter((c) => c.l1Block <= finalized)
      log.warn(
        { portal: opts.portal, dropped: st.commitments.length - keep.length, rescanFrom: finalized },
        'bridge: L1 reorg under the commitments; rescanning',
      )
      st.commitments = keep
      const at = finalized >= startBlock ? finalized : startBlock - 1n
      const b = at >= 0n ? await opts.client.getBlock(at) : null
      st.scanned = b ? { number: b.number, hash: b.hash } : null
    }

    let from = st.scanned ? st.scanned.number + 1n : startBlock
    while (from <= latest) {
      const to = from + 1999n < latest ? from + 1999n : latest
      const logs = await opts.client.getCommitmentLogs(opts.portal, from, to)
      const toBlock = await opts.client.getBlock(to)
      if (!toBlock) break
      for (const l of logs) {
        if (l.index < st.commitments.length) continue
        if (l.index > st.commitments.length) {
          log.warn({ portal: opts.portal, index: l.index, have: st.commitments.length }, 'bridge: commitment gap')
          continue
        }
        const withdrawalCount = countFor(l.withdrawalRoot)
        if (withdrawalCount < 0) {
          log.warn({ portal: opts.portal, index: l.index }, 'bridge: a commitment with an unknown withdrawal root')
        }
        st.commitments.push({ ...l, withdrawalCount })
      }
      st.scanned = { number: to, hash: toBlock.hash }
      from = to + 1n
    }
    await save()
  }

  async function postOnce(): Promise<PostResult> {
    await refresh()
    const lastId = st.withdrawals.length > 0 ? st.withdrawals[st.withdrawals.length - 1].id : 0n
    const c = await opts.source.latestCommitment(lastId)
    const fresh = c.withdrawals.filter((w) => w.id > lastId).sort((a, b) => (a.id < b.id ? -1 : 1))
    st.withdrawals.push(...fresh.map(toL1))
    const last = st.commitments[st.commitments.length - 1]
    if (last && c.l2Block <= last.l2Block) {
      await save()
      return { status: 'skipped', reason: `L2 block ${c.l2Block} is already committed` }
    }
    const included = st.withdrawals.filter((w) => w.l2Block <= c.l2Block)
    const tree = createWithdrawalTree(included.map(leafOf))
    st.roots[tree.root] = included.length
    await save()
    const res = await opts.client.sendCommit(opts.portal, {
      l2Block: c.l2Block,
      stateRoot: c.stateRoot,
      withdrawalRoot: tree.root,
    })
    if (res.status === 'reverted') {
      log.warn({ portal: opts.portal, l2Block: c.l2Block, reason: res.reason }, 'bridge: commit refused')
      return res
    }
    await refresh()
    const rec = st.commitments.find((x) => x.index === res.commitment.index)
    log.info(
      {
        index: res.commitment.index,
        l2Block: c.l2Block,
        l1Block: res.commitment.l1Block,
        withdrawals: included.length,
      },
      'bridge: commitment posted',
    )
    const commitment = rec ?? { ...res.commitment, withdrawalCount: included.length }
    return { status: 'posted', commitment }
  }

  const intervalMs = opts.intervalMs ?? 5_000
  const maxBackoffMs = opts.maxBackoffMs ?? 60_000
  let failures = 0
  const loop = createPollLoop(
    async () => {
      try {
        await postOnce()
        failures = 0
      } catch (err) {
        failures++
        log.warn(
          { portal: opts.portal, err: err instanceof Error ? err.message.split('\n')[0] : String(err) },
          'bridge: commitment pass failed; retrying',
        )
      }
    },
    () => (failures === 0 ? intervalMs : Math.min(maxBackoffMs, intervalMs * 2 ** Math.min(failures, 20))),
  )

  return {
    portal: opts.portal,
    challengePeriodSeconds: opts.challengePeriodSeconds,
    client: opts.client,
    refresh,
    postOnce,
    start: () => loop.start(),
    stop: () => loop.stop(),
    commitments: () =>
      st.commitments.map((c) => ({
        ...c,
        l1Safe: heads !== null && c.l1Block <= heads.safe,
        l1Finalized: heads !== null && c.l1Block <= heads.finalized,
      })),
    withdrawals: () => st.withdrawals.map((w) => ({ ...w })),
    heads: () => heads,
    l2BlockAt(tag) {
      if (!heads) return 0n
      const limit = heads[tag]
      let out = 0n
      for (const c of st.commitments) if (c.l1Block <= limit && c.l2Block > out) out = c.l2Block
      return out
    },
    status() {
      const c = st.commitments[st.commitments.length - 1]
      return { last: c ? { index: c.index, l2Block: c.l2Block, l1Block: c.l1Block } : null }
    },
    toL1,
  }
}

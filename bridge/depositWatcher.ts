/**
 * The deposit watcher: follows each source L1, keeps deposits `pending` until their block meets
 * the source's finality rule, then hands them to the sink in deposit-id order, each exactly once.
 *
 * Per source and per pass (`syncOnce`):
 * 1. read the L1's latest, safe and finalized heads;
 * 2. unwind: if the block at the last checkpoint (the last scanned block, by hash) is no longer
 *    canonical, walk back through the checkpoints to the newest one still canonical, rewind the
 *    cursor there and mark `dropped` every pending deposit whose block is gone; this is the one
 *    rewind path, taken for reorgs and for an L1 that lost blocks;
 * 3. scan `DepositInitiated` logs from the cursor to `latest` (in ranges of `maxBlockRange`),
 *    adding new ones as `pending` (a log is known by block hash and log index);
 * 4. credit: pending deposits whose block is final, re-checked canonical by hash, contiguous from
 *    `lastCreditedDepositId + 1`, go to `sink.credit` in one call; once it resolves they are
 *    `credited` and the cursor is saved.
 *
 * State per source (cursor, checkpoints, last credited id, deposits) is saved in a `BridgeStore`
 * after every pass, so a new watcher on the same store resumes. If the sink can tell its own
 * last credited id (`lastCreditedDepositId`, from the L2 state), that value wins on start: the
 * chain is the truth, and a crash between crediting and saving cannot credit twice.
 *
 * An L1 failure fails only that source's pass: it is logged as a warning, the source backs off
 * (doubling from `pollIntervalMs` to `maxBackoffMs`) and the loop goes on; nothing is thrown out
 * of the loop.
 */
import type { Address, Hex } from 'viem'
import { type BridgeStore, fromJson, toJson } from './bridgeStore.ts'
import { WrongL1ChainError } from './errors.ts'
import type { L1Client } from './l1Client.ts'
import { createPollLoop } from './pollLoop.ts'
import { type BridgeLogger, type DepositRecord, type FinalDeposit, type Finality, type SourceConfig, silentLogger } from './types.ts'

/** Receives final deposits; the node implements it as one system transaction per call. */
export interface DepositSink {
  /**
   * Credits `deposits` (one source, ascending contiguous deposit ids, never seen before) on L2.
   * Resolve only once the credit is durable; a rejection leaves them pending for the next pass.
   * May return the L2 block that credited them, shown by `bridge_getDeposits`.
   */
  // biome-ignore lint/suspicious/noConfusingVoidType: a sink may resolve with nothing (tests' in-memory sinks)
  credit(deposits: FinalDeposit[]): Promise<void | { l2Block: bigint }>
  /**
   * The last deposit id the L2 state has credited for this source (0 for none). Optional; when
   * present it overrides the watcher's saved cursor on start.
   */
  lastCreditedDepositId?(source: { chainId: number; portal: Address }): Promise<bigint>
}

/** One source to watch: its genesis config and a client for its L1. */
export interface WatchedSource {
  config: SourceConfig
  client: L1Client
}

/** Options of `createDepositWatcher`. */
export interface DepositWatcherOptions {
  sources: WatchedSource[]
  store: BridgeStore
  sink: DepositSink
  logger?: BridgeLogger
  /** Pause between passes, milliseconds; 1,000 by default. */
  pollIntervalMs?: number
  /** Longest pause after repeated L1 failures, milliseconds; 30,000 by default. */
  maxBackoffMs?: number
  /** Most blocks asked for in one `eth_getLogs`; 2,000 by default. */
  maxBlockRange?: bigint
}

/** A source's status as `bridge_status` lists it (plus health fields). */
export interface SourceStatus {
  chainId: number
  portal: Address
  finality: Finality
  l1Latest: bigint | null
  l1Safe: bigint | null
  l1Finalized: bigint | null
  lastCreditedDepositId: bigint
  /** Last block scanned for deposits. */
  scannedBlock: bigint
  pendingCount: number
  /** False after a failed pass, until one succeeds. */
  l1Up: boolean
  lastError: string | null
}

/** The running watcher. */
export interface DepositWatcher {
  /** One pass over every source; never throws for an L1 or sink failure. */
  syncOnce(): Promise<void>
  /** Starts the polling loop. */
  start(): void
  /** Stops the loop and waits for a pass in progress. */
  stop(): Promise<void>
  /** Per-source status, in the configured order. */
  status(): SourceStatus[]
  /** Every deposit known, optionally only those to `l2Recipient`, by source then deposit id. */
  deposits(l2Recipient?: Address): DepositRecord[]
}

interface Checkpoint {
  number: bigint
  hash: Hex
}

interface SavedState {
  cursor: bigint
  checkpoints: Checkpoint[]
  lastCreditedDepositId: bigint
  deposits: DepositRecord[]
}

interface SourceRuntime extends SavedState {
  config: SourceConfig
  client: L1Client
  key: string
  heads: { latest: bigint; safe: bigint; finalized: bigint } | null
  failures: number
  nextAttemptAt: number
  lastError: string | null
  chainChecked: boolean
}

/** Store key of a source's state. */
export function watcherStoreKey(chainId: number, portal: Address): string {
  return `watcher:${chainId}:${portal.toLowerCase()}`
}

/** The highest L1 block number that is final under `finality`, given the heads. */
export function finalBlockLimit(finality: Finality, heads: { latest: bigint; safe: bigint; finalized: bigint }): bigint {
  if (finality === 'finalized') return heads.finalized
  if (finality === 'safe') return heads.safe
  return heads.latest - BigInt(finality.confirmations) + 1n
}

/**
 * Loads each source's saved state and returns the watcher (not yet polling: call `start`, or
 * drive it with `syncOnce`).
 *
 * @example
 * const watcher = await createDepositWatcher({
 *   sources: [{ config: { chainId: 31337, portal, finality: 'finalized' }, client: l1 }],
 *   store: createLevelBridgeStore(db),
 *   sink: { credit: (deposits) => node.creditDeposits(deposits) },
 * })
 * watcher.start()
 */
export async function createDepositWatcher(opts: DepositWatcherOptions): Promise<DepositWatcher> {
  const log = opts.logger ?? silentLogger
  const pollIntervalMs = opts.pollIntervalMs ?? 1_000
  const maxBackoffMs = opts.maxBackoffMs ?? 30_000
  const maxRange = opts.maxBlockRange ?? 2_000n
  const sources: SourceRuntime[] = []
  for (const { config, client } of opts.sources) {
    const key = watcherStoreKey(config.chainId, config.portal)
    const raw = await opts.store.get(key)
    const saved: SavedState = raw
      ? fromJson<SavedState>(raw)
      : {
          cursor: (config.startBlock ?? 0n) - 1n,
          checkpoints: [],
          lastCreditedDepositId: 0n,
          deposits: [],
        }
    if (opts.sink.lastCreditedDepositId) {
      const onChain = await opts.sink.lastCreditedDepositId(config)
      for (const d of saved.deposits) {
        if (d.status === 'pending' && d.depositId <= onChain) d.status = 'credited'
      }
      saved.lastCreditedDepositId = onChain
    }
    sources.push({
      ...saved,
      config,
      client,
      key,
      heads: null,
      failures: 0,
      nextAttemptAt: 0,
      lastError: null,
      chainChecked: false,
    })
  }

  const lastSaved = new Map<string, string>()
  async function save(s: SourceRuntime): Promise<void> {
    const json = toJson({
      cursor: s.cursor,
      checkpoints: s.checkpoints,
      lastCreditedDepositId: s.lastCreditedDepositId,
      deposits: s.deposits,
    } satisfies SavedState)
    if (lastSaved.get(s.key) === json) return
    await opts.store.put(s.key, json)
    lastSaved.set(s.key, json)
  }

  /** Rewinds the source to `block`: scanning resumes after it; gone pending deposits drop. */
  async function unwind(s: SourceRuntime, block: bigint): Promise<void> {
    s.cursor = block
    s.checkpoints = s.checkpoints.filter((c) => c.number <= block)
    for (const d of s.deposits) {
      if (d.status !== 'pending' || d.l1Block <= block) continue
      const canonical = await s.client.getBlock(d.l1Block)
      if (canonical?.hash !== d.l1BlockHash) {
        d.status = 'dropped'
        log.warn(
          {
            chainId: s.config.chainId,
            depositId: d.depositId,
            l1Block: d.l1Block,
            l1TxHash: d.l1TxHash,
          },
          'bridge: deposit dropped, its L1 block was reorged away',
        )
      }
    }
  }

  async function detectReorg(s: SourceRuntime): Promise<void> {
    const tip = s.checkpoints[s.checkpoints.length - 1]
    if (!tip) return
    if ((await s.client.getBlock(tip.number))?.hash === tip.hash) return
    let ancestor = (s.config.startBlock ?? 0n) - 1n
    for (let i = s.checkpoints.length - 2; i >= 0; i--) {
      const cp = s.checkpoints[i]
      if ((await s.client.getBlock(cp.number))?.hash === cp.hash) {
        ancestor = cp.number
        break
      }
    }
    log.warn(
      { chainId: s.config.chainId, portal: s.config.portal, from: tip.number, to: ancestor },
      'bridge: L1 reorg, rewinding the deposit scan',
    )
    await unwind(s, ancestor)
  }

  async function scan(s: SourceRuntime, latest: bigint): Promise<void> {
    const known = new Set(s.deposits.map((d) => `${d.l1BlockHash}:${d.logIndex}`))
    while (s.cursor < latest) {
      const from = s.cursor + 1n
      const to = from + maxRange - 1n < latest ? from + maxRange - 1n : latest
      const logs = await s.client.getDepositLogs(s.config.portal, from, to)
      const tip = await s.client.getBlock(to)
      if (!tip) return // the L1 lost blocks under us: the next pass unwinds
      // A reorg between the two calls: take nothing from this range; the next pass unwinds.
      if (logs.some((l) => l.l1Block === to && l.l1BlockHash !== tip.hash)) return
      for (const l of logs) {
        if (known.has(`${l.l1BlockHash}:${l.logIndex}`)) continue
        if (l.depositId <= s.lastCreditedDepositId) {
          log.warn(
            { chainId: s.config.chainId, depositId: l.depositId, l1TxHash: l.l1TxHash },
            'bridge: a log re-uses a credited deposit id (reorg deeper than the finality rule); ignored',
          )
          continue
        }
        s.deposits.push({
          ...l,
          sourceChainId: s.config.chainId,
          portal: s.config.portal,
          status: 'pending',
        })
        known.add(`${l.l1BlockHash}:${l.logIndex}`)
        log.info(
          { chainId: s.config.chainId, depositId: l.depositId, l1Block: l.l1Block, to: l.l2Recipient },
          'bridge: deposit seen, pending finality',
        )
      }
      s.cursor = to
      s.checkpoints.push({ number: to, hash: tip.hash })
    }
  }

  async function credit(s: SourceRuntime, limit: bigint): Promise<void> {
    const ready = s.deposits
      .filter((d) => d.status === 'pending' && d.l1Block <= limit)
      .sort((a, b) => (a.depositId < b.depositId ? -1 : a.depositId > b.depositId ? 1 : 0))
    const batch: DepositRecord[] = []
    let next = s.lastCreditedDepositId + 1n
    const hashes = new Map<bigint, Hex | undefined>()
    for (const d of ready) {
      if (d.depositId !== next) break
      if (!hashes.has(d.l1Block)) hashes.set(d.l1Block, (await s.client.getBlock(d.l1Block))?.hash)
      if (hashes.get(d.l1Block) !== d.l1BlockHash) {
        // Final by number but not the block we saw: a reorg we had not noticed yet.
        await unwind(s, d.l1Block - 1n)
        break
      }
      batch.push(d)
      next++
    }
    if (batch.length === 0 && ready.length > 0 && ready[0].depositId > next) {
      log.warn(
        { chainId: s.config.chainId, expected: next, lowestFinal: ready[0].depositId },
        'bridge: final deposits do not follow the last credited id; waiting',
      )
    }
    if (batch.length === 0) return
    const deposits: FinalDeposit[] = batch.map(({ status: _s, l2Block: _b, ...d }) => d)
    const res = await opts.sink.credit(deposits)
    for (const d of batch) {
      d.status = 'credited'
      if (res && 'l2Block' in res) d.l2Block = res.l2Block
    }
    s.lastCreditedDepositId = batch[batch.length - 1].depositId
    log.info({ chainId: s.config.chainId, from: batch[0].depositId, to: s.lastCreditedDepositId }, 'bridge: deposits credited')
  }

  async function syncSource(s: SourceRuntime): Promise<void> {
    if (!s.chainChecked) {
      const id = await s.client.chainId()
      if (id !== s.config.chainId) throw new WrongL1ChainError(s.config.chainId, id)
      s.chainChecked = true
    }
    const [latest, safe, finalized] = await Promise.all([
      s.client.blockNumber('latest'),
      s.client.blockNumber('safe'),
      s.client.blockNumber('finalized'),
    ])
    s.heads = { latest, safe, finalized }
    await detectReorg(s)
    await scan(s, latest)
    // Keep checkpoints above the L1's finalized head and the newest one at or below it.
    const anchor = s.checkpoints.filter((c) => c.number <= finalized).pop()
    s.checkpoints = s.checkpoints.filter((c) => c.number > finalized || c === anchor)
    await credit(s, finalBlockLimit(s.config.finality, s.heads))
  }

  let running: Promise<void> | null = null
  async function syncOnce(): Promise<void> {
    while (running) await running
    running = (async () => {
      for (const s of sources) {
        if (Date.now() < s.nextAttemptAt) continue
        try {
          await syncSource(s)
          if (s.failures > 0) log.info({ chainId: s.config.chainId }, 'bridge: L1 back, resuming')
          s.failures = 0
          s.lastError = null
        } catch (err) {
          s.failures++
          s.lastError = err instanceof Error ? err.message.split('\n')[0] : String(err)
          const backoff = Math.min(maxBackoffMs, pollIntervalMs * 2 ** Math.min(s.failures - 1, 20))
          s.nextAttemptAt = Date.now() + backoff
          log.warn(
            { chainId: s.config.chainId, portal: s.config.portal, err: s.lastError, retryInMs: backoff },
            'bridge: source pass failed; crediting paused, retrying',
          )
        }
        try {
          await save(s)
        } catch (err) {
          log.warn({ chainId: s.config.chainId, err: String(err) }, 'bridge: saving the cursor failed')
        }
      }
    })()
    try {
      await running
    } finally {
      running = null
    }
  }

  const loop = createPollLoop(syncOnce, () => pollIntervalMs)

  return {
    syncOnce,
    start: () => loop.start(),
    async stop() {
      await loop.stop()
      // A pass started from outside the loop (`syncOnce`) ends too.
      while (running) await running
    },
    status() {
      return sources.map((s) => ({
        chainId: s.config.chainId,
        portal: s.config.portal,
        finality: s.config.finality,
        l1Latest: s.heads?.latest ?? null,
        l1Safe: s.heads?.safe ?? null,
        l1Finalized: s.heads?.finalized ?? null,
        lastCreditedDepositId: s.lastCreditedDepositId,
        scannedBlock: s.cursor,
        pendingCount: s.deposits.filter((d) => d.status === 'pending').length,
        l1Up: s.failures === 0,
        lastError: s.lastError,
      }))
    },
    deposits(l2Recipient) {
      const want = l2Recipient?.toLowerCase()
      return sources.flatMap((s) =>
        s.deposits
          .filter((d) => !want || d.l2Recipient.toLowerCase() === want)
          .sort((a, b) => (a.depositId < b.depositId ? -1 : a.depositId > b.depositId ? 1 : 0))
          .map((d) => ({ ...d })),
      )
    },
  }
}

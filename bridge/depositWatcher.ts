/**
 * The deposit watcher: follows each source L1, keeps deposits `pending` until their block meets
 * the source's finality rule, then hands them to the sink in deposit-id order, each exactly once.
 *
 * Each source has its own `l1Scanner` over its portal's `DepositInitiated` logs: it reads the
 * heads, unwinds on a reorg (the one rewind path, for reorgs and for an L1 that lost blocks) and
 * scans to `latest`. On top of it, per source and per pass (`syncOnce`):
 * - scanned logs become `pending` deposits (a log is known by block hash and log index);
 * - on an unwind, every pending deposit above the ancestor whose block is gone is `dropped`;
 * - credit: pending deposits whose block is final, re-checked canonical by hash, contiguous from
 *   `lastCreditedDepositId + 1`, go to `sink.credit` in one call; once it resolves they are
 *   `credited` and the cursor is saved. A final deposit whose block hash changed unwinds the
 *   scanner to the block below it.
 *
 * State per source (cursor, checkpoints, last credited id, deposits) is saved in a `BridgeStore`
 * after every pass, so a new watcher on the same store resumes. If the sink can tell its own
 * last credited id (`lastCreditedDepositId`, from the L2 state), that value wins on start: the
 * chain is the truth, and a crash between crediting and saving cannot credit twice.
 *
 * An L1 failure fails only that source's pass: it is logged as a warning, the source backs off
 * by the scanner's one rule (`backoffDelayMs`: `pollIntervalMs` doubling per failure, at most
 * `maxBackoffMs`) and the loop goes on; nothing is thrown out of the loop.
 */
import type { Address, Hex } from 'viem'
import { type BridgeStore, fromJson, toJson } from './bridgeStore.ts'
import type { L1Client } from './l1Client.ts'
import { createL1Scanner, type L1Scanner, type ScanState } from './l1Scanner.ts'
import { createPollLoop } from './pollLoop.ts'
import {
  type BridgeLogger,
  type DepositLog,
  type DepositRecord,
  type FinalDeposit,
  type Finality,
  type SourceConfig,
  silentLogger,
} from './types.ts'

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

/** What a source knows of its deposits. */
interface DepositBook {
  lastCreditedDepositId: bigint
  deposits: DepositRecord[]
}

/** A source's state in the store: its scan and its deposits, in one JSON value. */
type SavedState = ScanState & DepositBook

/** One source as the watcher runs it: its saved state, live, and its scanner. */
interface SourceRuntime {
  config: SourceConfig
  client: L1Client
  key: string
  book: DepositBook
  scanner: L1Scanner
  log: BridgeLogger
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
  const pollIntervalMs = opts.pollIntervalMs ?? 1_000
  const sources: SourceRuntime[] = []
  for (const source of opts.sources) sources.push(await openSource(opts, source))

  const lastSaved = new Map<string, string>()
  async function save(s: SourceRuntime): Promise<void> {
    const { cursor, checkpoints } = s.scanner.state
    const { lastCreditedDepositId, deposits } = s.book
    const json = toJson({ cursor, checkpoints, lastCreditedDepositId, deposits } satisfies SavedState)
    if (lastSaved.get(s.key) === json) return
    await opts.store.put(s.key, json)
    lastSaved.set(s.key, json)
  }

  let running: Promise<void> | null = null
  async function syncOnce(): Promise<void> {
    while (running) await running
    running = (async () => {
      for (const s of sources) {
        await s.scanner.attempt(() => syncSource(s, opts.sink))
        try {
          await save(s)
        } catch (err) {
          s.log.warn({ chainId: s.config.chainId, err: String(err) }, 'bridge: saving the cursor failed')
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
    status: () => sources.map(sourceStatus),
    deposits(l2Recipient) {
      const want = l2Recipient?.toLowerCase()
      return sources.flatMap((s) =>
        s.book.deposits
          .filter((d) => !want || d.l2Recipient.toLowerCase() === want)
          .sort(byDepositId)
          .map((d) => ({ ...d })),
      )
    },
  }
}

const byDepositId = (a: { depositId: bigint }, b: { depositId: bigint }) =>
  a.depositId < b.depositId ? -1 : a.depositId > b.depositId ? 1 : 0

/** Reads a source's saved state (the sink's last credited id wins) and sets up its scanner. */
async function openSource(opts: DepositWatcherOptions, { config, client }: WatchedSource): Promise<SourceRuntime> {
  const log = opts.logger ?? silentLogger
  const key = watcherStoreKey(config.chainId, config.portal)
  const raw = await opts.store.get(key)
  const saved: SavedState = raw
    ? fromJson<SavedState>(raw)
    : { cursor: (config.startBlock ?? 0n) - 1n, checkpoints: [], lastCreditedDepositId: 0n, deposits: [] }
  if (opts.sink.lastCreditedDepositId) {
    const onChain = await opts.sink.lastCreditedDepositId(config)
    for (const d of saved.deposits) {
      if (d.status === 'pending' && d.depositId <= onChain) d.status = 'credited'
    }
    saved.lastCreditedDepositId = onChain
  }
  const book: DepositBook = { lastCreditedDepositId: saved.lastCreditedDepositId, deposits: saved.deposits }
  const s = { config, client, key, book, log } as SourceRuntime
  s.scanner = createL1Scanner({
    client,
    startBlock: config.startBlock,
    state: { cursor: saved.cursor, checkpoints: saved.checkpoints },
    chainId: config.chainId,
    maxBlockRange: opts.maxBlockRange,
    getLogs: (from, to) => client.getDepositLogs(config.portal, from, to),
    onLogs: (logs) => addPending(s, logs),
    onUnwind: (ancestor) => dropGone(s, ancestor),
    baseDelayMs: opts.pollIntervalMs ?? 1_000,
    maxBackoffMs: opts.maxBackoffMs ?? 30_000,
    label: 'deposit',
    logFields: { chainId: config.chainId, portal: config.portal },
    failureMessage: 'bridge: source pass failed; crediting paused, retrying',
    logger: log,
  })
  return s
}

/** Takes one scanned range's deposit logs as `pending` (a log is known by block hash and index). */
function addPending(s: SourceRuntime, logs: DepositLog[]): void {
  const known = new Set(s.book.deposits.map((d) => `${d.l1BlockHash}:${d.logIndex}`))
  for (const l of logs) {
    if (known.has(`${l.l1BlockHash}:${l.logIndex}`)) continue
    if (l.depositId <= s.book.lastCreditedDepositId) {
      s.log.warn(
        { chainId: s.config.chainId, depositId: l.depositId, l1TxHash: l.l1TxHash },
        'bridge: a log re-uses a credited deposit id (reorg deeper than the finality rule); ignored',
      )
      continue
    }
    s.book.deposits.push({ ...l, sourceChainId: s.config.chainId, portal: s.config.portal, status: 'pending' })
    known.add(`${l.l1BlockHash}:${l.logIndex}`)
    s.log.info(
      { chainId: s.config.chainId, depositId: l.depositId, l1Block: l.l1Block, to: l.l2Recipient },
      'bridge: deposit seen, pending finality',
    )
  }
}

/** After an unwind to `ancestor`: every pending deposit above it whose block is gone drops. */
async function dropGone(s: SourceRuntime, ancestor: bigint): Promise<void> {
  for (const d of s.book.deposits) {
    if (d.status !== 'pending' || d.l1Block <= ancestor) continue
    const canonical = await s.client.getBlock(d.l1Block)
    if (canonical?.hash !== d.l1BlockHash) {
      d.status = 'dropped'
      s.log.warn(
        { chainId: s.config.chainId, depositId: d.depositId, l1Block: d.l1Block, l1TxHash: d.l1TxHash },
        'bridge: deposit dropped, its L1 block was reorged away',
      )
    }
  }
}

/** One pass over a source: scan (unwinding if needed), then credit what is final. */
async function syncSource(s: SourceRuntime, sink: DepositSink): Promise<void> {
  const heads = await s.scanner.sync()
  await credit(s, sink, finalBlockLimit(s.config.finality, heads))
}

/**
 * Credits pending deposits whose block is at or below `limit`, re-checked canonical by hash,
 * contiguous from `lastCreditedDepositId + 1`, in one `sink.credit` call.
 */
async function credit(s: SourceRuntime, sink: DepositSink, limit: bigint): Promise<void> {
  const ready = s.book.deposits.filter((d) => d.status === 'pending' && d.l1Block <= limit).sort(byDepositId)
  const batch: DepositRecord[] = []
  let next = s.book.lastCreditedDepositId + 1n
  const hashes = new Map<bigint, Hex | undefined>()
  for (const d of ready) {
    if (d.depositId !== next) break
    if (!hashes.has(d.l1Block)) hashes.set(d.l1Block, (await s.client.getBlock(d.l1Block))?.hash)
    if (hashes.get(d.l1Block) !== d.l1BlockHash) {
      // Final by number but not the block we saw: a reorg we had not noticed yet.
      await s.scanner.unwind(d.l1Block - 1n)
      break
    }
    batch.push(d)
    next++
  }
  if (batch.length === 0 && ready.length > 0 && ready[0].depositId > next) {
    s.log.warn(
      { chainId: s.config.chainId, expected: next, lowestFinal: ready[0].depositId },
      'bridge: final deposits do not follow the last credited id; waiting',
    )
  }
  if (batch.length === 0) return
  const deposits: FinalDeposit[] = batch.map(({ status: _s, l2Block: _b, ...d }) => d)
  const res = await sink.credit(deposits)
  for (const d of batch) {
    d.status = 'credited'
    if (res && 'l2Block' in res) d.l2Block = res.l2Block
  }
  s.book.lastCreditedDepositId = batch[batch.length - 1].depositId
  s.log.info({ chainId: s.config.chainId, from: batch[0].depositId, to: s.book.lastCreditedDepositId }, 'bridge: deposits credited')
}

function sourceStatus(s: SourceRuntime): SourceStatus {
  const heads = s.scanner.heads()
  const health = s.scanner.health()
  return {
    chainId: s.config.chainId,
    portal: s.config.portal,
    finality: s.config.finality,
    l1Latest: heads?.latest ?? null,
    l1Safe: heads?.safe ?? null,
    l1Finalized: heads?.finalized ?? null,
    lastCreditedDepositId: s.book.lastCreditedDepositId,
    scannedBlock: s.scanner.state.cursor,
    pendingCount: s.book.deposits.filter((d) => d.status === 'pending').length,
    l1Up: health.up,
    lastError: health.lastError,
  }
}

/**
 * The one L1 scanner of the bridge, shared by the deposit watcher and the commitment poster:
 * it follows one L1 for one kind of log, and is the one place that goes back (like reth's
 * `unwind`) and the one place that backs off.
 *
 * Per pass (`sync`):
 * 1. read the L1's latest, safe and finalized heads;
 * 2. unwind: if the block at the last checkpoint (the last scanned block, by hash) is no longer
 *    canonical, walk back through the checkpoints to the newest one still canonical (the start
 *    block − 1 when none is), move the cursor there and tell the owner (`onUnwind`), which
 *    forgets what it took above it. Reorgs and an L1 that lost blocks take this path alike;
 * 3. scan from the cursor to `latest` in ranges of `maxBlockRange`: the owner takes each range's
 *    logs (`onLogs`), then the cursor moves to its end and a checkpoint (number, hash) is kept. A
 *    range whose end block is gone, or whose logs name another hash for it, is not taken: the
 *    L1 reorged under the scan, and the next pass unwinds;
 * 4. forget the checkpoints below the L1's finalized head but the newest one (the anchor).
 *
 * The cursor and checkpoints (`state`) are plain data the owner saves with its own state; a
 * scanner created from saved state resumes after its cursor and still sees a reorg that
 * happened while it was not running.
 *
 * Outages: `attempt(pass)` runs one of the owner's passes. A failure is logged as a warning and
 * pauses the scanner: after `n` failures in a row the next attempt waits
 * `min(maxBackoffMs, baseDelayMs × 2^(n−1))` (`backoffDelayMs`); attempts before then are skipped.
 * The first pass that succeeds again logs that the L1 is back and resets the count.
 */
import type { Hex } from 'viem'
import { WrongL1ChainError } from './errors.ts'
import type { L1Client } from './l1Client.ts'
import { type BridgeLogger, silentLogger } from './types.ts'

/** A scanned block, remembered to notice a reorg under it. */
export interface ScanCheckpoint {
  number: bigint
  hash: Hex
}

/** Where a scan stands: saved by its owner, given back to resume. */
export interface ScanState {
  /** The last block scanned (start block − 1 before any). */
  cursor: bigint
  /** Ends of scanned ranges, ascending: those above the finalized head and one at or below it. */
  checkpoints: ScanCheckpoint[]
}

/** The L1's heads as one pass read them. */
export interface L1Heads {
  latest: bigint
  safe: bigint
  finalized: bigint
}

/** The scanner's health, for `bridge_status` and logs. */
export interface ScanHealth {
  /** False after a failed attempt, until one succeeds. */
  up: boolean
  /** Failed attempts in a row. */
  failures: number
  lastError: string | null
  /** Unix milliseconds before which `attempt` skips its pass. */
  retryAt: number
}

/** Options of `createL1Scanner`. */
export interface L1ScannerOptions<T extends { l1Block: bigint; l1BlockHash: Hex }> {
  client: L1Client
  /** First L1 block to scan (the portal's deployment block); 0 by default. */
  startBlock?: bigint
  /** Saved state to resume from; a fresh scan from `startBlock` when absent. */
  state?: ScanState
  /** When set, the first pass checks the L1 answers this chain id (`WrongL1ChainError`). */
  chainId?: number
  /** Most blocks asked for in one log query; 2,000 by default. */
  maxBlockRange?: bigint
  /** Reads the logs of blocks `[fromBlock, toBlock]`, in log order. */
  getLogs(fromBlock: bigint, toBlock: bigint): Promise<T[]>
  /** Takes one range's logs, before the cursor moves past it. */
  onLogs(logs: T[]): void | Promise<void>
  /** The cursor went back to `ancestor`: forget what was taken from blocks above it. */
  onUnwind(ancestor: bigint): void | Promise<void>
  /** Wait after a first failure, milliseconds (doubling per failure); 1,000 by default. */
  baseDelayMs?: number
  /** Longest wait after failures, milliseconds; 30,000 by default. */
  maxBackoffMs?: number
  /** What the scan is for, in log messages (`deposit`, `commitment`). */
  label: string
  /** Fields added to every log line (chain id, portal). */
  logFields?: object
  /** The warning of a failed attempt; `bridge: <label> pass failed; retrying` by default. */
  failureMessage?: string
  logger?: BridgeLogger
  /** The clock, unix milliseconds (tests). */
  now?: () => number
}

/** A running scan over one L1. */
export interface L1Scanner {
  /** The cursor and checkpoints, live: save them after a pass. */
  readonly state: ScanState
  /** The heads the last pass read; null before one. */
  heads(): L1Heads | null
  /** One pass: heads, unwind if needed, scan to latest, prune checkpoints. Throws on L1 errors. */
  sync(): Promise<L1Heads>
  /** Moves the cursor back to `block` (the scan resumes after it) and tells the owner. */
  unwind(block: bigint): Promise<void>
  /**
   * Runs `pass` unless backing off; never throws. `ran` (it succeeded), `failed` (logged, the
   * scanner now waits) or `paused` (skipped: a retry is not due yet).
   */
  attempt(pass: () => Promise<unknown>): Promise<'ran' | 'failed' | 'paused'>
  health(): ScanHealth
}

/**
 * The wait after `failures` failed attempts in a row: `min(maxMs, baseMs × 2^(failures−1))`,
 * 0 when none failed. The one backoff rule of the bridge.
 *
 * @example
 * backoffDelayMs(3, 1_000, 30_000) // 4_000
 */
export function backoffDelayMs(failures: number, baseMs: number, maxMs: number): number {
  if (failures <= 0) return 0
  return Math.min(maxMs, baseMs * 2 ** Math.min(failures - 1, 30))
}

/** The first line of an error's message. */
export function errorLine(err: unknown): string {
  return err instanceof Error ? err.message.split('\n')[0] : String(err)
}

/**
 * Creates a scanner at `state` (or before `startBlock`); nothing is read until `sync`.
 *
 * @example
 * const scanner = createL1Scanner({
 *   client, startBlock, state: saved, label: 'deposit',
 *   getLogs: (from, to) => client.getDepositLogs(portal, from, to),
 *   onLogs: (logs) => addPending(logs),
 *   onUnwind: (ancestor) => dropAbove(ancestor),
 * })
 * const ok = await scanner.attempt(async () => { await scanner.sync(); await save(scanner.state) })
 */
export function createL1Scanner<T extends { l1Block: bigint; l1BlockHash: Hex }>(opts: L1ScannerOptions<T>): L1Scanner {
  const log = opts.logger ?? silentLogger
  const startBlock = opts.startBlock ?? 0n
  const state: ScanState = opts.state ?? { cursor: startBlock - 1n, checkpoints: [] }
  const scan: ScanContext<T> = { opts, state, log, maxRange: opts.maxBlockRange ?? 2_000n, startBlock }
  const backoff = createBackoff(opts, log)
  let heads: L1Heads | null = null
  let chainChecked = opts.chainId === undefined

  return {
    state,
    heads: () => heads,
    async sync() {
      if (!chainChecked) {
        const id = await opts.client.chainId()
        if (id !== opts.chainId) throw new WrongL1ChainError(opts.chainId as number, id)
        chainChecked = true
      }
      const [latest, safe, finalized] = await Promise.all([
        opts.client.blockNumber('latest'),
        opts.client.blockNumber('safe'),
        opts.client.blockNumber('finalized'),
      ])
      heads = { latest, safe, finalized }
      await detectReorg(scan)
      await scanTo(scan, latest)
      pruneCheckpoints(state, finalized)
      return heads
    },
    unwind: (block) => unwindTo(scan, block),
    attempt: backoff.attempt,
    health: backoff.health,
  }
}

interface ScanContext<T extends { l1Block: bigint; l1BlockHash: Hex }> {
  opts: L1ScannerOptions<T>
  state: ScanState
  log: BridgeLogger
  maxRange: bigint
  startBlock: bigint
}

async function unwindTo<T extends { l1Block: bigint; l1BlockHash: Hex }>(scan: ScanContext<T>, block: bigint): Promise<void> {
  scan.state.cursor = block
  scan.state.checkpoints = scan.state.checkpoints.filter((c) => c.number <= block)
  await scan.opts.onUnwind(block)
}

async function isCanonical(client: L1Client, cp: ScanCheckpoint): Promise<boolean> {
  return (await client.getBlock(cp.number))?.hash === cp.hash
}

async function detectReorg<T extends { l1Block: bigint; l1BlockHash: Hex }>(scan: ScanContext<T>): Promise<void> {
  const { checkpoints } = scan.state
  const tip = checkpoints[checkpoints.length - 1]
  if (!tip || (await isCanonical(scan.opts.client, tip))) return
  let ancestor = scan.startBlock - 1n
  for (let i = checkpoints.length - 2; i >= 0; i--) {
    if (await isCanonical(scan.opts.client, checkpoints[i])) {
      ancestor = checkpoints[i].number
      break
    }
  }
  scan.log.warn({ ...scan.opts.logFields, from: tip.number, to: ancestor }, `bridge: L1 reorg, rewinding the ${scan.opts.label} scan`)
  await unwindTo(scan, ancestor)
}

async function scanTo<T extends { l1Block: bigint; l1BlockHash: Hex }>(scan: ScanContext<T>, latest: bigint): Promise<void> {
  const { state, opts } = scan
  while (state.cursor < latest) {
    const from = state.cursor + 1n
    const to = from + scan.maxRange - 1n < latest ? from + scan.maxRange - 1n : latest
    const logs = await opts.getLogs(from, to)
    const end = await opts.client.getBlock(to)
    if (!end) return // the L1 lost blocks under us: the next pass unwinds
    // A reorg between the two calls: take nothing from this range; the next pass unwinds.
    if (logs.some((l) => l.l1Block === to && l.l1BlockHash !== end.hash)) return
    await opts.onLogs(logs)
    state.cursor = to
    state.checkpoints.push({ number: to, hash: end.hash })
  }
}

/** Keeps the checkpoints above the L1's finalized head and the newest one at or below it. */
function pruneCheckpoints(state: ScanState, finalized: bigint): void {
  const anchor = state.checkpoints.filter((c) => c.number <= finalized).pop()
  state.checkpoints = state.checkpoints.filter((c) => c.number > finalized || c === anchor)
}

function createBackoff(
  opts: Pick<L1ScannerOptions<never>, 'baseDelayMs' | 'maxBackoffMs' | 'label' | 'logFields' | 'failureMessage' | 'now'>,
  log: BridgeLogger,
): Pick<L1Scanner, 'attempt' | 'health'> {
  const now = opts.now ?? Date.now
  const baseMs = opts.baseDelayMs ?? 1_000
  const maxMs = opts.maxBackoffMs ?? 30_000
  const h: ScanHealth = { up: true, failures: 0, lastError: null, retryAt: 0 }
  return {
    health: () => ({ ...h }),
    async attempt(pass) {
      if (now() < h.retryAt) return 'paused'
      try {
        await pass()
      } catch (err) {
        h.failures++
        h.up = false
        h.lastError = errorLine(err)
        const retryInMs = backoffDelayMs(h.failures, baseMs, maxMs)
        h.retryAt = now() + retryInMs
        log.warn(
          { ...opts.logFields, err: h.lastError, failures: h.failures, retryInMs },
          opts.failureMessage ?? `bridge: ${opts.label} pass failed; retrying`,
        )
        return 'failed'
      }
      if (h.failures > 0) log.info({ ...opts.logFields, after: h.failures }, 'bridge: L1 back, resuming')
      Object.assign(h, { up: true, failures: 0, lastError: null, retryAt: 0 })
      return 'ran'
    },
  }
}

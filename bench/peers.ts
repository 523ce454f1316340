/**
 * The peers of the throughput benchmark, each started fresh on a free 127.0.0.1 port with
 * 250 ms blocks and the dev mnemonic's accounts funded: Anvil, a Hardhat 2 node, and our node.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startAnvil } from '../app/devnet/anvil.ts'
import { freePort, waitForRpc } from '../lib/freePort.ts'

/** The peers, by the name the benchmark prints. */
export type PeerName = 'node' | 'anvil' | 'hardhat'

/** Every peer, in the order the benchmark runs them. */
export const PEER_NAMES: readonly PeerName[] = ['node', 'anvil', 'hardhat']

/** A running peer. `stop()` is idempotent and resolves once the process has exited. */
export interface Peer {
  name: PeerName
  url: string
  /** The child process's id (for a profiler or a post-mortem). */
  pid: number | undefined
  stop(): Promise<void>
}

/** Options shared by every peer. */
export interface PeerOptions {
  /** Interval mining in milliseconds (default 250). */
  blockTimeMs?: number
  /** Chain id (default 31338, ours, so one set of signed transactions fits every peer). */
  chainId?: number
  /** How long to wait for the peer's JSON-RPC to answer (default 60 s). */
  startTimeoutMs?: number
  /** Extra arguments for `node` itself, before the script (e.g. `--cpu-prof`); Node-based peers only. */
  nodeArgs?: string[]
  /** Forward the peer's stdout/stderr to ours. */
  verbose?: boolean
  /** Our node only: run the dev price feeder (dev account 9), as `npm start` does (default off). */
  feeder?: boolean
}

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..')

// Every peer process still alive, so that none outlives us, whatever way we exit.
const live = new Set<ChildProcess>()
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL')
})
function track(child: ChildProcess): ChildProcess {
  live.add(child)
  child.once('exit', () => live.delete(child))
  return child
}
const hardhatDir = join(repoRoot, 'bench', 'hardhat')

/**
 * Whether our node can be started from this checkout, and if not, why not.
 * (`bin/unimargin.mjs` imports `app/cli.ts`, which builds on `chain/node.ts`.)
 */
export function nodeAvailability(): { available: true } | { available: false; reason: string } {
  for (const file of ['bin/unimargin.mjs', 'app/cli.ts', 'chain/node.ts']) {
    if (!existsSync(join(repoRoot, file))) {
      return { available: false, reason: `${file} is missing in this checkout` }
    }
  }
  return { available: true }
}

/**
 * Starts a fresh peer by name.
 *
 * @example
 * const peer = await startPeer('anvil')
 * try { … peer.url … } finally { await peer.stop() }
 */
export function startPeer(name: PeerName, opts: PeerOptions = {}): Promise<Peer> {
  switch (name) {
    case 'anvil':
      return startAnvilPeer(opts)
    case 'hardhat':
      return startHardhatPeer(opts)
    case 'node':
      return startNodePeer(opts)
  }
}

/** Anvil (`@foundry-rs/anvil`) with interval mining. */
export async function startAnvilPeer(opts: PeerOptions = {}): Promise<Peer> {
  const anvil = await startAnvil({
    chainId: opts.chainId ?? 31338,
    blockTimeMs: opts.blockTimeMs ?? 250,
    verbose: opts.verbose,
  })
  track(anvil.process)
  return { name: 'anvil', url: anvil.url, pid: anvil.process.pid, stop: () => anvil.stop() }
}

/**
 * A Hardhat 2 node (`hardhat node`) configured by `bench/hardhat/hardhat.config.cjs`. The chain
 * id and block time there are the defaults; other values are passed through the environment.
 * Started offline: CI mode, no telemetry prompt, no banner download, nothing compiled.
 */
export async function startHardhatPeer(opts: PeerOptions = {}): Promise<Peer> {
  const port = await freePort()
  const require = createRequire(import.meta.url)
  const cli = join(dirname(require.resolve('hardhat/package.json')), 'internal', 'cli', 'bootstrap.js')
  const args = [
    ...(opts.nodeArgs ?? []),
    cli,
    'node',
    '--hostname',
    '127.0.0.1',
    '--port',
    String(port),
    '--config',
    join(hardhatDir, 'hardhat.config.cjs'),
  ]
  const env = {
    ...process.env,
    CI: 'true',
    HARDHAT_DISABLE_TELEMETRY_PROMPT: 'true',
    HARDHAT_HIDE_SOLIDITY_SURVEY_MESSAGE: 'true',
    BENCH_CHAIN_ID: String(opts.chainId ?? 31338),
    BENCH_BLOCK_TIME_MS: String(opts.blockTimeMs ?? 250),
  }
  const child = track(spawn(process.execPath, args, { cwd: hardhatDir, env, stdio: stdio(opts) }))
  return supervise('hardhat', child, `http://127.0.0.1:${port}`, opts)
}

/**
 * Our node (`bin/unimargin.mjs start --no-feeder`) on a fresh temporary data directory, removed
 * on stop.
 * Throws if {@link nodeAvailability} says it cannot start.
 */
export async function startNodePeer(opts: PeerOptions = {}): Promise<Peer> {
  const availability = nodeAvailability()
  if (!availability.available) throw new Error(`our node cannot start: ${availability.reason}`)
  const port = await freePort()
  const datadir = await mkdtemp(join(tmpdir(), 'unimargin-bench-'))
  const args = [
    ...(opts.nodeArgs ?? []),
    join(repoRoot, 'bin', 'unimargin.mjs'),
    'start',
    '--datadir',
    datadir,
    '--port',
    String(port),
    '--host',
    '127.0.0.1',
    '--block-time',
    String(opts.blockTimeMs ?? 250),
    '--log-level',
    'warn',
    // Like Anvil and Hardhat: no dev price feeder, whose oracle updates come from dev account 9,
    // one of the benchmark's senders (bench:fills runs it: fills need fresh prices).
    ...(opts.feeder ? [] : ['--no-feeder']),
  ]
  const child = track(spawn(process.execPath, args, { cwd: repoRoot, stdio: stdio(opts) }))
  try {
    const peer = await supervise('node', child, `http://127.0.0.1:${port}`, opts)
    return {
      ...peer,
      async stop() {
        await peer.stop()
        await rm(datadir, { recursive: true, force: true })
      },
    }
  } catch (err) {
    await rm(datadir, { recursive: true, force: true })
    throw err
  }
}

function stdio(opts: PeerOptions): ('ignore' | 'inherit' | 'pipe')[] {
  return opts.verbose ? ['ignore', 'inherit', 'inherit'] : ['ignore', 'ignore', 'pipe']
}

/** Waits for the child's JSON-RPC (or its early exit), and wraps it as a {@link Peer}. */
async function supervise(name: PeerName, child: ChildProcess, url: string, opts: PeerOptions): Promise<Peer> {
  let stderr = ''
  child.stderr?.on('data', (d) => {
    stderr = (stderr + String(d)).slice(-4000)
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  try {
    await Promise.race([
      waitForRpc(url, opts.startTimeoutMs ?? 60_000),
      exited.then(() => {
        throw new Error(`${name} exited at start (code ${child.exitCode}): ${stderr.trim()}`)
      }),
    ])
  } catch (err) {
    child.kill('SIGKILL')
    await exited
    throw err
  }
  return {
    name,
    url,
    pid: child.pid,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGTERM')
      // A graceful stop gets 10 s (our node flushes its store, a CPU profile gets written).
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
      await exited
      clearTimeout(timer)
    },
  }
}

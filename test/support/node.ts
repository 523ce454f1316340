/**
 * Starts the unimargin node (`bin/unimargin.mjs start`) as a child process for the end-to-end
 * suites: a free port, a fresh temporary datadir, and helpers to stop, crash and restart it.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort } from '../../lib/freePort.ts'

const repoRoot = fileURLToPath(new URL('../../', import.meta.url))
/** The CLI script run with `process.execPath`; env `E2E_NODE_BIN` points elsewhere (a build). */
const binPath = process.env.E2E_NODE_BIN ?? join(repoRoot, 'bin', 'unimargin.mjs')

export interface StartNodeOptions {
  /** Data directory; a fresh one under `os.tmpdir()` when absent (removed by `dispose`). */
  datadir?: string
  /** Port; a free one when absent. Kept across restarts. */
  port?: number
  /** Block time in milliseconds (`--block-time`); 250 when absent. */
  blockTimeMs?: number
  /** Extra command-line arguments after `start …`. */
  args?: string[]
  /** Extra environment variables. */
  env?: Record<string, string>
  /** How long to wait for the `listening on` line, in milliseconds; 60,000 when absent. */
  startTimeoutMs?: number
  /** `--log-level`; `warn` when absent. */
  logLevel?: string
}

/** How the process ended. */
export interface ExitStatus {
  code: number | null
  signal: NodeJS.Signals | null
}

export interface NodeInstance {
  url: string
  wsUrl: string
  port: number
  datadir: string
  /** The current child process (replaced by `restart`). */
  process: ChildProcess
  /** Everything the current process printed on stdout and stderr so far. */
  output(): string
  /** Sends `signal` (SIGTERM by default) and waits for the exit; SIGKILL after `timeoutMs`. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<ExitStatus>
  /** `kill -9`: no chance to flush. */
  kill9(): Promise<ExitStatus>
  /** Stops the process if it runs (SIGTERM), then starts a new one on the same datadir and port. */
  restart(): Promise<NodeInstance>
  /** Stops the process if it runs and removes the datadir if this helper created it. */
  dispose(): Promise<void>
}

interface Running {
  child: ChildProcess
  exited: Promise<ExitStatus>
  output: () => string
}

async function spawnNode(datadir: string, port: number, opts: StartNodeOptions): Promise<Running> {
  const args = [
    binPath,
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
    opts.logLevel ?? 'warn',
    ...(opts.args ?? []),
  ]
  const child = spawn(process.execPath, args, {
    cwd: repoRoot,
    env: { ...process.env, NO_COLOR: '1', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  const exited = new Promise<ExitStatus>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })))
  const listening = new Promise<void>((resolve) => {
    const onData = (d: Buffer) => {
      out += String(d)
      // Keep the last 64 kB: enough for an error report.
      if (out.length > 65_536) out = out.slice(-65_536)
      if (out.includes('listening on http://')) resolve()
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', onData)
  })
  const timeoutMs = opts.startTimeoutMs ?? 60_000
  let timer: NodeJS.Timeout | undefined
  try {
    await Promise.race([
      listening,
      exited.then((s) => {
        throw new Error(`unimargin exited at start (code ${s.code}, signal ${s.signal}):\n${out.trim()}`)
      }),
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`unimargin printed no 'listening on' line within ${timeoutMs} ms:\n${out.trim()}`)),
          timeoutMs,
        )
      }),
    ])
  } catch (err) {
    child.kill('SIGKILL')
    await exited
    throw err
  } finally {
    clearTimeout(timer)
  }
  return { child, exited, output: () => out }
}

async function stopRunning(run: Running, signal: NodeJS.Signals, timeoutMs: number): Promise<ExitStatus> {
  const { child } = run
  if (child.exitCode !== null || child.signalCode !== null) return run.exited
  child.kill(signal)
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
  const status = await run.exited
  clearTimeout(timer)
  return status
}

/**
 * Starts the node and resolves once it prints `listening on http://…`.
 *
 * @example
 * const node = await startNode()
 * const client = createPublicClient({ transport: http(node.url) })
 * await node.restart()
 * await node.dispose()
 */
export async function startNode(opts: StartNodeOptions = {}): Promise<NodeInstance> {
  const ownsDatadir = opts.datadir === undefined
  const datadir = opts.datadir ?? mkdtempSync(join(tmpdir(), 'unimargin-e2e-'))
  const port = opts.port ?? (await freePort())
  let run: Running
  try {
    run = await spawnNode(datadir, port, opts)
  } catch (err) {
    if (ownsDatadir) rmSync(datadir, { recursive: true, force: true })
    throw err
  }
  const instance: NodeInstance = {
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}`,
    port,
    datadir,
    process: run.child,
    output: () => run.output(),
    stop: (signal = 'SIGTERM', timeoutMs = 15_000) => stopRunning(run, signal, timeoutMs),
    kill9: () => stopRunning(run, 'SIGKILL', 5_000),
    async restart() {
      await stopRunning(run, 'SIGTERM', 15_000)
      run = await spawnNode(datadir, port, opts)
      instance.process = run.child
      return instance
    },
    async dispose() {
      await stopRunning(run, 'SIGTERM', 15_000)
      if (ownsDatadir) rmSync(datadir, { recursive: true, force: true })
    },
  }
  return instance
}

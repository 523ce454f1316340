/**
 * Starts Anvil (the `@foundry-rs/anvil` npm package's binary) as a child process on 127.0.0.1:
 * the local L1 for the devnet, the tests and the benchmarks.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { freePort, waitForRpc } from '../../lib/freePort.ts'

export interface AnvilOptions {
  /** Port; a free one when absent. */
  port?: number
  /** Chain id; Anvil's default 31337 when absent. */
  chainId?: number
  /** Interval mining in milliseconds; automine (a block per transaction) when absent. */
  blockTimeMs?: number
  /** Slots per epoch: `safe` lags `latest` by this and `finalized` by twice it (Anvil default 32). */
  slotsInAnEpoch?: number
  /** Extra command-line arguments. */
  args?: string[]
  /** Forward Anvil's stdout/stderr to ours. */
  verbose?: boolean
}

export interface AnvilInstance {
  url: string
  wsUrl: string
  port: number
  process: ChildProcess
  stop(): Promise<void>
}

/** Path of the platform binary shipped by `@foundry-rs/anvil-<platform>`. */
export function anvilBinaryPath(): string {
  const require = createRequire(import.meta.url)
  const arch = process.arch === 'x64' ? 'amd64' : process.arch
  const pkg = `@foundry-rs/anvil-${process.platform}-${arch}`
  const pkgJson = require.resolve(`${pkg}/package.json`)
  return join(dirname(pkgJson), 'bin', process.platform === 'win32' ? 'anvil.exe' : 'anvil')
}

/**
 * Starts Anvil and resolves once its JSON-RPC answers.
 *
 * @example
 * const l1 = await startAnvil({ blockTimeMs: 250 })
 * // … use l1.url …
 * await l1.stop()
 */
export async function startAnvil(opts: AnvilOptions = {}): Promise<AnvilInstance> {
  const port = opts.port ?? (await freePort())
  const args = ['--host', '127.0.0.1', '--port', String(port), '--silent']
  if (opts.chainId !== undefined) args.push('--chain-id', String(opts.chainId))
  if (opts.blockTimeMs !== undefined) {
    // Anvil takes seconds (fractions allowed) for --block-time.
    args.push('--block-time', String(opts.blockTimeMs / 1000))
  }
  if (opts.slotsInAnEpoch !== undefined) args.push('--slots-in-an-epoch', String(opts.slotsInAnEpoch))
  args.push(...(opts.args ?? []))
  const child = spawn(anvilBinaryPath(), args, {
    stdio: opts.verbose ? 'inherit' : ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr?.on('data', (d) => {
    stderr += String(d)
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const url = `http://127.0.0.1:${port}`
  try {
    await Promise.race([
      waitForRpc(url),
      exited.then(() => {
        throw new Error(`anvil exited at start: ${stderr.trim()}`)
      }),
    ])
  } catch (err) {
    child.kill('SIGKILL')
    throw err
  }
  return {
    url,
    wsUrl: `ws://127.0.0.1:${port}`,
    port,
    process: child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000)
      await exited
      clearTimeout(timer)
    },
  }
}

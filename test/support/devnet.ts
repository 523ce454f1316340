/**
 * Starts `unimargin devnet` (`bin/unimargin.mjs devnet`) as a child process for the bridge
 * suite: a fresh temporary datadir, a free L2 port, Anvil on a free port; resolves with the
 * `devnet.json` it wrote once it prints `listening on`.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { DevnetJson } from '../../app/devnet/devnet.ts'
import { freePort } from '../../lib/freePort.ts'

const repoRoot = fileURLToPath(new URL('../../', import.meta.url))

export interface DevnetInstance {
  json: DevnetJson
  datadir: string
  process: ChildProcess
  output(): string
  /** SIGTERM by default (Anvil goes with it); resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>
}

/** Starts the devnet with extra `args` (e.g. `--challenge-period 5`). */
export async function startDevnet(args: string[] = []): Promise<DevnetInstance> {
  const datadir = mkdtempSync(join(tmpdir(), 'unimargin-devnet-'))
  const port = await freePort()
  const child = spawn(
    process.execPath,
    [
      join(repoRoot, 'bin', 'unimargin.mjs'),
      'devnet',
      '--datadir',
      datadir,
      '--port',
      String(port),
      '--l1-port',
      '0',
      '--log-level',
      'warn',
      ...args,
    ],
    { cwd: repoRoot, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let out = ''
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)))
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`devnet did not start:\n${out}`)), 90_000)
    const onData = (d: Buffer) => {
      out += String(d)
      if (out.includes('listening on http://')) {
        clearTimeout(timer)
        resolve()
      }
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', onData)
    exited.then((code) => {
      clearTimeout(timer)
      reject(new Error(`devnet exited (${code}):\n${out}`))
    })
  })
  const json = JSON.parse(readFileSync(join(datadir, 'devnet.json'), 'utf8')) as DevnetJson
  return {
    json,
    datadir,
    process: child,
    output: () => out,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal)
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
      const code = await exited
      clearTimeout(timer)
      rmSync(datadir, { recursive: true, force: true })
      return code
    },
  }
}

/**
 * The server the SPEC-level suites run against: the unimargin node, or Anvil as the reference
 * (env `E2E_TARGET=anvil|node`, default `node`). Both answer with the same shape.
 */
import { startAnvil } from '../../app/devnet/anvil.ts'
import { startNode } from './node.ts'

export type TargetKind = 'node' | 'anvil'

export interface Target {
  kind: TargetKind
  url: string
  wsUrl: string
  /** Stops the server and removes what it wrote. */
  stop(): Promise<void>
}

/** The kind selected by `E2E_TARGET`. */
export function targetKind(): TargetKind {
  const v = (process.env.E2E_TARGET ?? 'node').toLowerCase()
  if (v !== 'node' && v !== 'anvil') throw new Error(`E2E_TARGET must be node or anvil, got ${v}`)
  return v
}

/**
 * Starts the selected server with 250 ms blocks and chain id 31338.
 *
 * @example
 * const target = await startTarget()
 * const client = publicHttp(target.url)
 * await target.stop()
 */
export async function startTarget(): Promise<Target> {
  const kind = targetKind()
  if (kind === 'anvil') {
    const anvil = await startAnvil({
      chainId: 31338,
      blockTimeMs: 250,
      // SPEC 5: with no L1, `safe` and `finalized` are the genesis block. A very long epoch keeps
      // Anvil's safe/finalized (latest - slots, floored at 0) at genesis for the whole run.
      slotsInAnEpoch: 1_000_000,
    })
    return { kind, url: anvil.url, wsUrl: anvil.wsUrl, stop: () => anvil.stop() }
  }
  // Anvil has no price feeder: the node runs without its own, so both chains stay quiet.
  const node = await startNode({ blockTimeMs: 250, args: ['--no-feeder'] })
  return { kind, url: node.url, wsUrl: node.wsUrl, stop: () => node.dispose() }
}

/**
 * Governance of the risk kernel against the real node (issue 4, SPEC sections 4, 5 and 7), with
 * viem as a council member's wallet: the life of a proposal, every refusal with its reason,
 * parameters at earlier block tags, a restart, and the `unimargin gov` command line.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  type Account,
  BaseError,
  ContractFunctionRevertedError,
  type Hex,
  numberToHex,
  parseEventLogs,
  type TransactionReceipt,
} from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { governanceAbi } from '../execution/precompiles/governance.ts'
import { GOVERNANCE_ADDRESS } from '../state/system/addresses.ts'
import { devAccounts, publicHttp, walletHttp } from './support/clients.ts'
import { type NodeInstance, startNode } from './support/node.ts'

const repoRoot = fileURLToPath(new URL('../', import.meta.url))
const [m0, m1, m2] = devAccounts
const outsider = devAccounts[5]
const TIMELOCK = 4n

let node: NodeInstance
let client: ReturnType<typeof publicHttp>

type GovFn = 'propose' | 'vote' | 'execute'

interface RpcProposal {
  id: number
  proposer: Hex
  change: unknown
  yes: Hex[]
  no: Hex[]
  state: string
  executableAtBlock: number | null
}

/**
 * Gas for `execute`: it rewrites the governed document, ~5,000 gas a 32-byte word, and the document
 * grows with the options the listing schedule adds (block 1 of the dev chain: 106 instruments, ~14 kB).
 */
const EXECUTE_GAS = 5_000_000n

/** Sends a Governance call as `account`; `gas` skips the estimate so a reverting call is mined. */
async function send(account: Account, functionName: GovFn, args: readonly unknown[], gas?: bigint): Promise<TransactionReceipt> {
  const hash = await walletHttp(node.url, account).writeContract({
    address: GOVERNANCE_ADDRESS,
    abi: governanceAbi,
    functionName,
    args,
    gas,
  } as never)
  return client.waitForTransactionReceipt({ hash })
}

/** The revert reason of a call (viem's simulateContract = eth_call), or undefined if it succeeds. */
async function reasonOf(
  account: Account,
  functionName: GovFn,
  args: readonly unknown[],
  blockNumber?: bigint,
): Promise<string | undefined> {
  try {
    await client.simulateContract({ address: GOVERNANCE_ADDRESS, abi: governanceAbi, functionName, args, account, blockNumber } as never)
    return undefined
  } catch (err) {
    const reverted = err instanceof BaseError ? err.walk((e) => e instanceof ContractFunctionRevertedError) : undefined
    if (reverted instanceof ContractFunctionRevertedError) return reverted.reason
    throw err
  }
}

async function proposeOk(account: Account, change: string): Promise<bigint> {
  const r = await send(account, 'propose', [change])
  expect(r.status).toBe('success')
  const [created] = parseEventLogs({ abi: governanceAbi, logs: r.logs, eventName: 'ProposalCreated' })
  return created.args.id
}

/** Mines blocks until the head is at least `n` (self-transfers, so it is quick). */
async function mineTo(n: bigint): Promise<void> {
  const wallet = walletHttp(node.url, devAccounts[8])
  while ((await client.getBlockNumber()) < n) {
    await client.waitForTransactionReceipt({ hash: await wallet.sendTransaction({ to: devAccounts[8].address, value: 0n }) })
  }
}

const rpc = <T>(method: string, params: unknown[] = []) =>
  client.request({ method: method as never, params: params as never }) as Promise<T>

beforeAll(async () => {
  // Blocks come at once when there are transactions; otherwise every 5 s, so the timelock is
  // counted in blocks this suite makes. No price feeder: prices stay at genesis.
  node = await startNode({ blockTimeMs: 100, args: ['--heartbeat', '5000', '--no-feeder'] })
  client = publicHttp(node.url)
})

afterAll(async () => {
  await node?.dispose()
})

describe('governance against the real node', () => {
  let firstId: bigint
  let executedAt: bigint

  it('runs a proposal through its life: propose, two votes, queued, timelock, executed once', async () => {
    const genesisParams = await rpc<{ haircut: Record<string, number> }>('margin_getRiskParams')
    expect(genesisParams.haircut.WETH).toBe(0.1)
    firstId = await proposeOk(m0, '{"haircut": {"WETH": 0.2}}')
    expect(firstId).toBe(1n)
    let p = await rpc<RpcProposal>('gov_getProposal', [1])
    expect(p).toMatchObject({
      id: 1,
      proposer: m0.address,
      change: { haircut: { WETH: 0.2 } },
      yes: [],
      no: [],
      state: 'voting',
      executableAtBlock: null,
    })

    expect((await send(m1, 'vote', [firstId, true])).status).toBe('success')
    expect(await reasonOf(m2, 'execute', [firstId])).toBe('no quorum')
    const queued = await send(m2, 'vote', [firstId, true])
    expect(queued.status).toBe('success')
    const q = queued.blockNumber
    const [ev] = parseEventLogs({ abi: governanceAbi, logs: queued.logs, eventName: 'ProposalQueued' })
    expect(ev.args).toEqual({ id: firstId, executableAtBlock: q + TIMELOCK })
    p = await rpc<RpcProposal>('gov_getProposal', [1])
    expect(p).toMatchObject({ yes: [m1.address, m2.address], no: [], state: 'queued', executableAtBlock: Number(q + TIMELOCK) })

    // Before the timelock: refused (mined, so the refusal is on chain too).
    expect(await reasonOf(m0, 'execute', [firstId], q)).toBe('timelock')
    const early = await send(m0, 'execute', [firstId], EXECUTE_GAS)
    expect(early.status).toBe('reverted')
    expect(early.blockNumber).toBeLessThan(q + TIMELOCK)
    expect(await reasonOf(m0, 'execute', [firstId], early.blockNumber)).toBe('timelock')
    expect((await rpc<{ haircut: Record<string, number> }>('margin_getRiskParams')).haircut.WETH).toBe(0.1)

    // Head at executableAtBlock − 1: a transaction now lands in executableAtBlock or later. (An
    // estimate at `latest` still runs at the head's number, so skip it with an explicit gas.)
    await mineTo(q + TIMELOCK - 1n)
    // The version before: 1 at genesis, +1 when block 1 listed the schedule's expiries (SPEC 6.4).
    const version = await client.readContract({ address: GOVERNANCE_ADDRESS, abi: governanceAbi, functionName: 'configVersion' })
    expect(version).toBe(2n)
    const done = await send(outsider, 'execute', [firstId], EXECUTE_GAS)
    expect(done.status).toBe('success')
    expect(done.blockNumber).toBeGreaterThanOrEqual(q + TIMELOCK)
    executedAt = done.blockNumber
    expect(parseEventLogs({ abi: governanceAbi, logs: done.logs, eventName: 'ProposalExecuted' })[0].args).toEqual({
      id: firstId,
      configVersion: version + 1n,
    })
    expect(await reasonOf(m0, 'execute', [firstId])).toBe('already executed')
    expect((await rpc<RpcProposal>('gov_getProposal', [1])).state).toBe('executed')
  })

  it('margin_getRiskParams shows the new value, and the old one at an earlier block tag', async () => {
    const now = await rpc<{ haircut: Record<string, number>; imMultiplier: number }>('margin_getRiskParams')
    expect(now.haircut).toEqual({ USDC: 0.02, WETH: 0.2, WBTC: 0.12, 'ETHUSDC-LP': 0.4 })
    expect(now.imMultiplier).toBe(1.3)
    expect((await rpc<typeof now>('margin_getRiskParams', [numberToHex(executedAt)])).haircut.WETH).toBe(0.2)
    expect((await rpc<typeof now>('margin_getRiskParams', [numberToHex(executedAt - 1n)])).haircut.WETH).toBe(0.1)
    expect((await rpc<typeof now>('margin_getRiskParams', ['earliest'])).haircut.WETH).toBe(0.1)
    // The proposal as it stood before execution, by block tag.
    expect((await rpc<RpcProposal>('gov_getProposal', [1, numberToHex(executedAt - 1n)])).state).toBe('queued')
    expect(await rpc<RpcProposal[]>('gov_listProposals', ['earliest'])).toEqual([])
  })

  it('the margin of an account follows the new parameter from the executing block on', async () => {
    type Report = { components: { collateralHaircut: string } }
    const haircutAt = async (n: bigint) =>
      Number((await rpc<Report>('margin_getRiskReport', [devAccounts[3].address, numberToHex(n)])).components.collateralHaircut)
    // 1,000,000 USDC at 0.02 and 100 WETH at ETH 3,000: 20,000 + 30,000, then 20,000 + 60,000.
    expect(await haircutAt(executedAt - 1n)).toBeCloseTo(50_000, 6)
    expect(await haircutAt(executedAt)).toBeCloseTo(80_000, 6)
  })

  it('refuses each wrong step with its reason', async () => {
    expect(await reasonOf(outsider, 'propose', ['{"imMultiplier": 1.5}'])).toBe('not council')
    expect(await reasonOf(m0, 'propose', ['{"haircut": {"WETH": 0.99}}'])).toBe('haircut.WETH: must be in [0, 0.95]')
    expect(await reasonOf(m0, 'propose', ['{"imMultiplier": 7}'])).toBe('imMultiplier: must be in [1, 5]')
    expect(await reasonOf(m0, 'propose', ['{"spotShocks": [-1, 1]}'])).toBe('spotShocks: must hold 0')
    expect(await reasonOf(m0, 'propose', ['{"council": {"quorum": 4}}'])).toBe('council.quorum: exceeds the council size (3)')
    expect(await reasonOf(m0, 'propose', ['{"haircut": {"WETH": 0.2}'])).toMatch(/^malformed change: /)
    expect(await reasonOf(m0, 'propose', ['[]'])).toBe('malformed change: must be a JSON object')

    const id = await proposeOk(m1, '{"imMultiplier": 1.5}')
    expect(await reasonOf(outsider, 'vote', [id, true])).toBe('not council')
    expect(await reasonOf(m0, 'execute', [id])).toBe('no quorum')
    expect(await reasonOf(m0, 'vote', [99n, true])).toBe('unknown proposal')
    expect((await send(m0, 'vote', [id, true])).status).toBe('success')
    const twice = await send(m0, 'vote', [id, false], 2_000_000n)
    expect(twice.status).toBe('reverted')
    expect(await reasonOf(m0, 'vote', [id, false])).toBe('already voted')
    const stranger = await send(outsider, 'propose', ['{"imMultiplier": 1.5}'], 2_000_000n)
    expect(stranger.status).toBe('reverted')
    const p = await rpc<RpcProposal>('gov_getProposal', [Number(id)])
    expect(p).toMatchObject({ yes: [m0.address], no: [], state: 'voting' })
    await expect(rpc('gov_getProposal', [99])).rejects.toThrow(/unknown proposal 99/)
  })

  it('keeps proposals, votes and parameters across a SIGTERM restart', async () => {
    const before = await rpc<RpcProposal[]>('gov_listProposals')
    const params = await rpc<unknown>('margin_getRiskParams')
    expect(before.map((p) => p.state)).toEqual(['executed', 'voting'])
    const status = await node.stop('SIGTERM')
    expect(status.code).toBe(0)
    await node.restart()
    expect(await rpc<RpcProposal[]>('gov_listProposals')).toEqual(before)
    expect(await rpc<unknown>('margin_getRiskParams')).toEqual(params)
    // The vote cast before the restart still counts: one more yes reaches the quorum.
    const id = BigInt(before[1].id)
    expect(await reasonOf(m0, 'vote', [id, true])).toBe('already voted')
    const r = await send(m2, 'vote', [id, true])
    expect(r.status).toBe('success')
    expect(parseEventLogs({ abi: governanceAbi, logs: r.logs, eventName: 'ProposalQueued' })).toHaveLength(1)
    // A proposal voted down: two no-votes of three leave the quorum out of reach.
    const down = await proposeOk(m2, '{"maxOracleAge": 30}')
    await send(m0, 'vote', [down, false])
    const rejected = await send(m1, 'vote', [down, false])
    expect(parseEventLogs({ abi: governanceAbi, logs: rejected.logs, eventName: 'ProposalRejected' })).toHaveLength(1)
    expect((await rpc<RpcProposal>('gov_getProposal', [Number(down)])).state).toBe('rejected')
  })
})

/** Runs `unimargin gov …`; resolves with the exit code and output. */
function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(repoRoot, 'bin', 'unimargin.mjs'), 'gov', ...args, '--rpc', node.url],
      { cwd: repoRoot, env: { ...process.env, NO_COLOR: '1', ...env }, timeout: 120_000 },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    )
  })
}

describe('unimargin gov (the command line)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'unimargin-gov-cli-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  const K0 = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80'
  const K1 = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d'
  const K5 = '0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba'

  it('drives one proposal end to end, and reports refusals with exit code 1', { timeout: 600_000 }, async () => {
    const file = join(dir, 'change.json')
    writeFileSync(file, JSON.stringify({ liquidationPenalty: 0.02 }))
    const proposed = await cli(['propose', '--file', file, '--key', K0])
    expect(proposed.code, proposed.stderr).toBe(0)
    expect(proposed.stdout).toMatch(/^tx 0x[0-9a-f]{64}$/m)
    expect(proposed.stdout).toMatch(/^status success/m)
    const id = Number(/^proposal (\d+)$/m.exec(proposed.stdout)![1])

    const v0 = await cli(['vote', '--id', String(id), '--support', 'yes', '--key', K0])
    expect(v0.code, v0.stderr).toBe(0)
    expect(v0.stdout).toContain(`voted yes on ${id}: yes 1, no 0`)
    // The second key comes from an environment variable, as a council member would keep it.
    const v1 = await cli(['vote', '--id', String(id), '--support', 'yes', '--key', 'COUNCIL_KEY'], { COUNCIL_KEY: K1 })
    expect(v1.code, v1.stderr).toBe(0)
    const executableAt = BigInt(/^queued: executable at block (\d+)$/m.exec(v1.stdout)![1])

    const twice = await cli(['vote', '--id', String(id), '--support', 'no', '--key', K0, '--force'])
    expect(twice.code).toBe(1)
    expect(twice.stdout).toMatch(/^tx 0x[0-9a-f]{64}$/m)
    expect(twice.stdout).toMatch(/^status reverted/m)
    expect(twice.stderr).toContain('reverted: already voted')
    const stranger = await cli(['vote', '--id', String(id), '--support', 'yes', '--key', K5])
    expect(stranger.code).toBe(1)
    expect(stranger.stderr).toContain('reverts: not council')
    expect(stranger.stdout).toBe('')

    await mineTo(executableAt)
    const executed = await cli(['execute', '--id', String(id), '--key', K5])
    expect(executed.code, executed.stderr).toBe(0)
    expect(executed.stdout).toMatch(/^executed: config version \d+$/m)
    expect((await rpc<{ liquidationPenalty: number }>('margin_getRiskParams')).liquidationPenalty).toBe(0.02)

    const shown = await cli(['show', '--id', String(id)])
    expect(shown.code).toBe(0)
    expect(JSON.parse(shown.stdout)).toMatchObject({
      id,
      state: 'executed',
      change: { liquidationPenalty: 0.02 },
      yes: [m0.address, m1.address],
    })
    const listed = await cli(['list'])
    expect((JSON.parse(listed.stdout) as RpcProposal[]).map((p) => p.id)).toContain(id)
    const missing = await cli(['show', '--id', '999'])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain('unknown proposal 999')
  })
})

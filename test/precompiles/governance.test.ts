/**
 * The Governance precompile inside a real node (in process, blocks made by hand): events, views,
 * calls from contracts, static calls, and a change taking effect for the next transaction of
 * the block that executes it.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { decodeEventLog, decodeFunctionResult, encodeDeployData, encodeFunctionData, type Hex, hexToBytes, parseGwei } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createNode, type Node } from '../../chain/node.ts'
import { governanceAbi } from '../../execution/precompiles/governance.ts'
import { DEV_ACCOUNTS, devGenesis } from '../../genesis/dev.ts'
import { compileSolidity } from '../../lib/solc.ts'
import { GOVERNANCE_ADDRESS } from '../../state/system/addresses.ts'
import { encodeGovernedConfig } from '../../state/system/governanceStore.ts'
import type { BlockTag, StoredReceipt } from '../../state/types.ts'

const SOURCE = `
pragma solidity ^0.8.20;
interface IGovernance {
  function propose(string calldata changeJson) external returns (uint256);
  function vote(uint256 id, bool support) external;
  function execute(uint256 id) external;
  function configVersion() external view returns (uint256);
  function config() external view returns (string memory);
}
contract Probe {
  IGovernance constant gov = IGovernance(0x0000000000000000000000000000000000000a03);
  uint256 public seenVersion;
  bytes32 public seenHash;
  function record() external { seenVersion = gov.configVersion(); seenHash = keccak256(bytes(gov.config())); }
  function tryPropose(string calldata c) external returns (uint256) { return gov.propose(c); }
  function staticVote(uint256 id) external view returns (bool ok) {
    (ok, ) = address(gov).staticcall(abi.encodeWithSignature("vote(uint256,bool)", id, true));
  }
}`

const { Probe } = compileSolidity({ 'Probe.sol': SOURCE })
const keys = DEV_ACCOUNTS.map(([, k]) => privateKeyToAccount(k))
const nonces = new Map<Hex, number>()
/** One genesis for the file: the dev genesis is dated when it is built. */
const genesis = devGenesis()
let node: Node
let dir: string
let probe: Hex

async function sign(from: number, to: Hex | null, data: Hex, tip = 1n): Promise<Hex> {
  const acct = keys[from]
  const nonce = nonces.get(acct.address) ?? 0
  nonces.set(acct.address, nonce + 1)
  const raw = await acct.signTransaction({
    chainId: 31338,
    type: 'eip1559',
    to: to ?? undefined,
    data,
    nonce,
    gas: 5_000_000n,
    maxFeePerGas: parseGwei('10'),
    maxPriorityFeePerGas: tip,
  })
  return node.sendRawTransaction(hexToBytes(raw))
}

/**
 * Sends `txs` (sender index, data, to = the governance precompile) in ONE block, in this order
 * (falling tips: the block orders senders best tip first).
 */
async function block(...txs: [number, Hex, (Hex | null)?][]): Promise<StoredReceipt[]> {
  const hashes: Hex[] = []
  for (const [i, [from, data, to]] of txs.entries()) {
    hashes.push(await sign(from, to === undefined ? GOVERNANCE_ADDRESS : to, data, BigInt(100 - i)))
  }
  await node.produceBlock()
  return Promise.all(hashes.map(async (h) => (await node.getReceipt(h))!))
}

const gov = (functionName: 'propose' | 'vote' | 'execute', args: readonly unknown[]) =>
  encodeFunctionData({ abi: governanceAbi, functionName, args } as never)

async function view(
  functionName: string,
  args: readonly unknown[] = [],
  to: Hex = GOVERNANCE_ADDRESS,
  abi = governanceAbi as unknown,
  tag: BlockTag = 'latest',
) {
  const r = await node.call({ to, data: encodeFunctionData({ abi, functionName, args } as never) }, tag)
  if (!r.ok) throw new Error(`call ${functionName} failed`)
  return decodeFunctionResult({ abi, functionName, data: r.returnData } as never) as unknown
}

async function reason(from: number, data: Hex, to: Hex = GOVERNANCE_ADDRESS): Promise<string | undefined> {
  const r = await node.call({ from: keys[from].address, to, data }, 'latest')
  return r.ok ? undefined : r.reverted ? r.reason : r.error
}

function events(r: StoredReceipt) {
  return r.logs.map((l) => decodeEventLog({ abi: governanceAbi, topics: l.topics as [Hex], data: l.data }))
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'um-gov-'))
  node = await createNode({ datadir: dir, genesis, blockTimeMs: 50, logger: pino({ level: 'silent' }), produce: false })
  const [r] = await block([5, encodeDeployData({ abi: Probe.abi, bytecode: Probe.bytecode }), null])
  expect(r.status).toBe(1)
  probe = r.contractAddress!
})

afterAll(async () => {
  await node.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('Governance precompile', () => {
  it('holds the genesis config: version 1, the canonical document, the council', async () => {
    expect(await view('configVersion', [], GOVERNANCE_ADDRESS, governanceAbi, 0n)).toBe(1n)
    expect(await view('config', [], GOVERNANCE_ADDRESS, governanceAbi, 0n)).toBe(
      Buffer.from(encodeGovernedConfig(genesis.margin!.config)).toString(),
    )
    // Block 1 listed the schedule's expiries (SPEC 6.4): the genesis config with them, version 2.
    const listed = await node.getGovernedConfig('latest')
    expect(await view('configVersion')).toBe(2n)
    expect(listed.market.instruments.slice(0, 26)).toEqual(genesis.margin!.config.market.instruments)
    expect(listed.market.instruments.length).toBeGreaterThan(26)
    expect(await view('config')).toBe(Buffer.from(encodeGovernedConfig(listed)).toString())
    expect(await view('isCouncil', [keys[1].address])).toBe(true)
    expect(await view('isCouncil', [keys[5].address])).toBe(false)
    expect(await node.getTransactionCount(GOVERNANCE_ADDRESS, 'latest')).toBe(1n)
  })

  it('emits an event for every step and applies the change for the next transaction of the same block', async () => {
    const change = '{"imMultiplier":1.5}'
    const [created] = await block([0, gov('propose', [change])])
    expect(created.status).toBe(1)
    const [ev] = events(created)
    expect(ev.eventName).toBe('ProposalCreated')
    expect(ev.args).toMatchObject({ id: 1n, proposer: keys[0].address, change })
    expect(await view('proposalState', [1n])).toBe(1)

    const [v1, v2] = await block([0, gov('vote', [1n, true])], [1, gov('vote', [1n, true])])
    expect(events(v1).map((e) => e.eventName)).toEqual(['Voted'])
    expect(events(v2).map((e) => e.eventName)).toEqual(['Voted', 'ProposalQueued'])
    const queuedAt = v2.blockNumber
    expect(events(v2)[1].args).toEqual({ id: 1n, executableAtBlock: queuedAt + 4n })
    expect(await view('executableAtBlock', [1n])).toBe(queuedAt + 4n)
    expect(await view('proposalState', [1n])).toBe(2)

    while (node.headNumber() < queuedAt + 3n) await node.produceBlock()
    // Next block is queuedAt + 4: the execute lands in it; the probe after it sees the new config.
    const probeRecord = encodeFunctionData({ abi: Probe.abi, functionName: 'record' })
    const version = (await view('configVersion')) as bigint
    const [before, exec, after] = await block([5, probeRecord, probe], [6, gov('execute', [1n])], [7, probeRecord, probe])
    expect(before.status).toBe(1)
    expect(exec.status).toBe(1)
    expect(events(exec)).toMatchObject([{ eventName: 'ProposalExecuted', args: { id: 1n, configVersion: version + 1n } }])
    expect(after.status).toBe(1)
    expect(await view('seenVersion', [], probe, Probe.abi)).toBe(version + 1n)
    expect((await node.getRiskParams('latest')).imMultiplier).toBe(1.5)
    expect((await node.getRiskParams(exec.blockNumber - 1n)).imMultiplier).toBe(1.3)
    expect(await view('proposalState', [1n])).toBe(3)
    expect(exec.gasUsed).toBeLessThan(5_000_000n)
  })

  it('reverts with the reasons of SPEC section 7', async () => {
    expect(await reason(5, gov('propose', ['{"imMultiplier":1.6}']))).toBe('not council')
    expect(await reason(0, gov('propose', ['{"haircut":{"WBTC":0.97}}']))).toBe('haircut.WBTC: must be in [0, 0.95]')
    expect(await reason(0, gov('propose', ['{"haircut":']))).toMatch(/^malformed change: /)
    expect(await reason(0, gov('vote', [99n, true]))).toBe('unknown proposal')
    expect(await reason(0, gov('execute', [1n]))).toBe('already executed')
    const [r] = await block([0, gov('propose', ['{"imMultiplier":1.6}'])])
    expect(r.status).toBe(1)
    expect(await reason(5, gov('vote', [2n, true]))).toBe('not council')
    expect(await reason(0, gov('execute', [2n]))).toBe('no quorum')
    const [failed] = await block([0, gov('vote', [2n, true])], [0, gov('vote', [2n, false])])
    expect(failed.status).toBe(1)
    const [, again] = await block([1, gov('vote', [2n, true])], [1, gov('vote', [2n, false])])
    expect(again.status).toBe(0)
    expect(await reason(1, gov('vote', [2n, false]))).toBe('already voted')
    expect(await reason(2, gov('execute', [2n]))).toBe('timelock')
    expect(await node.getProposal(2n, 'latest')).toMatchObject({ state: 'queued', yes: [keys[0].address, keys[1].address] })
  })

  it('sees a contract as the caller, and refuses votes under STATICCALL', async () => {
    const data = encodeFunctionData({ abi: Probe.abi, functionName: 'tryPropose', args: ['{"imMultiplier":2}'] })
    expect(await reason(0, data, probe)).toBe('not council')
    expect(await view('staticVote', [2n], probe, Probe.abi)).toBe(false)
  })
})

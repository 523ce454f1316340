/**
 * Nothing a transaction does can hurt the chain (DESIGN.md, "Containment"), on in-process nodes:
 * - a precompile that writes margin state and then throws a JavaScript error mid-call reverts its
 *   frame with `"internal error"` — called directly, and from a contract that catches it and goes
 *   on — and the block, the next blocks and a restart see every balance as it was;
 * - a store failure under a precompile stops production without committing anything.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { encodeFunctionData, type Hex, parseAbi } from 'viem'
import { afterEach, describe, expect, it } from 'vitest'
import { createNode, type Node } from '../chain/node.ts'
import { MARGIN_ADDRESS } from '../execution/precompiles/addresses.ts'
import type { PrecompileSpec } from '../execution/precompiles/definePrecompile.ts'
import { MARGIN_ABI } from '../execution/precompiles/margin.ts'
import { DEV_ACCOUNTS, devGenesis } from '../genesis/dev.ts'
import { StoreFailureError } from '../lib/errors.ts'
import { compileSolidity } from '../lib/solc.ts'
import { UmaStore } from '../state/umaStore.ts'
import { Driver } from './support/driver.ts'

const W = 10n ** 18n
const logger = pino({ level: 'silent' })
const EXPLODER = '0x0000000000000000000000000000000000000c01' as Hex
const EXPLODER_ABI = parseAbi(['function explode(address victim)'])
const VICTIM = DEV_ACCOUNTS[5][0].toLowerCase() as Hex

/** A precompile that credits `victim` 10^12 USDC, then throws `err()` before returning. */
function exploder(err: () => Error): PrecompileSpec {
  return {
    address: EXPLODER,
    abi: EXPLODER_ABI,
    handlers: {
      async explode([victim], call) {
        await new UmaStore(call.state).addBalance((victim as string).toLowerCase() as Hex, 1, 10n ** 30n)
        throw err()
      },
    },
  }
}

const CATCHER = `
pragma solidity ^0.8.20;
interface IExploder { function explode(address victim) external; }
contract Catcher {
  uint256 public afterValue;
  bytes public reason;
  function run(address victim) external {
    try IExploder(0x0000000000000000000000000000000000000C01).explode(victim) {} catch (bytes memory r) { reason = r; }
    afterValue = 42;
  }
}`

const dirs: string[] = []
const nodes: Node[] = []
afterEach(async () => {
  for (const n of nodes.splice(0)) await n.close().catch(() => {})
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

const genesisOf = new Map<string, ReturnType<typeof devGenesis>>()

/** A node on `datadir` (a fresh one when absent) with the exploder precompile at 0x…0c01. */
async function open(precompiles: PrecompileSpec[], datadir?: string): Promise<{ node: Node; datadir: string }> {
  const dir = datadir ?? mkdtempSync(join(tmpdir(), 'um-contain-'))
  if (!datadir) dirs.push(dir)
  const genesis = genesisOf.get(dir) ?? devGenesis()
  // Fresh genesis prices: margin calls run well within maxOracleAge of genesis.
  if (!genesisOf.has(dir)) genesis.timestamp = BigInt(Math.floor(Date.now() / 1000))
  genesisOf.set(dir, genesis)
  const node = await createNode({ datadir: dir, genesis, blockTimeMs: 50, logger, produce: false, precompiles })
  nodes.push(node)
  return { node, datadir: dir }
}

async function usdcOf(node: Node, account: Hex): Promise<bigint> {
  const { state } = await node.stateAt('latest')
  return new UmaStore(state).balance(account, 1)
}

describe('containment of a precompile that throws mid-call', () => {
  it('reverts the frame, keeps every balance, and survives a restart', async () => {
    const { node, datadir } = await open([exploder(() => new TypeError("Cannot read properties of undefined (reading 'x')"))])
    const driver = new Driver(node)
    const before = await usdcOf(node, VICTIM)
    expect(before).toBe(1_000_000n * W)

    // Called directly by a transaction.
    const direct = await driver.send(3, EXPLODER, encodeFunctionData({ abi: EXPLODER_ABI, functionName: 'explode', args: [VICTIM] }))
    // Called from a contract that catches the revert and goes on writing.
    const { Catcher } = compileSolidity({ 'Catcher.sol': CATCHER })
    const deploy = await driver.send(4, undefined as never, Catcher.bytecode)
    await node.produceBlock()
    const catcher = (await node.getReceipt(deploy))!.contractAddress!
    const nested = await driver.send(4, catcher, encodeFunctionData({ abi: Catcher.abi, functionName: 'run', args: [VICTIM] }))
    // And an ordinary margin transfer in the same block.
    const transfer = await driver.send(6, MARGIN_ADDRESS, encodeFunctionData({ abi: MARGIN_ABI, functionName: 'transfer', args: [VICTIM, 1, 7n * W] }))
    const block = (await node.produceBlock())!

    expect((await node.getReceipt(direct))!.status).toBe(0)
    expect((await node.getReceipt(nested))!.status).toBe(1)
    expect((await node.getReceipt(transfer))!.status).toBe(1)
    // The contract saw the revert reason and wrote after it.
    const after = await node.call({ to: catcher, data: encodeFunctionData({ abi: Catcher.abi, functionName: 'afterValue' }) }, 'latest')
    expect(after.ok && BigInt(after.returnData)).toBe(42n)
    const reason = await node.call({ to: catcher, data: encodeFunctionData({ abi: Catcher.abi, functionName: 'reason' }) }, 'latest')
    expect(reason.ok && Buffer.from(reason.returnData.slice(2), 'hex').toString('latin1')).toContain('internal error')
    // Nothing the exploder wrote remains; the transfer does.
    expect(await usdcOf(node, VICTIM)).toBe(before + 7n * W)

    // The chain goes on, and a restart finds the same head and balances.
    await driver.sendValue(7, DEV_ACCOUNTS[8][0], 1n)
    const next = (await node.produceBlock())!
    expect(next.header.number).toBe(block.header.number + 1n)
    const headRoot = Buffer.from(next.header.stateRoot).toString('hex')
    await node.close()
    const reopened = await open([exploder(() => new TypeError('boom'))], datadir)
    expect(reopened.node.headNumber()).toBe(next.header.number)
    const head = (await reopened.node.getBlockByNumber(reopened.node.headNumber()))!
    expect(Buffer.from(head.header.stateRoot).toString('hex')).toBe(headRoot)
    expect(await usdcOf(reopened.node, VICTIM)).toBe(before + 7n * W)
    expect(await usdcOf(reopened.node, DEV_ACCOUNTS[6][0].toLowerCase() as Hex)).toBe(1_000_000n * W - 7n * W)
  }, 60_000)

  it('stops on a store failure without committing the block', async () => {
    const { node, datadir } = await open([exploder(() => new StoreFailureError('disk gone'))])
    const driver = new Driver(node)
    await driver.sendValue(7, DEV_ACCOUNTS[8][0], 1n)
    await node.produceBlock()
    const head = node.headNumber()
    await driver.send(3, EXPLODER, encodeFunctionData({ abi: EXPLODER_ABI, functionName: 'explode', args: [VICTIM] }))
    // The block timer hears of it and stops; the CLI exits on `onFatal`.
    const fatal = new Promise<unknown>((resolve) => node.onFatal(resolve))
    node.startProducing()
    expect(await fatal).toBeInstanceOf(StoreFailureError)
    expect(node.headNumber()).toBe(head)
    await expect(node.produceBlock()).rejects.toBeInstanceOf(StoreFailureError)
    expect(node.headNumber()).toBe(head)
    await node.close()
    const reopened = await open([exploder(() => new TypeError('boom'))], datadir)
    expect(reopened.node.headNumber()).toBe(head)
    expect(await usdcOf(reopened.node, VICTIM)).toBe(1_000_000n * W)
  }, 60_000)
})

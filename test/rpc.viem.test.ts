/**
 * The RPC server in front of the real node, driven by viem over HTTP and WebSocket.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import solc from 'solc'
import {
  type Abi,
  BaseError,
  ContractFunctionRevertedError,
  createPublicClient,
  createWalletClient,
  defineChain,
  type Hex,
  http,
  parseEther,
  parseGwei,
  webSocket,
} from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createNode, type Node } from '../chain/node.ts'
import { DEV_ACCOUNTS, devGenesis } from '../genesis/dev.ts'
import { freePort } from '../lib/freePort.ts'
import { createRpcServer, type RpcServer } from '../rpc/server.ts'

const SOURCE = `
// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;
contract Emitter {
  event Ping(address indexed from, uint256 value);
  uint256 public count;
  function ping(uint256 value) external { count += 1; emit Ping(msg.sender, value); }
  function fail() external pure { revert("nope"); }
}`

function compile(): { abi: Abi; bytecode: Hex } {
  const input = {
    language: 'Solidity',
    sources: { 'Emitter.sol': { content: SOURCE } },
    settings: { evmVersion: 'cancun', outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } } },
  }
  const out = JSON.parse(solc.compile(JSON.stringify(input)))
  const c = out.contracts['Emitter.sol'].Emitter
  return { abi: c.abi, bytecode: `0x${c.evm.bytecode.object}` }
}

const chain = defineChain({
  id: 31338,
  name: 'unimargin dev',
  nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
  rpcUrls: { default: { http: ['http://127.0.0.1'] } },
})
const alice = privateKeyToAccount(DEV_ACCOUNTS[0][1])
const bob = privateKeyToAccount(DEV_ACCOUNTS[1][1])

let datadir: string
let node: Node
let server: RpcServer

beforeAll(async () => {
  datadir = mkdtempSync(join(tmpdir(), 'um-rpc-'))
  const logger = pino({ level: 'silent' })
  node = await createNode({ datadir, genesis: devGenesis(), blockTimeMs: 100, heartbeatMs: 500, logger })
  server = createRpcServer({ chain: node, host: '127.0.0.1', port: await freePort(), logger })
  await server.listen()
})
afterAll(async () => {
  await server?.close()
  await node?.close()
  rmSync(datadir, { recursive: true, force: true })
})

describe('viem against the node', () => {
  it('reads chain id, blocks and the dev balances over HTTP', async () => {
    const client = createPublicClient({ chain, transport: http(server.url) })
    expect(await client.getChainId()).toBe(31338)
    const genesis = await client.getBlock({ blockNumber: 0n })
    expect(genesis.number).toBe(0n)
    const latest = await client.getBlock()
    expect(latest.hash).toMatch(/^0x[0-9a-f]{64}$/)
    expect(await client.getBalance({ address: alice.address, blockNumber: 0n })).toBe(parseEther('10000'))
    const safe = await client.getBlock({ blockTag: 'safe' })
    expect(safe.number).toBeGreaterThanOrEqual(0n)
    expect(await client.getBlock({ blockNumber: 10_000_000n }).catch((e) => e.name)).toBe('BlockNotFoundError')
  })

  it('mines a transfer, then deploys, calls and watches a contract', async () => {
    const pub = createPublicClient({ chain, transport: http(server.url) })
    const wallet = createWalletClient({ chain, account: alice, transport: http(server.url) })
    const before = await pub.getBalance({ address: bob.address })
    const hash = await wallet.sendTransaction({ to: bob.address, value: parseEther('1') })
    const receipt = await pub.waitForTransactionReceipt({ hash, pollingInterval: 50 })
    expect(receipt.status).toBe('success')
    expect(await pub.getBalance({ address: bob.address })).toBe(before + parseEther('1'))
    const tx = await pub.getTransaction({ hash })
    expect(tx.from.toLowerCase()).toBe(alice.address.toLowerCase())
    expect(tx.blockNumber).toBe(receipt.blockNumber)
    expect(tx.gasPrice).toBe(receipt.effectiveGasPrice)

    const { abi, bytecode } = compile()
    const deployHash = await wallet.deployContract({ abi, bytecode })
    const deployed = await pub.waitForTransactionReceipt({ hash: deployHash, pollingInterval: 50 })
    const address = deployed.contractAddress as Hex
    expect(address).toMatch(/^0x[0-9a-f]{40}$/i)

    // WebSocket: a logs subscription and newHeads via watchBlocks.
    const wsClient = createPublicClient({ chain, transport: webSocket(server.wsUrl) })
    const pushed: unknown[] = []
    const heads: bigint[] = []
    const unwatchEvent = wsClient.watchContractEvent({ address, abi, eventName: 'Ping', onLogs: (l) => pushed.push(...l) })
    const unwatchBlocks = wsClient.watchBlocks({ onBlock: (b) => heads.push(b.number) })
    // HTTP: a polling filter (eth_newFilter / eth_getFilterChanges).
    const polled: unknown[] = []
    const unwatchPoll = pub.watchContractEvent({ address, abi, eventName: 'Ping', pollingInterval: 100, onLogs: (l) => polled.push(...l) })
    await new Promise((r) => setTimeout(r, 300))

    const pingHash = await wallet.writeContract({ address, abi, functionName: 'ping', args: [42n], maxFeePerGas: parseGwei('50') })
    const pinged = await pub.waitForTransactionReceipt({ hash: pingHash, pollingInterval: 50 })
    expect(pinged.logs).toHaveLength(1)
    expect(await pub.readContract({ address, abi, functionName: 'count' })).toBe(1n)
    const logs = await pub.getContractEvents({ address, abi, eventName: 'Ping', fromBlock: 0n })
    expect(logs).toHaveLength(1)
    expect((logs[0] as any).args.value).toBe(42n)

    const deadline = Date.now() + 5000
    while ((pushed.length === 0 || polled.length === 0 || heads.length < 2) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50))
    }
    unwatchEvent()
    unwatchBlocks()
    unwatchPoll()
    expect(pushed).toHaveLength(1)
    expect((pushed[0] as any).transactionHash).toBe(pingHash)
    expect(polled).toHaveLength(1)
    expect(heads.length).toBeGreaterThanOrEqual(2)
    expect(heads[1]).toBeGreaterThan(heads[0])
    await wsClient.transport.getRpcClient?.().then((c: any) => c.close())

    // eth_call of a reverting function: code 3 with the reason, decoded by viem.
    const err = await pub.simulateContract({ address, abi, functionName: 'fail', account: alice.address }).catch((e) => e)
    expect(err).toBeInstanceOf(BaseError)
    const revert = (err as BaseError).walk((e) => e instanceof ContractFunctionRevertedError) as ContractFunctionRevertedError
    expect(revert?.reason).toBe('nope')
    const estimate = await pub.estimateContractGas({ address, abi, functionName: 'fail', account: alice.address }).catch((e) => e)
    expect(String(estimate.message)).toContain('nope')
  })

  it('answers eth_getProof and eth_feeHistory in the shape viem reads', async () => {
    const pub = createPublicClient({ chain, transport: http(server.url) })
    const proof = await pub.getProof({ address: alice.address, storageKeys: [`0x${'00'.repeat(32)}`] })
    expect(proof.accountProof.length).toBeGreaterThan(0)
    expect(proof.storageProof[0].value).toBe(0n)
    const fees = await pub.getFeeHistory({ blockCount: 4, rewardPercentiles: [50] })
    expect(fees.baseFeePerGas.length).toBeGreaterThan(0)
    expect(await pub.estimateFeesPerGas()).toHaveProperty('maxFeePerGas')
  })
})

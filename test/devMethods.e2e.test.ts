/**
 * SPEC 9's developer methods against a real node, driven by viem as a protocol developer drives
 * Anvil: unlocked dev accounts (a JSON-RPC account sends, signs messages and typed data), and the
 * clock and mining controls; and none of it on a chain that is not the dev chain, unless asked.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createWalletClient, type Hex, http, parseEther, toHex, verifyMessage, verifyTypedData } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { devGenesisDocument } from '../genesis/dev.ts'
import { devAccounts, publicHttp, unimarginChain } from './support/clients.ts'
import { type NodeInstance, startNode } from './support/node.ts'
import { rpc, rpcResult } from './support/rpc.ts'

const typedData = {
  domain: { name: 'Venue', version: '1', chainId: 31338, verifyingContract: '0x0000000000000000000000000000000000000b01' as Hex },
  types: {
    Order: [
      { name: 'trader', type: 'address' },
      { name: 'size', type: 'int256' },
      { name: 'note', type: 'string' },
    ],
  },
  primaryType: 'Order' as const,
  message: { trader: devAccounts[1].address, size: -5n, note: 'a day forward' },
}

describe('developer methods on the dev chain', () => {
  let node: NodeInstance
  let client: ReturnType<typeof publicHttp>
  const wallet = (account: Hex) => createWalletClient({ account, chain: unimarginChain(node.url), transport: http(node.url) })
  const head = () => client.getBlock({ blockTag: 'latest' })
  /** The blocks after `from`, up to the head. */
  const blocksAfter = async (from: bigint) => {
    const top = await client.getBlockNumber({ cacheTime: 0 })
    const out = []
    for (let n = from + 1n; n <= top; n++) out.push(await client.getBlock({ blockNumber: n }))
    return out
  }

  beforeAll(async () => {
    node = await startNode({ args: ['--no-feeder'] })
    client = publicHttp(node.url)
  })
  afterAll(async () => {
    await node?.dispose()
  })

  it('lists the ten dev accounts, unlocked', async () => {
    const accounts = await rpcResult<Hex[]>(node.url, 'eth_accounts')
    expect(accounts).toEqual(devAccounts.map((a) => a.address.toLowerCase()))
  })

  it('sends a transaction from a JSON-RPC account (no key on the client) and mines it', async () => {
    const from = devAccounts[2].address
    const to = devAccounts[7].address
    const before = await client.getBalance({ address: to })
    const hash = await wallet(from).sendTransaction({ to, value: parseEther('1.5') })
    const receipt = await client.waitForTransactionReceipt({ hash, timeout: 10_000 })
    expect(receipt.status).toBe('success')
    expect(receipt.from).toBe(from.toLowerCase())
    expect(await client.getBalance({ address: to })).toBe(before + parseEther('1.5'))
    const tx = await client.getTransaction({ hash })
    expect(tx.type).toBe('eip1559')
    expect(tx.chainId).toBe(31338)
  })

  it('refuses to send from an account it holds no key for, as Anvil does', async () => {
    const stranger = '0x000000000000000000000000000000000000dEaD'
    await expect(wallet(stranger).sendTransaction({ to: devAccounts[0].address, value: 1n })).rejects.toThrow(/No Signer available/)
    const res = await rpc(node.url, 'eth_sendTransaction', [{ from: stranger, to: devAccounts[0].address, value: '0x1' }])
    expect(res.error).toMatchObject({ code: -32602, message: 'No Signer available' })
  })

  it('signs messages (personal_sign, eth_sign) and typed data with the dev keys', async () => {
    const address = devAccounts[3].address
    const signature = await wallet(address).signMessage({ message: 'hello margin' })
    expect(await verifyMessage({ address, message: 'hello margin', signature })).toBe(true)
    expect(await verifyMessage({ address: devAccounts[4].address, message: 'hello margin', signature })).toBe(false)
    const raw = toHex('raw bytes')
    const ethSign = await rpcResult<Hex>(node.url, 'eth_sign', [address, raw])
    expect(await verifyMessage({ address, message: { raw }, signature: ethSign })).toBe(true)
    const typed = await wallet(address).signTypedData(typedData)
    expect(await verifyTypedData({ address, ...typedData, signature: typed })).toBe(true)
    expect(await verifyTypedData({ address, ...typedData, message: { ...typedData.message, size: 5n }, signature: typed })).toBe(false)
  })

  it('evm_increaseTime(86400) then evm_mine: the next block is a day ahead', async () => {
    const before = await head()
    const offset = await rpcResult<number>(node.url, 'evm_increaseTime', [86_400])
    expect(offset).toBeGreaterThanOrEqual(86_400)
    expect(await rpcResult(node.url, 'evm_mine')).toBe('0x0')
    const mined = await blocksAfter(before.number)
    expect(mined.length).toBeGreaterThanOrEqual(1)
    expect(mined[0].timestamp - before.timestamp).toBeGreaterThanOrEqual(86_400n)
    // The wall clock plus the offset, not a jump to somewhere else.
    expect(mined[0].timestamp).toBeLessThanOrEqual(BigInt(Math.floor(Date.now() / 1000) + offset + 1))
  })

  it('evm_setNextBlockTimestamp stamps the next block exactly, and time runs on from there', async () => {
    const before = await head()
    const at = before.timestamp + 1_000_000n
    expect(await rpcResult(node.url, 'evm_setNextBlockTimestamp', [Number(at)])).toBeNull()
    await rpcResult(node.url, 'evm_mine')
    const mined = await blocksAfter(before.number)
    expect(mined[0].timestamp).toBe(at)
    await rpcResult(node.url, 'evm_mine')
    expect((await head()).timestamp).toBeGreaterThanOrEqual(at)
    const back = await rpc(node.url, 'evm_setNextBlockTimestamp', [Number(before.timestamp)])
    expect(back.error?.code).toBe(-32602)
    expect(back.error?.message).toMatch(/Timestamp error: \d+ is lower than previous block's timestamp/)
  })

  it('evm_mine with a timestamp, and anvil_mine(count, interval)', async () => {
    const before = await head()
    const at = before.timestamp + 500n
    await rpcResult(node.url, 'evm_mine', [toHex(at)])
    const [first] = await blocksAfter(before.number)
    expect(first.timestamp).toBe(at)
    const start = await head()
    expect(await rpcResult(node.url, 'anvil_mine', ['0x3', '0x3c'])).toBeNull()
    const after = await head()
    expect(after.number - start.number).toBeGreaterThanOrEqual(3n)
    expect(after.timestamp - start.timestamp).toBeGreaterThanOrEqual(180n)
  })
})

describe('developer methods elsewhere', () => {
  let dir: string
  let file: string
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'um-devmethods-'))
    file = join(dir, 'genesis.json')
    writeFileSync(file, JSON.stringify(devGenesisDocument()))
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('are absent with a genesis file, and served with --dev-methods', { timeout: 180_000 }, async () => {
    const plain = await startNode({ args: ['--no-feeder', '--genesis', file] })
    try {
      expect(await rpcResult(plain.url, 'eth_accounts')).toEqual([])
      expect((await rpc(plain.url, 'evm_mine')).error?.code).toBe(-32601)
      expect((await rpc(plain.url, 'evm_increaseTime', [60])).error?.code).toBe(-32601)
      const send = await rpc(plain.url, 'eth_sendTransaction', [{ from: devAccounts[0].address, to: devAccounts[1].address }])
      expect(send.error?.code).toBe(-32601)
    } finally {
      await plain.dispose()
    }
    const asked = await startNode({ args: ['--no-feeder', '--genesis', file, '--dev-methods'] })
    try {
      expect(await rpcResult<Hex[]>(asked.url, 'eth_accounts')).toHaveLength(10)
      expect(await rpcResult(asked.url, 'evm_increaseTime', ['0x3c'])).toBe(60)
    } finally {
      await asked.dispose()
    }
  })
})

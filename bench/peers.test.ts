import { afterAll, describe, expect, it } from 'vitest'
import { type Peer, startPeer } from './peers.ts'
import { rpc } from './rpc.ts'
import { devAccounts, signTransfers } from './transfers.ts'

// Keeps `npm run bench:tps` from rotting: the two reference peers start offline, answer with
// our chain id, mine a pre-signed transfer within a few blocks, and stop.
describe.each(['anvil', 'hardhat'] as const)('bench peer %s', (name) => {
  let peer: Peer | undefined
  afterAll(async () => {
    await peer?.stop()
  })

  it('starts with chain id 31338 and the dev accounts funded, mines a transfer, stops', async () => {
    peer = await startPeer(name, { startTimeoutMs: 30_000 })
    expect(BigInt(await rpc<string>(peer.url, 'eth_chainId'))).toBe(31338n)
    const [first] = devAccounts(10)
    const balance = BigInt(await rpc<string>(peer.url, 'eth_getBalance', [first.address, 'latest']))
    expect(balance).toBe(10_000n * 10n ** 18n)

    const { ordered } = await signTransfers({
      chainId: 31338,
      txs: 2,
      nonces: Array(10).fill(0),
      maxFeePerGasWei: 100n * 10n ** 9n,
      maxPriorityFeePerGasWei: 10n ** 9n,
    })
    for (const tx of ordered) {
      expect(await rpc<string>(peer.url, 'eth_sendRawTransaction', [tx.raw])).toBe(tx.hash)
    }
    const deadline = Date.now() + 5_000
    let receipt: { status: string } | null = null
    while (!receipt && Date.now() < deadline) {
      receipt = await rpc(peer.url, 'eth_getTransactionReceipt', [ordered[1].hash])
      if (!receipt) await new Promise((r) => setTimeout(r, 50))
    }
    expect(receipt?.status).toBe('0x1')

    const url = peer.url
    await peer.stop()
    peer = undefined
    await expect(rpc(url, 'eth_chainId')).rejects.toThrow()
  })
})

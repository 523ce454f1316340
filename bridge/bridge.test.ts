import { keccak256, parseEther, toHex, zeroAddress } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { devAccount, devKey, startTestL1, type TestL1 } from '../test/support/l1Fixture.ts'
import { type Bridge, createBridge } from './bridge.ts'
import { createMemoryBridgeStore } from './bridgeStore.ts'
import type { FinalDeposit, Withdrawal } from './types.ts'

let l1: TestL1
let bridge: Bridge
const credited: FinalDeposit[] = []
const alice = devAccount(1).address
const withdrawal: Withdrawal = {
  id: 1n,
  account: alice,
  assetId: 0,
  token: zeroAddress,
  amountWad: parseEther('0.5'),
  l1Recipient: alice,
  l2Block: 2n,
}

beforeAll(async () => {
  l1 = await startTestL1({ challengePeriodSeconds: 10 })
  bridge = await createBridge({
    sources: [{ chainId: 31337, portal: l1.dep.portal, finality: 'finalized', startBlock: l1.dep.portalBlock }],
    l1Rpc: l1.anvil.url,
    assets: [
      { token: l1.dep.tokens.USDC, assetId: 0, decimals: 6 },
      { token: zeroAddress, assetId: 1, decimals: 18 },
    ],
    store: createMemoryBridgeStore(),
    sink: {
      async credit(d) {
        credited.push(...d)
        return { l2Block: 42n }
      },
    },
    sequencerKey: devKey(0),
    commitmentSource: {
      latestCommitment: async () => ({ l2Block: 3n, stateRoot: keccak256(toHex(3)), withdrawals: [withdrawal] }),
    },
    challengePeriodSeconds: 10,
    pollIntervalMs: 50,
    commitIntervalMs: 100,
  })
})
afterAll(async () => {
  await bridge?.stop()
  await l1?.stop()
})

describe('createBridge', () => {
  it('answers bridge_status, bridge_getDeposits and bridge_getWithdrawal in the SPEC shapes', async () => {
    await l1.depositERC20({ from: 1, to: alice, token: l1.dep.tokens.USDC, amount: 2_500_000n })
    await l1.depositETH({ from: 1, to: alice, wei: parseEther('1') })
    await bridge.watcher.syncOnce()
    const latest = Number(await l1.pub.getBlockNumber())
    expect(bridge.status()).toEqual({
      sources: [
        {
          chainId: 31337,
          portal: l1.dep.portal,
          finality: 'finalized',
          l1Latest: latest,
          l1Safe: latest - 2,
          l1Finalized: latest - 4,
          lastCreditedDepositId: 0,
        },
      ],
      commitments: { last: null },
    })
    expect(bridge.deposits(alice)).toMatchObject([
      { depositId: 1, sourceChainId: 31337, assetId: 0, amount: '2.5', status: 'pending', l2Block: null },
      { depositId: 2, assetId: 1, amount: '1', status: 'pending', l2Block: null },
    ])
    expect(bridge.deposits(devAccount(2).address)).toEqual([])
    expect(await bridge.getWithdrawal(withdrawal)).toMatchObject({ id: 1, status: 'pending', amount: '0.5' })

    bridge.start()
    await l1.mine(5)
    const deadline = Date.now() + 15_000
    while ((credited.length < 2 || bridge.status().commitments.last === null) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50))
    }
    expect(credited.map((d) => d.depositId)).toEqual([1n, 2n])
    expect(bridge.deposits(alice).map((d) => [d.status, d.l2Block])).toEqual([
      ['credited', 42],
      ['credited', 42],
    ])
    expect(bridge.status().commitments.last).toMatchObject({ index: 0, l2Block: 3 })
    const w = await bridge.getWithdrawal(withdrawal)
    expect(w).toMatchObject({
      id: 1,
      account: alice,
      assetId: 0,
      token: zeroAddress,
      amount: '0.5',
      amountL1: '500000000000000000',
      status: 'committed',
      commitmentIndex: 0,
      proof: [],
    })
    expect(typeof w.finalizableAt).toBe('number')
    expect(bridge.l2BlockAt('finalized')).toBe(0n)
  })
})

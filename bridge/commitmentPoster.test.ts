import { type Address, createWalletClient, type Hex, http, keccak256, parseEther, toHex, zeroAddress } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { devAccount, startTestL1, type TestL1 } from '../test/support/l1Fixture.ts'
import { createMemoryBridgeStore } from './bridgeStore.ts'
import { type CommitmentSource, createCommitmentPoster } from './commitmentPoster.ts'
import { UnknownTokenError } from './errors.ts'
import { createViemL1Client } from './l1Client.ts'
import { portalAbi, testTokenAbi } from './portalAbi.ts'
import type { Withdrawal } from './types.ts'
import { getWithdrawalRecord } from './withdrawals.ts'
import { EMPTY_WITHDRAWAL_ROOT } from './withdrawalTree.ts'

const CHALLENGE = 30

/** A node stand-in: a head that moves and withdrawals made at chosen blocks. */
interface FakeNode {
  head: bigint
  withdrawals: Withdrawal[]
  source: CommitmentSource
}
function fakeNode(): FakeNode {
  const node: FakeNode = {
    head: 1n,
    withdrawals: [],
    source: {
      async latestCommitment(after: bigint) {
        return {
          l2Block: node.head,
          stateRoot: keccak256(toHex(node.head)),
          withdrawals: node.withdrawals.filter((w) => w.id > after && w.l2Block <= node.head),
        }
      },
    },
  }
  return node
}

let l1: TestL1
beforeAll(async () => {
  l1 = await startTestL1({ challengePeriodSeconds: CHALLENGE })
  await l1.depositETH({ from: 1, to: devAccount(1).address, wei: parseEther('5') })
  await l1.depositERC20({ from: 1, to: devAccount(1).address, token: l1.dep.tokens.USDC, amount: 10_000_000n })
})
afterAll(async () => {
  await l1?.stop()
})

async function newPoster(
  opts: { portal?: Address; store?: ReturnType<typeof createMemoryBridgeStore>; node?: FakeNode; key?: number } = {},
) {
  const node = opts.node ?? fakeNode()
  const portal = opts.portal ?? (await l1.deployPortal(CHALLENGE)).portal
  const poster = await createCommitmentPoster({
    chainId: l1.dep.l1ChainId,
    portal,
    client: createViemL1Client({ url: l1.anvil.url, account: devAccount(opts.key ?? 0), pollingIntervalMs: 50 }),
    source: node.source,
    store: opts.store ?? createMemoryBridgeStore(),
    challengePeriodSeconds: CHALLENGE,
    tokenDecimals: l1.dep.tokenDecimals,
    startBlock: l1.dep.portalBlock,
  })
  return { poster, node, portal }
}

describe('CommitmentPoster (Anvil)', () => {
  it('posts the newest L2 block once, and L2 safe/finalized follow the L1 heads of its block', async () => {
    const { poster, node, portal } = await newPoster()
    node.head = 5n
    const r = await poster.postOnce()
    expect(r.status).toBe('posted')
    if (r.status !== 'posted') return
    expect(r.commitment).toMatchObject({ index: 0, l2Block: 5n, withdrawalRoot: EMPTY_WITHDRAWAL_ROOT, withdrawalCount: 0 })
    const onL1 = await l1.pub.readContract({ address: portal, abi: portalAbi, functionName: 'commitments', args: [0n] })
    expect(onL1[0]).toBe(5n)
    expect(onL1[1]).toBe(keccak256(toHex(5n)))
    expect(await poster.postOnce()).toMatchObject({ status: 'skipped' })

    expect(poster.l2BlockAt('latest')).toBe(5n)
    expect(poster.l2BlockAt('safe')).toBe(0n)
    expect(poster.l2BlockAt('finalized')).toBe(0n)
    await l1.mine(2)
    await poster.refresh()
    expect(poster.l2BlockAt('safe')).toBe(5n)
    expect(poster.l2BlockAt('finalized')).toBe(0n)
    node.head = 9n
    await poster.postOnce()
    await l1.mine(2)
    await poster.refresh()
    expect([poster.l2BlockAt('latest'), poster.l2BlockAt('safe'), poster.l2BlockAt('finalized')]).toEqual([9n, 9n, 5n])
    expect(poster.commitments().map((c) => [c.index, c.l1Safe, c.l1Finalized])).toEqual([
      [0, true, true],
      [1, true, false],
    ])
    expect(poster.status()).toMatchObject({ last: { index: 1, l2Block: 9n } })
  })

  it('gives bridge_getWithdrawal records whose proof the portal pays after the challenge period, once', async () => {
    const { poster, node } = await newPoster({ portal: l1.dep.portal })
    const alice = devAccount(1).address
    const usdcTo = devAccount(8).address
    const ethTo = devAccount(9).address
    node.head = 3n
    node.withdrawals.push(
      {
        id: 1n,
        account: alice,
        assetId: 0,
        token: l1.dep.tokens.USDC,
        amountWad: 1_234_567_891_000_000_000n,
        l1Recipient: usdcTo,
        l2Block: 2n,
      },
      { id: 2n, account: alice, assetId: 1, token: zeroAddress, amountWad: parseEther('0.75'), l1Recipient: ethTo, l2Block: 3n },
      { id: 3n, account: alice, assetId: 1, token: zeroAddress, amountWad: 1n, l1Recipient: ethTo, l2Block: 4n },
    )
    const w1 = node.withdrawals[0]
    expect(await getWithdrawalRecord(poster, w1)).toMatchObject({ status: 'pending', commitmentIndex: null, proof: [] })

    const r = await poster.postOnce()
    expect(r).toMatchObject({ status: 'posted', commitment: { withdrawalCount: 2 } })
    const rec = await getWithdrawalRecord(poster, w1)
    expect(rec).toMatchObject({
      status: 'committed',
      commitmentIndex: 0,
      amountL1: 1_234_567n, // 6 decimals, rounded down
      remainderWad: 891_000_000_000n,
    })
    const commitTime = poster.commitments()[0].l1Timestamp
    expect(rec.finalizableAt).toBe(commitTime + BigInt(CHALLENGE))
    // Withdrawal 3 (L2 block 4) is not in the commitment of L2 block 3.
    expect((await getWithdrawalRecord(poster, node.withdrawals[2])).status).toBe('pending')

    const finalize = (x: typeof rec, amount = x.amountL1) =>
      l1.pub.simulateContract({
        address: l1.dep.portal,
        abi: portalAbi,
        functionName: 'finalizeWithdrawal',
        args: [x.id, x.account, x.token, amount, x.l1Recipient, BigInt(x.commitmentIndex ?? 0), x.proof],
        account: devAccount(4),
      })
    await expect(finalize(rec)).rejects.toThrow(/challenge period/)

    await l1.rpc('evm_increaseTime', [CHALLENGE])
    await l1.mine(1)
    await poster.refresh()
    expect((await getWithdrawalRecord(poster, w1)).status).toBe('finalizable')
    await expect(finalize(rec, rec.amountL1 + 1n)).rejects.toThrow(/invalid proof/)

    const before = await l1.pub.readContract({ address: l1.dep.tokens.USDC, abi: testTokenAbi, functionName: 'balanceOf', args: [usdcTo] })
    const { request } = await finalize(rec)
    const wallet = createWalletClient({ transport: http(l1.anvil.url), account: devAccount(4) })
    await l1.pub.waitForTransactionReceipt({ hash: await wallet.writeContract({ ...request, chain: null }) })
    const after = await l1.pub.readContract({ address: l1.dep.tokens.USDC, abi: testTokenAbi, functionName: 'balanceOf', args: [usdcTo] })
    expect(after - before).toBe(1_234_567n)
    expect((await getWithdrawalRecord(poster, w1)).status).toBe('finalized')
    await expect(finalize(rec)).rejects.toThrow(/already finalized/)

    // The next commitment holds all three; withdrawal 2 still proves against commitment 0.
    node.head = 4n
    await poster.postOnce()
    const r2 = await getWithdrawalRecord(poster, node.withdrawals[1])
    expect(r2.commitmentIndex).toBe(0)
    const r3 = await getWithdrawalRecord(poster, node.withdrawals[2])
    expect(r3).toMatchObject({ status: 'committed', commitmentIndex: 1, amountL1: 1n })
  })

  it('drops a commitment whose L1 block is reorged away and posts again', async () => {
    const { poster, node } = await newPoster()
    node.head = 2n
    await poster.postOnce()
    await l1.mine(6)
    await poster.refresh()
    const snap = await l1.rpc<Hex>('evm_snapshot')
    node.head = 7n
    expect(await poster.postOnce()).toMatchObject({ status: 'posted', commitment: { index: 1, l2Block: 7n } })
    await l1.rpc('evm_revert', [snap])
    await l1.mine(3)
    await poster.refresh()
    expect(poster.commitments().map((c) => c.l2Block)).toEqual([2n])
    expect(poster.l2BlockAt('latest')).toBe(2n)
    node.head = 8n
    expect(await poster.postOnce()).toMatchObject({ status: 'posted', commitment: { index: 1, l2Block: 8n } })
  })

  it('resumes from its store; a key that is not the sequencer gets a refusal as a value', async () => {
    const store = createMemoryBridgeStore()
    const { poster, node, portal } = await newPoster({ store })
    node.head = 4n
    node.withdrawals.push({
      id: 1n,
      account: devAccount(1).address,
      assetId: 1,
      token: zeroAddress,
      amountWad: 5n,
      l1Recipient: devAccount(1).address,
      l2Block: 3n,
    })
    await poster.postOnce()
    const again = await newPoster({ store, portal, node })
    const ids = (p: typeof poster) => p.commitments().map((c) => [c.index, c.l2Block, c.l1BlockHash, c.withdrawalRoot])
    expect(ids(again.poster)).toEqual(ids(poster))
    expect(ids(again.poster)).toHaveLength(1)
    expect(again.poster.withdrawals().map((w) => w.id)).toEqual([1n])
    expect(await again.poster.postOnce()).toMatchObject({ status: 'skipped' })

    const other = fakeNode()
    other.head = 100n
    const intruder = await newPoster({ portal, key: 3, node: other })
    const res = await intruder.poster.postOnce()
    expect(res).toMatchObject({ status: 'reverted' })
    if (res.status === 'reverted') expect(res.reason).toMatch(/not sequencer/)
  })

  it('refuses to commit a withdrawal in a token it has no decimals for', async () => {
    const { poster, node } = await newPoster()
    node.withdrawals.push({
      id: 1n,
      account: zeroAddress,
      assetId: 9,
      token: '0x000000000000000000000000000000000000dEaD',
      amountWad: 1n,
      l1Recipient: zeroAddress,
      l2Block: 1n,
    })
    await expect(poster.postOnce()).rejects.toThrow(UnknownTokenError)
  })
})

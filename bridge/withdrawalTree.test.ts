import { type Address, createWalletClient, type Hex, http, keccak256, parseEther, zeroAddress } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { devAccount, startTestL1, type TestL1 } from '../test/support/l1Fixture.ts'
import { portalAbi, testTokenAbi } from './portalAbi.ts'
import type { WithdrawalLeaf } from './types.ts'
import { createWithdrawalTree, EMPTY_WITHDRAWAL_ROOT, hashPair, processWithdrawalProof, withdrawalLeafHash } from './withdrawalTree.ts'

const addr = (i: number): Address => `0x${i.toString(16).padStart(40, '0')}`
const leaves = (n: number): WithdrawalLeaf[] =>
  Array.from({ length: n }, (_, i) => ({
    id: BigInt(i + 1),
    account: addr(0x1000 + i),
    token: i % 2 ? addr(0xbeef) : zeroAddress,
    amountL1: BigInt(1_000 * (i + 1)),
    l1Recipient: addr(0x2000 + i),
  }))

describe('withdrawalTree (pure)', () => {
  it('has the zero root when empty and the leaf as root for one leaf', () => {
    expect(createWithdrawalTree([]).root).toBe(EMPTY_WITHDRAWAL_ROOT)
    const [one] = leaves(1)
    const t = createWithdrawalTree([one])
    expect(t.root).toBe(withdrawalLeafHash(one))
    expect(t.proof(0)).toEqual([])
    expect(() => t.proof(1)).toThrow(RangeError)
  })

  it('hashes pairs sorted, so the order inside a pair does not matter', () => {
    const a = keccak256('0x01')
    const b = keccak256('0x02')
    expect(hashPair(a, b)).toBe(hashPair(b, a))
    const [lo, hi] = BigInt(a) < BigInt(b) ? [a, b] : [b, a]
    expect(hashPair(a, b)).toBe(keccak256(`${lo}${hi.slice(2)}` as Hex))
  })

  it('gives every leaf a proof to the root, for trees of 1 to 17 leaves, deterministically', () => {
    for (let n = 1; n <= 17; n++) {
      const ls = leaves(n)
      const t = createWithdrawalTree(ls)
      expect(createWithdrawalTree(ls).root).toBe(t.root)
      for (let i = 0; i < n; i++) {
        expect(processWithdrawalProof(withdrawalLeafHash(ls[i]), t.proof(i))).toBe(t.root)
        expect(t.proof(i).length).toBeLessThanOrEqual(Math.ceil(Math.log2(n)))
      }
    }
  })

  it('rejects a forged amount and a leaf moved to another position', () => {
    const ls = leaves(6)
    const t = createWithdrawalTree(ls)
    const forged = { ...ls[2], amountL1: ls[2].amountL1 + 1n }
    expect(processWithdrawalProof(withdrawalLeafHash(forged), t.proof(2))).not.toBe(t.root)
    expect(processWithdrawalProof(withdrawalLeafHash(ls[2]), t.proof(3))).not.toBe(t.root)
    // Swapping leaves within a pair keeps the root (sorted pairs); across pairs it does not.
    expect(createWithdrawalTree([ls[1], ls[0], ...ls.slice(2)]).root).toBe(t.root)
    expect(createWithdrawalTree([ls[2], ls[1], ls[0], ...ls.slice(3)]).root).not.toBe(t.root)
  })
})

describe('Portal verifies TypeScript proofs (Anvil)', () => {
  let l1: TestL1
  const sequencer = devAccount(0)
  const recipients = [devAccount(5).address, devAccount(6).address, devAccount(7).address]
  let ws: WithdrawalLeaf[]
  beforeAll(async () => {
    l1 = await startTestL1({ challengePeriodSeconds: 100 })
    // Fund the portal with deposits.
    await l1.depositETH({ from: 1, to: devAccount(1).address, wei: parseEther('10') })
    await l1.depositERC20({ from: 2, to: devAccount(2).address, token: l1.dep.tokens.USDC, amount: 5_000_000n })
    ws = [
      { id: 1n, account: devAccount(1).address, token: zeroAddress, amountL1: parseEther('1.25'), l1Recipient: recipients[0] },
      { id: 2n, account: devAccount(2).address, token: l1.dep.tokens.USDC, amountL1: 1_500_000n, l1Recipient: recipients[1] },
      { id: 3n, account: devAccount(2).address, token: l1.dep.tokens.USDC, amountL1: 7n, l1Recipient: recipients[2] },
    ]
  })
  afterAll(async () => {
    await l1?.stop()
  })

  const finalize = (w: WithdrawalLeaf, index: bigint, proof: Hex[], from = 3) =>
    l1.pub.simulateContract({
      address: l1.dep.portal,
      abi: portalAbi,
      functionName: 'finalizeWithdrawal',
      args: [w.id, w.account, w.token, w.amountL1, w.l1Recipient, index, proof],
      account: devAccount(from),
    })
  const send = async (req: Awaited<ReturnType<typeof finalize>>['request']) => {
    const wallet = createWalletClient({ transport: http(l1.anvil.url), account: req.account })
    const r = await l1.pub.waitForTransactionReceipt({ hash: await wallet.writeContract({ ...req, chain: null }) })
    expect(r.status).toBe('success')
  }

  it('pays after the challenge period, once, and refuses forged or early claims', async () => {
    const tree = createWithdrawalTree(ws)
    // Only the sequencer commits.
    await expect(
      l1.pub.simulateContract({
        address: l1.dep.portal,
        abi: portalAbi,
        functionName: 'commit',
        args: [1n, keccak256('0x01'), tree.root],
        account: devAccount(4),
      }),
    ).rejects.toThrow(/not sequencer/)
    const seq = createWalletClient({ transport: http(l1.anvil.url), account: sequencer })
    await l1.pub.waitForTransactionReceipt({
      hash: await seq.writeContract({
        address: l1.dep.portal,
        abi: portalAbi,
        functionName: 'commit',
        args: [10n, keccak256('0x01'), tree.root],
        chain: null,
      }),
    })
    expect(await l1.pub.readContract({ address: l1.dep.portal, abi: portalAbi, functionName: 'commitmentCount' })).toBe(1n)

    await expect(finalize(ws[0], 0n, tree.proof(0))).rejects.toThrow(/challenge period/)
    await l1.rpc('evm_increaseTime', [101])
    await l1.mine(1)

    await expect(finalize({ ...ws[0], amountL1: ws[0].amountL1 + 1n }, 0n, tree.proof(0))).rejects.toThrow(/invalid proof/)
    await expect(finalize({ ...ws[1], l1Recipient: devAccount(3).address }, 0n, tree.proof(1))).rejects.toThrow(/invalid proof/)
    await expect(finalize(ws[0], 1n, tree.proof(0))).rejects.toThrow(/unknown commitment/)

    const ethBefore = await l1.pub.getBalance({ address: recipients[0] })
    await send((await finalize(ws[0], 0n, tree.proof(0))).request)
    expect(await l1.pub.getBalance({ address: recipients[0] })).toBe(ethBefore + parseEther('1.25'))

    const usdc = (a: Address) =>
      l1.pub.readContract({ address: l1.dep.tokens.USDC, abi: testTokenAbi, functionName: 'balanceOf', args: [a] })
    const usdcBefore = await usdc(recipients[1])
    await send((await finalize(ws[1], 0n, tree.proof(1))).request)
    expect(await usdc(recipients[1])).toBe(usdcBefore + 1_500_000n)
    await send((await finalize(ws[2], 0n, tree.proof(2))).request) // the odd leaf carried up

    await expect(finalize(ws[0], 0n, tree.proof(0))).rejects.toThrow(/already finalized/)
    await expect(finalize(ws[1], 0n, tree.proof(1), 1)).rejects.toThrow(/already finalized/)
    expect(await l1.pub.readContract({ address: l1.dep.portal, abi: portalAbi, functionName: 'withdrawalFinalized', args: [2n] })).toBe(
      true,
    )
  })

  it('refuses unlisted tokens and zero deposits, and numbers deposits 1, 2, 3…', async () => {
    const before = await l1.pub.readContract({ address: l1.dep.portal, abi: portalAbi, functionName: 'nextDepositId' })
    await expect(
      l1.pub.simulateContract({
        address: l1.dep.portal,
        abi: portalAbi,
        functionName: 'depositERC20',
        args: [addr(0xdead), 1n, devAccount(1).address],
        account: devAccount(1),
      }),
    ).rejects.toThrow(/token not listed/)
    await expect(
      l1.pub.simulateContract({
        address: l1.dep.portal,
        abi: portalAbi,
        functionName: 'depositETH',
        args: [devAccount(1).address],
        value: 0n,
        account: devAccount(1),
      }),
    ).rejects.toThrow(/zero amount/)
    expect(before).toBe(3n) // two deposits in beforeAll
    await l1.depositETH({ from: 1, to: devAccount(1).address, wei: 1n })
    expect(await l1.pub.readContract({ address: l1.dep.portal, abi: portalAbi, functionName: 'nextDepositId' })).toBe(4n)
  })
})

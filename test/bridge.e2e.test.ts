/**
 * The bridge end to end (issue 7, SPEC 5 and 8) with viem against the real thing:
 * `unimargin devnet` (Anvil with 1-second blocks, finalized = latest − 4, the portal and tokens
 * deployed, the sequencer wired to it), and a node restarted between a deposit and its finality.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Address, createPublicClient, createWalletClient, type Hex, http, parseEther, parseEventLogs } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { portalAbi, testTokenAbi } from '../bridge/portalAbi.ts'
import { MARGIN_ABI } from '../execution/precompiles/margin.ts'
import { DEV_ACCOUNTS, devGenesisDocument } from '../genesis/dev.ts'
import { MARGIN_ADDRESS } from '../state/system/addresses.ts'
import { publicHttp, walletHttp } from './support/clients.ts'
import { type DevnetInstance, startDevnet } from './support/devnet.ts'
import { startTestL1, type TestL1 } from './support/l1Fixture.ts'
import { type NodeInstance, startNode } from './support/node.ts'

const USDC_ID = 1
const WETH_ID = 2
const acct = (i: number) => privateKeyToAccount(DEV_ACCOUNTS[i][1])
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await fn()
    if (v !== undefined && v !== false) return v
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(100)
  }
}

interface DepositJson {
  depositId: number
  sourceChainId: number
  l1Block: number
  l1TxHash: Hex
  assetId: number
  amount: string
  status: 'pending' | 'credited' | 'dropped'
  l2Block: number | null
}

/** Raw JSON-RPC to the L2 (the bridge_/margin_ methods viem has no action for). */
function l2Rpc(url: string) {
  const pub = publicHttp(url)
  return <T>(method: string, params: unknown[] = []) => pub.request({ method: method as never, params: params as never }) as Promise<T>
}

/** L1 helpers over viem: deposits from dev account `from`. */
function l1Of(url: string, portal: Address) {
  const pub = createPublicClient({ transport: http(url), pollingInterval: 100 })
  const wallet = (i: number) => createWalletClient({ transport: http(url), account: acct(i), pollingInterval: 100 })
  const mined = async (hash: Hex) => {
    const r = await pub.waitForTransactionReceipt({ hash })
    expect(r.status).toBe('success')
    return r
  }
  return {
    pub,
    wallet,
    rpc: <T>(method: string, params: unknown[] = []) => pub.request({ method: method as never, params: params as never }) as Promise<T>,
    async depositERC20(from: number, token: Address, amount: bigint, to: Address) {
      await mined(
        await wallet(from).writeContract({
          address: token,
          abi: testTokenAbi,
          functionName: 'approve',
          args: [portal, amount],
          chain: null,
        }),
      )
      return mined(
        await wallet(from).writeContract({
          address: portal,
          abi: portalAbi,
          functionName: 'depositERC20',
          args: [token, amount, to],
          chain: null,
        }),
      )
    },
    async depositETH(from: number, wei: bigint, to: Address) {
      return mined(
        await wallet(from).writeContract({
          address: portal,
          abi: portalAbi,
          functionName: 'depositETH',
          args: [to],
          value: wei,
          chain: null,
        }),
      )
    },
  }
}

const balanceOf = (url: string, account: Address, assetId: number) =>
  publicHttp(url).readContract({ address: MARGIN_ADDRESS, abi: MARGIN_ABI, functionName: 'balanceOf', args: [account, assetId] })

describe('bridge on the devnet', () => {
  let devnet: DevnetInstance
  let rpc: ReturnType<typeof l2Rpc>
  let l1: ReturnType<typeof l1Of>
  let l2Url: string

  beforeAll(async () => {
    devnet = await startDevnet(['--challenge-period', '5'])
    l2Url = devnet.json.l2Rpc
    rpc = l2Rpc(l2Url)
    l1 = l1Of(devnet.json.l1Rpc, devnet.json.portal)
  })
  afterAll(async () => {
    await devnet?.stop()
  })

  it('writes devnet.json and answers bridge_status', async () => {
    expect(devnet.json).toMatchObject({ l1ChainId: 31337, l2ChainId: 31338, challengePeriodSeconds: 5 })
    expect(await l1.pub.getChainId()).toBe(31337)
    const status = await rpc<{ sources: { chainId: number; portal: string; finality: unknown }[] }>('bridge_status')
    expect(status.sources).toEqual([
      expect.objectContaining({ chainId: 31337, portal: devnet.json.portal, finality: 'finalized', lastCreditedDepositId: 0 }),
    ])
    await expect(rpc('bridge_getWithdrawal', [999])).rejects.toThrow(/unknown withdrawal 999/)
    await expect(rpc('bridge_getDeposits', ['0x12'])).rejects.toThrow(/invalid argument 0/)
    expect(await rpc('bridge_getDeposits', [acct(9).address])).toEqual([])
  })

  it('an ERC-20 and an ETH deposit are pending (worth 0) until final, then credited exactly once', async () => {
    const to = acct(3).address
    const usdc0 = await balanceOf(l2Url, to, USDC_ID)
    const weth0 = await balanceOf(l2Url, to, WETH_ID)
    await l1.depositERC20(3, devnet.json.tokens.USDC, 2_500_000n, to) // 2.5 USDC (6 decimals)
    await l1.depositETH(3, parseEther('0.75'), to)

    const pending = await until('both deposits pending', async () => {
      const ds = await rpc<DepositJson[]>('bridge_getDeposits', [to])
      return ds.length === 2 && ds.every((d) => d.status === 'pending') ? ds : undefined
    })
    expect(pending).toMatchObject([
      { depositId: 1, sourceChainId: 31337, assetId: USDC_ID, amount: '2.5', status: 'pending', l2Block: null },
      { depositId: 2, sourceChainId: 31337, assetId: WETH_ID, amount: '0.75', status: 'pending', l2Block: null },
    ])
    const account = await rpc<{ pendingDeposits: unknown[] }>('margin_getAccount', [to])
    expect(account.pendingDeposits).toEqual([
      { depositId: 1, assetId: USDC_ID, amount: '2.5', sourceChainId: 31337, l1Block: pending[0].l1Block, status: 'pending' },
      { depositId: 2, assetId: WETH_ID, amount: '0.75', sourceChainId: 31337, l1Block: pending[1].l1Block, status: 'pending' },
    ])
    // Pending is worth nothing: the balances have not moved.
    expect(await balanceOf(l2Url, to, USDC_ID)).toBe(usdc0)
    expect(await balanceOf(l2Url, to, WETH_ID)).toBe(weth0)
    const finalizedNow = Number((await l1.pub.getBlock({ blockTag: 'finalized' })).number)
    expect(finalizedNow).toBeLessThan(pending[1].l1Block)

    const credited = await until('both credited', async () => {
      const ds = await rpc<DepositJson[]>('bridge_getDeposits', [to])
      return ds.every((d) => d.status === 'credited') ? ds : undefined
    })
    expect(credited.every((d) => typeof d.l2Block === 'number' && d.l2Block > 0)).toBe(true)
    // Credited only once its L1 block is final.
    expect(Number((await l1.pub.getBlock({ blockTag: 'finalized' })).number)).toBeGreaterThanOrEqual(pending[1].l1Block)
    expect(await balanceOf(l2Url, to, USDC_ID)).toBe(usdc0 + 2_500_000_000_000_000_000n)
    expect(await balanceOf(l2Url, to, WETH_ID)).toBe(weth0 + parseEther('0.75'))
    // The credit is in the block that says so, not before.
    const before = credited[0].l2Block! - 1
    expect(
      await publicHttp(l2Url).readContract({
        address: MARGIN_ADDRESS,
        abi: MARGIN_ABI,
        functionName: 'balanceOf',
        args: [to, USDC_ID],
        blockNumber: BigInt(before),
      }),
    ).toBe(usdc0)
    expect((await rpc<{ pendingDeposits: unknown[] }>('margin_getAccount', [to])).pendingDeposits).toEqual([])

    // Exactly once: more L1 and L2 blocks change nothing.
    await sleep(3_000)
    expect(await balanceOf(l2Url, to, USDC_ID)).toBe(usdc0 + 2_500_000_000_000_000_000n)
    expect(await balanceOf(l2Url, to, WETH_ID)).toBe(weth0 + parseEther('0.75'))
    const status = await rpc<{ sources: { lastCreditedDepositId: number }[] }>('bridge_status')
    expect(status.sources[0].lastCreditedDepositId).toBe(2)

    // The credit is a system transaction in its block, with SPEC 4's Deposit events in its
    // receipt: a wallet library finds them like any other event.
    const pub = publicHttp(l2Url)
    const events = await pub.getContractEvents({
      address: MARGIN_ADDRESS,
      abi: MARGIN_ABI,
      eventName: 'Deposit',
      args: { account: to },
      fromBlock: 0n,
    })
    expect(events.map((e) => e.args)).toEqual([
      { depositId: 1n, account: to, assetId: USDC_ID, amount: 2_500_000_000_000_000_000n, sourceChainId: 31337n },
      { depositId: 2n, account: to, assetId: WETH_ID, amount: parseEther('0.75'), sourceChainId: 31337n },
    ])
    expect(events.map((e) => Number(e.blockNumber))).toEqual(credited.map((d) => d.l2Block))
    const receipt = await pub.getTransactionReceipt({ hash: events[0].transactionHash })
    expect(receipt).toMatchObject({ status: 'success', gasUsed: 0n, transactionIndex: 0, to: MARGIN_ADDRESS })
    const block = await pub.getBlock({ blockNumber: events[0].blockNumber, includeTransactions: true })
    expect(block.transactions[0]).toMatchObject({
      hash: events[0].transactionHash,
      typeHex: '0x7e',
      from: '0xfffffffffffffffffffffffffffffffffffffffe',
    })
    const tx = await pub.getTransaction({ hash: events[0].transactionHash })
    expect(tx.input.slice(0, 10)).not.toBe('0x')
  })

  it('a deposit dropped by an L1 reorg is never credited', async () => {
    const to = acct(4).address
    const usdc0 = await balanceOf(l2Url, to, USDC_ID)
    const snapshot = await l1.rpc<Hex>('evm_snapshot')
    const r = await l1.depositERC20(4, devnet.json.tokens.USDC, 7_000_000n, to)
    await until('the doomed deposit pending', async () => {
      const ds = await rpc<DepositJson[]>('bridge_getDeposits', [to])
      return ds.some((d) => d.l1TxHash === r.transactionHash && d.status === 'pending')
    })
    expect(await l1.rpc<boolean>('evm_revert', [snapshot])).toBe(true)
    await l1.rpc('evm_mine')
    await l1.rpc('evm_mine')
    expect(await l1.pub.getTransactionReceipt({ hash: r.transactionHash }).catch(() => null)).toBeNull()

    const dropped = await until('dropped', async () => {
      const ds = await rpc<DepositJson[]>('bridge_getDeposits', [to])
      const d = ds.find((x) => x.l1TxHash === r.transactionHash)
      return d?.status === 'dropped' ? d : undefined
    })
    expect(dropped.amount).toBe('7')
    // Well past where it would have been final: still not credited.
    const latest = await l1.pub.getBlockNumber()
    await until('L1 finalized past the dropped block', async () => (await l1.pub.getBlock({ blockTag: 'finalized' })).number! > latest)
    await sleep(1_500)
    expect(await balanceOf(l2Url, to, USDC_ID)).toBe(usdc0)

    // The chain goes on: the next deposit (which re-uses the dropped one's id) is credited once.
    await l1.depositERC20(4, devnet.json.tokens.USDC, 1_000_000n, to)
    await until('the next deposit credited', async () => {
      const ds = await rpc<DepositJson[]>('bridge_getDeposits', [to])
      return ds.some((d) => d.status === 'credited' && d.amount === '1')
    })
    expect(await balanceOf(l2Url, to, USDC_ID)).toBe(usdc0 + 10n ** 18n)
    const ds = await rpc<DepositJson[]>('bridge_getDeposits', [to])
    expect(ds.find((d) => d.l1TxHash === r.transactionHash)?.status).toBe('dropped')
  })

  it('a withdrawal is burned at once, committed, refused early, finalized once with the RPC proof', async () => {
    const from = acct(3)
    const recipient = acct(6).address
    const l2 = publicHttp(l2Url)
    const usdc0 = await balanceOf(l2Url, from.address, USDC_ID)
    const hash = await walletHttp(l2Url, from).writeContract({
      address: MARGIN_ADDRESS,
      abi: MARGIN_ABI,
      functionName: 'withdraw',
      // The portal holds what was deposited (3.5 USDC so far): genesis L2 balances are unbacked.
      args: [USDC_ID, parseEther('2'), recipient],
    })
    const receipt = await l2.waitForTransactionReceipt({ hash })
    expect(receipt.status).toBe('success')
    const [ev] = parseEventLogs({ abi: MARGIN_ABI, eventName: 'Withdrawal', logs: receipt.logs })
    const id = Number(ev.args.id)
    // Burned at once, in the block of the call.
    expect(await balanceOf(l2Url, from.address, USDC_ID)).toBe(usdc0 - parseEther('2'))

    interface W {
      id: number
      account: Address
      assetId: number
      token: Address
      amount: string
      amountL1: string
      l1Recipient: Address
      status: string
      commitmentIndex: number | null
      proof: Hex[]
      finalizableAt: number | null
    }
    const committed = await until('committed', async () => {
      const w = await rpc<W>('bridge_getWithdrawal', [id])
      return w.status === 'committed' ? w : undefined
    })
    expect(committed).toMatchObject({
      id,
      account: from.address,
      assetId: USDC_ID,
      token: devnet.json.tokens.USDC,
      amount: '2',
      amountL1: '2000000',
      l1Recipient: recipient,
    })
    const args = (w: W, amount = BigInt(w.amountL1)) =>
      [BigInt(w.id), w.account, w.token, amount, w.l1Recipient, BigInt(w.commitmentIndex!), w.proof] as const
    const finalizer = l1.wallet(7)
    const simulate = (a: ReturnType<typeof args>) =>
      l1.pub.simulateContract({
        address: devnet.json.portal,
        abi: portalAbi,
        functionName: 'finalizeWithdrawal',
        args: a,
        account: finalizer.account,
      })
    await expect(simulate(args(committed))).rejects.toThrow(/challenge period/)

    const ready = await until('finalizable', async () => {
      const w = await rpc<W>('bridge_getWithdrawal', [id])
      return w.status === 'finalizable' ? w : undefined
    })
    expect(Number((await l1.pub.getBlock()).timestamp)).toBeGreaterThanOrEqual(ready.finalizableAt!)
    await expect(simulate(args(ready, BigInt(ready.amountL1) + 1n))).rejects.toThrow(/invalid proof/)

    const paid0 = await l1.pub.readContract({
      address: devnet.json.tokens.USDC,
      abi: testTokenAbi,
      functionName: 'balanceOf',
      args: [recipient],
    })
    const tx = await finalizer.writeContract({
      address: devnet.json.portal,
      abi: portalAbi,
      functionName: 'finalizeWithdrawal',
      args: args(ready),
      chain: null,
    })
    expect((await l1.pub.waitForTransactionReceipt({ hash: tx })).status).toBe('success')
    const paid1 = await l1.pub.readContract({
      address: devnet.json.tokens.USDC,
      abi: testTokenAbi,
      functionName: 'balanceOf',
      args: [recipient],
    })
    expect(paid1 - paid0).toBe(2_000_000n)
    await expect(simulate(args(ready))).rejects.toThrow(/already finalized/)
    expect((await rpc<W>('bridge_getWithdrawal', [id])).status).toBe('finalized')

    // safe/finalized on L2 follow the commitments the L1 holds as safe/finalized.
    const fin = await l2.getBlock({ blockTag: 'finalized' })
    const safe = await l2.getBlock({ blockTag: 'safe' })
    const latest = await l2.getBlockNumber()
    expect(fin.number).toBeGreaterThan(0n)
    expect(safe.number).toBeGreaterThanOrEqual(fin.number)
    expect(latest).toBeGreaterThanOrEqual(safe.number)
  })

  it('Ctrl-C stops the sequencer and Anvil, exit code 0', async () => {
    expect(await devnet.stop('SIGINT')).toBe(0)
    await expect(fetch(devnet.json.l1Rpc, { method: 'POST' })).rejects.toThrow()
    await expect(fetch(devnet.json.l2Rpc, { method: 'POST' })).rejects.toThrow()
  })
})

describe('bridge across a node restart', () => {
  let l1: TestL1
  let node: NodeInstance
  let dir: string

  beforeAll(async () => {
    // Automine L1 (blocks only when we send or mine), finalized = latest − 4.
    l1 = await startTestL1()
    dir = mkdtempSync(join(tmpdir(), 'unimargin-bridge-'))
    const config = join(dir, 'devnet.json')
    writeFileSync(
      config,
      JSON.stringify({
        l1ChainId: l1.dep.l1ChainId,
        portal: l1.dep.portal,
        tokens: l1.dep.tokens,
        challengePeriodSeconds: 10,
        portalBlock: Number(l1.dep.portalBlock),
      }),
    )
    // A key that is not the portal's sequencer: commits are refused in simulation, so the node
    // mines no L1 blocks of its own and the deposit's finality waits for the test.
    node = await startNode({
      args: ['--l1-rpc', l1.anvil.url, '--bridge-config', config, '--sequencer-key', DEV_ACCOUNTS[8][1], '--no-feeder'],
    })
  })
  afterAll(async () => {
    await node?.dispose()
    await l1?.stop()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  it('a deposit seen before a restart and final after it is credited once, not twice', async () => {
    const to = acct(2).address
    const rpc = l2Rpc(node.url)
    const usdc0 = await balanceOf(node.url, to, USDC_ID)
    await l1.depositERC20({ from: 2, to, token: l1.dep.tokens.USDC, amount: 3_000_000n })
    await until('pending', async () => {
      const ds = await rpc<DepositJson[]>('bridge_getDeposits', [to])
      return ds.length === 1 && ds[0].status === 'pending'
    })

    await node.restart()
    expect(await rpc<DepositJson[]>('bridge_getDeposits', [to])).toMatchObject([{ depositId: 1, status: 'pending' }])
    expect(await balanceOf(node.url, to, USDC_ID)).toBe(usdc0)

    await l1.mine(5)
    await until('credited', async () => {
      const ds = await rpc<DepositJson[]>('bridge_getDeposits', [to])
      return ds[0]?.status === 'credited'
    })
    expect(await balanceOf(node.url, to, USDC_ID)).toBe(usdc0 + 3n * 10n ** 18n)

    // Restart again after the credit and move the L1 on: still exactly once.
    await node.restart()
    await l1.mine(5)
    await sleep(2_000)
    expect(await balanceOf(node.url, to, USDC_ID)).toBe(usdc0 + 3n * 10n ** 18n)
    const status = await rpc<{ sources: { lastCreditedDepositId: number }[] }>('bridge_status')
    expect(status.sources[0].lastCreditedDepositId).toBe(1)
  })
})

describe('bridge with two sources of different finality (genesis bridge section)', () => {
  let l1: TestL1
  let node: NodeInstance
  let dir: string
  let fast: Address

  beforeAll(async () => {
    l1 = await startTestL1()
    const second = await l1.deployPortal()
    fast = second.portal
    dir = mkdtempSync(join(tmpdir(), 'unimargin-bridge-'))
    const genesis = join(dir, 'genesis.json')
    writeFileSync(
      genesis,
      JSON.stringify({
        ...devGenesisDocument(),
        bridge: {
          sources: [
            { chainId: 31337, portal: l1.dep.portal, finality: 'finalized', startBlock: Number(l1.dep.portalBlock) },
            { chainId: 31337, portal: fast, finality: { confirmations: 2 }, startBlock: Number(second.block) },
          ],
          tokens: l1.dep.tokens,
          challengePeriodSeconds: 10,
        },
      }),
    )
    // A genesis file and no --sequencer-key: no commitments, so the L1 moves only when we mine.
    node = await startNode({ args: ['--genesis', genesis, '--l1-rpc', l1.anvil.url, '--no-feeder'] })
  })
  afterAll(async () => {
    await node?.dispose()
    await l1?.stop()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  it('each source credits by its own rule', async () => {
    const to = acct(5).address // the test L1 mints tokens to dev accounts 0–3: deposit from 1
    const rpc = l2Rpc(node.url)
    const usdc0 = await balanceOf(node.url, to, USDC_ID)
    await l1.depositERC20({ from: 1, to, token: l1.dep.tokens.USDC, amount: 1_000_000n })
    await l1.depositERC20({ from: 1, to, token: l1.dep.tokens.USDC, amount: 20_000_000n, portal: fast })
    await until('both pending', async () => {
      const ds = await rpc<DepositJson[]>('bridge_getDeposits', [to])
      return ds.length === 2 && ds.every((d) => d.status === 'pending')
    })
    // One more L1 block: two confirmations for the fast source; far from finalized for the other.
    await l1.mine(1)
    await until(
      'the {confirmations: 2} deposit credited',
      async () => (await balanceOf(node.url, to, USDC_ID)) === usdc0 + 20n * 10n ** 18n,
    )
    await sleep(1_500)
    expect(await balanceOf(node.url, to, USDC_ID)).toBe(usdc0 + 20n * 10n ** 18n)
    const status = await rpc<{ sources: { portal: string; finality: unknown; lastCreditedDepositId: number }[] }>('bridge_status')
    expect(status.sources.map((s) => [s.finality, s.lastCreditedDepositId])).toEqual([
      ['finalized', 0],
      [{ confirmations: 2 }, 1],
    ])
    await l1.mine(4)
    await until('the finalized deposit credited', async () => (await balanceOf(node.url, to, USDC_ID)) === usdc0 + 21n * 10n ** 18n)
    const after = await rpc<{ sources: { lastCreditedDepositId: number }[] }>('bridge_status')
    expect(after.sources.map((s) => s.lastCreditedDepositId)).toEqual([1, 1])
  })
})

/**
 * Test fixture: an Anvil L1 with fast finality (`safe` = latest − 2, `finalized` = latest − 4),
 * the devnet contracts deployed, and helpers to deposit, mine and reorg. For tests only.
 */
import { type Address, createPublicClient, createWalletClient, getAddress, type Hex, http, type PublicClient } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { type AnvilInstance, startAnvil } from '../../app/devnet/anvil.ts'
import { type DevnetDeployment, deployDevnet } from '../../app/devnet/deployDevnet.ts'
import { compileBridgeContracts } from '../../bridge/contracts/compile.ts'
import { portalAbi, testTokenAbi } from '../../bridge/portalAbi.ts'
import { DEV_ACCOUNTS } from '../../genesis/dev.ts'

/** Dev account `i` as a viem local account. */
export const devAccount = (i: number) => privateKeyToAccount(DEV_ACCOUNTS[i][1])
/** Dev account `i`'s private key. */
export const devKey = (i: number) => DEV_ACCOUNTS[i][1]

/** A running test L1. */
export interface TestL1 {
  anvil: AnvilInstance
  dep: DevnetDeployment
  pub: PublicClient
  rpc<T = unknown>(method: string, params?: unknown[]): Promise<T>
  /** Mines `n` empty blocks. */
  mine(n?: number): Promise<void>
  /** Deposits ETH from dev account `from` to `to` on `portal`; returns its L1 block. */
  depositETH(a: { from: number; to: Address; wei: bigint; portal?: Address }): Promise<bigint>
  /** Approves and deposits an ERC-20; returns the deposit's L1 block. */
  depositERC20(a: { from: number; to: Address; token: Address; amount: bigint; portal?: Address }): Promise<bigint>
  /** Deploys another portal (sequencer dev account 0) listing the devnet tokens. */
  deployPortal(challengePeriodSeconds?: number): Promise<{ portal: Address; block: bigint }>
  stop(): Promise<void>
}

/** Starts Anvil with `slotsInAnEpoch: 2` and deploys the devnet contracts to it. */
export async function startTestL1(opts: { challengePeriodSeconds?: number } = {}): Promise<TestL1> {
  const anvil = await startAnvil({ slotsInAnEpoch: 2 })
  try {
    const dep = await deployDevnet({
      l1Rpc: anvil.url,
      challengePeriodSeconds: opts.challengePeriodSeconds ?? 10,
      mintTo: DEV_ACCOUNTS.slice(0, 4).map(([a]) => a as Address),
    })
    // cacheTime 0: a test reads the L1 head right after mining; a cached block number would be stale.
    const pub = createPublicClient({ transport: http(anvil.url), pollingInterval: 50, cacheTime: 0 }) as PublicClient
    const rpc = async <T>(method: string, params: unknown[] = []) =>
      (await pub.request({ method: method as never, params: params as never })) as T
    const walletOf = (i: number) => createWalletClient({ transport: http(anvil.url), account: devAccount(i), pollingInterval: 50 })
    interface Call {
      address: Address
      abi: unknown
      functionName: string
      args: unknown[]
      value?: bigint
    }
    const send = async (from: number, tx: Call) => {
      const hash = await walletOf(from).writeContract({ ...tx, chain: null } as never)
      const r = await pub.waitForTransactionReceipt({ hash })
      if (r.status !== 'success') throw new Error(`${tx.functionName} reverted`)
      return r.blockNumber
    }
    return {
      anvil,
      dep,
      pub,
      rpc,
      async mine(n = 1) {
        await rpc('anvil_mine', [`0x${n.toString(16)}`])
      },
      depositETH: ({ from, to, wei, portal = dep.portal }) =>
        send(from, {
          address: portal,
          abi: portalAbi,
          functionName: 'depositETH',
          args: [to],
          value: wei,
        }),
      async depositERC20({ from, to, token, amount, portal = dep.portal }) {
        const approve = { abi: testTokenAbi, functionName: 'approve', args: [portal, amount] }
        await send(from, { address: token, ...approve })
        const deposit = { abi: portalAbi, functionName: 'depositERC20', args: [token, amount, to] }
        return send(from, { address: portal, ...deposit })
      },
      async deployPortal(challengePeriodSeconds = 10) {
        const hash = await walletOf(0).deployContract({
          abi: portalAbi,
          bytecode: compileBridgeContracts().Portal.bytecode,
          args: [dep.sequencer, BigInt(challengePeriodSeconds), [dep.tokens.USDC, dep.tokens.WBTC]],
          chain: null,
        })
        const r = await pub.waitForTransactionReceipt({ hash })
        return { portal: getAddress(r.contractAddress as Address), block: r.blockNumber }
      },
      stop: () => anvil.stop(),
    }
  } catch (err) {
    await anvil.stop()
    throw err
  }
}

/** A value that is 0x-hex 32 bytes, for roots in tests. */
export const bytes32 = (n: number | bigint): Hex => `0x${BigInt(n).toString(16).padStart(64, '0')}`

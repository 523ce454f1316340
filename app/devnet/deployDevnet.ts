/**
 * Deploys the devnet's L1 side to an L1 (Anvil): TestToken USDC (6 decimals) and WBTC
 * (8 decimals), the Portal listing both, and mints L1 tokens to the ten dev accounts.
 */
import { type Address, createPublicClient, createWalletClient, getAddress, type Hex, http } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { compileBridgeContracts } from '../../bridge/contracts/compile.ts'
import { portalAbi, testTokenAbi } from '../../bridge/portalAbi.ts'
import { DEV_ACCOUNTS, DEV_CHAIN_ID } from '../../genesis/dev.ts'

/** Options of `deployDevnet`. */
export interface DeployDevnetOptions {
  /** The L1's HTTP JSON-RPC URL. */
  l1Rpc: string
  /** The address allowed to `commit`; dev account 0 by default. */
  sequencer?: Address
  /** Seconds between a commitment and the withdrawals it proves; 10 by default. */
  challengePeriodSeconds?: number
  /** Private key that deploys and mints; dev account 0 by default. */
  deployerKey?: Hex
  /** Who gets L1 tokens; the ten dev accounts by default. */
  mintTo?: readonly Address[]
  /** USDC per account, whole tokens; 1,000,000 by default. */
  usdcPerAccount?: bigint
  /** WBTC per account, whole tokens; 100 by default. */
  wbtcPerAccount?: bigint
}

/** What `deployDevnet` deployed: the L1 fields of `devnet.json` (SPEC section 8) and more. */
export interface DevnetDeployment {
  l1Rpc: string
  l1ChainId: number
  l2ChainId: number
  portal: Address
  tokens: { USDC: Address; WBTC: Address }
  challengePeriodSeconds: number
  sequencer: Address
  /** The L1 block that holds the portal: where the watcher starts scanning. */
  portalBlock: bigint
  /** L1 decimals by lower-case token address, the zero address (ETH) included. */
  tokenDecimals: Record<string, number>
}

/**
 * Deploys and mints, waiting for every receipt.
 *
 * @example
 * const l1 = await startAnvil()
 * const dep = await deployDevnet({ l1Rpc: l1.url })
 * writeFileSync('data/devnet.json', JSON.stringify({ ...dep, l2Rpc }))
 */
export async function deployDevnet(opts: DeployDevnetOptions): Promise<DevnetDeployment> {
  const { Portal, TestToken } = compileBridgeContracts()
  const account = privateKeyToAccount(opts.deployerKey ?? DEV_ACCOUNTS[0][1])
  const transport = http(opts.l1Rpc)
  const pub = createPublicClient({ transport, pollingInterval: 50 })
  const wallet = createWalletClient({ transport, account, pollingInterval: 50 })
  const l1ChainId = await pub.getChainId()
  const chain = null
  let nonce = await pub.getTransactionCount({ address: account.address, blockTag: 'pending' })

  const deployToken = (name: string, symbol: string, decimals: number) =>
    wallet.deployContract({
      abi: testTokenAbi,
      bytecode: TestToken.bytecode,
      args: [name, symbol, decimals],
      chain,
      nonce: nonce++,
    })
  const usdcTx = await deployToken('USD Coin (devnet)', 'USDC', 6)
  const wbtcTx = await deployToken('Wrapped BTC (devnet)', 'WBTC', 8)
  const [usdcR, wbtcR] = await Promise.all([
    pub.waitForTransactionReceipt({ hash: usdcTx }),
    pub.waitForTransactionReceipt({ hash: wbtcTx }),
  ])
  const USDC = getAddress(usdcR.contractAddress as Address)
  const WBTC = getAddress(wbtcR.contractAddress as Address)
  const challengePeriodSeconds = opts.challengePeriodSeconds ?? 10
  const sequencer = opts.sequencer ?? (DEV_ACCOUNTS[0][0] as Address)
  const portalTx = await wallet.deployContract({
    abi: portalAbi,
    bytecode: Portal.bytecode,
    args: [sequencer, BigInt(challengePeriodSeconds), [USDC, WBTC]],
    chain,
    nonce: nonce++,
  })
  const mints: Hex[] = []
  const holders = opts.mintTo ?? DEV_ACCOUNTS.map(([a]) => a as Address)
  for (const to of holders) {
    for (const [token, amount] of [
      [USDC, (opts.usdcPerAccount ?? 1_000_000n) * 10n ** 6n],
      [WBTC, (opts.wbtcPerAccount ?? 100n) * 10n ** 8n],
    ] as const) {
      mints.push(
        await wallet.writeContract({
          address: token,
          abi: testTokenAbi,
          functionName: 'mint',
          args: [to, amount],
          chain,
          nonce: nonce++,
        }),
      )
    }
  }
  const portalR = await pub.waitForTransactionReceipt({ hash: portalTx })
  const receipts = await Promise.all(mints.map((hash) => pub.waitForTransactionReceipt({ hash })))
  const failed = [usdcR, wbtcR, portalR, ...receipts].find((r) => r.status !== 'success')
  if (failed) throw new Error(`deployDevnet: transaction ${failed.transactionHash} reverted`)
  return {
    l1Rpc: opts.l1Rpc,
    l1ChainId,
    l2ChainId: DEV_CHAIN_ID,
    portal: getAddress(portalR.contractAddress as Address),
    tokens: { USDC, WBTC },
    challengePeriodSeconds,
    sequencer,
    portalBlock: portalR.blockNumber,
    tokenDecimals: {
      '0x0000000000000000000000000000000000000000': 18,
      [USDC.toLowerCase()]: 6,
      [WBTC.toLowerCase()]: 8,
    },
  }
}

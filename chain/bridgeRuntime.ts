/**
 * The bridge as a node runs it: the deposit watcher crediting through the node's block-start
 * system operation (execution/system/depositCredits.ts), the commitment poster reading the node's head and
 * withdrawals, the `safe`/`finalized` tags, and the reads behind `bridge_*` and
 * `margin_getAccount.pendingDeposits`. Its cursors live in the node's LevelDB under `g:`.
 */
import { bytesToHex } from '@ethereumjs/util'
import { type Address, getAddress, type Hex, zeroAddress } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import {
  type Bridge,
  type BridgedAsset,
  type BridgeStatusJson,
  createBridge,
  type DepositJson,
  type WithdrawalJson,
} from '../bridge/bridge.ts'
import type { CommitmentSource } from '../bridge/commitmentPoster.ts'
import { UnknownWithdrawalError } from '../bridge/errors.ts'
import { createLevelBridgeStore } from '../bridge/levelBridgeStore.ts'
import type { BridgeLogger, Withdrawal } from '../bridge/types.ts'
import { createDepositCredits, type DepositCredits } from '../execution/system/depositCredits.ts'
import type { BridgeGenesis } from '../genesis/validateBridge.ts'
import type { Asset } from '../risk/index.ts'
import { UmaStore } from '../state/system/umaStore.ts'
import type { Node } from './node.ts'
import type { MarginAccountView } from './types.ts'

/** What the `bridge_` RPC namespace reads (SPEC section 5 shapes). */
export interface BridgeApi {
  status(): BridgeStatusJson
  deposits(address: Hex): DepositJson[]
  getWithdrawal(id: bigint): Promise<WithdrawalJson>
}

/** Options of `startBridgeRuntime`. */
export interface BridgeRuntimeOptions {
  node: Node
  /** Sources, bridged tokens, challenge period (genesis `bridge`, or the devnet's). */
  setup: BridgeGenesis
  /** The market's assets (decimals and symbols): WETH ← ETH, the rest by `setup.tokens`. */
  assets: readonly Asset[]
  /** The L1 JSON-RPC URL. */
  l1Rpc: string
  /** The sequencer's L1 key; without it no commitments are posted. */
  sequencerKey?: Hex
  logger: BridgeLogger
  pollIntervalMs?: number
  commitIntervalMs?: number
}

/** The running bridge of a node. */
export interface BridgeRuntime extends BridgeApi {
  bridge: Bridge
  credits: DepositCredits
  /** `margin_getAccount.pendingDeposits` for `address`. */
  pendingDeposits(address: Hex): MarginAccountView['pendingDeposits']
  /** The sequencer's L1 address, when it posts commitments. */
  sequencer?: Address
  start(): void
  /** Stops the watcher and the poster, then fails any credit still queued. */
  stop(): Promise<void>
}

/**
 * L1 token ↔ L2 asset: ETH (zero address) ↔ WETH, `tokens[symbol]` ↔ that asset. An asset with no
 * L1 token gets a sentinel address (`0x…ffff<assetId>`) so its withdrawals still commit; the portal
 * cannot pay them (no contract there), so they stay burned.
 */
export function bridgedAssets(assets: readonly Asset[], tokens: Record<string, Hex>): BridgedAsset[] {
  return [...assets]
    .sort((a, b) => a.id - b.id)
    .map((a) => {
      const token =
        a.symbol === 'WETH'
          ? zeroAddress
          : tokens[a.symbol] !== undefined
            ? getAddress(tokens[a.symbol])
            : getAddress(`0x${(0xffff_0000_0000n + BigInt(a.id)).toString(16).padStart(40, '0')}`)
      return { token, assetId: a.id, decimals: a.symbol === 'WETH' ? 18 : a.decimals }
    })
}

/**
 * Creates the bridge over `node` and wires it in (block-start credits, safe/finalized tags); call
 * `start` once the node produces blocks.
 *
 * @example
 * const rt = await startBridgeRuntime({ node, setup: genesis.bridge, assets, l1Rpc, sequencerKey, logger })
 * node.startProducing(); rt.start()
 */
export async function startBridgeRuntime(opts: BridgeRuntimeOptions): Promise<BridgeRuntime> {
  const { node } = opts
  const assets = bridgedAssets(opts.assets, opts.setup.tokens)
  const tokenOf = new Map(assets.map((a) => [a.assetId, a]))
  const credits = createDepositCredits({
    // Only real L1 tokens credit; the sentinel addresses of unbridged assets never deposit.
    assets: assets.filter((a) => !a.token.toLowerCase().startsWith('0x0000000000000000000000000000ffff')),
    readState: async () => (await node.stateAt('latest')).state,
    logger: opts.logger,
  })

  const toWithdrawal = (w: NonNullable<Awaited<ReturnType<UmaStore['withdrawal']>>>): Withdrawal => ({
    id: w.id,
    account: getAddress(w.account),
    assetId: w.assetId,
    token: tokenOf.get(w.assetId)?.token ?? zeroAddress,
    amountWad: w.amount,
    l1Recipient: getAddress(w.l1Recipient),
    l2Block: w.l2Block,
  })

  const commitmentSource: CommitmentSource = {
    async latestCommitment(afterWithdrawalId) {
      const { state, block } = await node.stateAt('latest')
      const store = new UmaStore(state)
      const count = await store.withdrawalCount()
      const withdrawals: Withdrawal[] = []
      for (let id = afterWithdrawalId + 1n; id <= count; id++) {
        const w = await store.withdrawal(id)
        if (w && w.l2Block <= block.header.number) withdrawals.push(toWithdrawal(w))
      }
      return {
        l2Block: block.header.number,
        stateRoot: bytesToHex(block.header.stateRoot) as Hex,
        withdrawals,
      }
    },
  }

  const bridge = await createBridge({
    sources: opts.setup.sources,
    l1Rpc: opts.l1Rpc,
    assets,
    store: createLevelBridgeStore(node.keyValueStore()),
    sink: credits,
    sequencerKey: opts.sequencerKey,
    commitmentSource,
    challengePeriodSeconds: opts.setup.challengePeriodSeconds,
    pollIntervalMs: opts.pollIntervalMs ?? 500,
    commitIntervalMs: opts.commitIntervalMs ?? 2_000,
    logger: opts.logger,
  })
  node.attachBridge(credits, (tag) => bridge.l2BlockAt(tag))

  return {
    bridge,
    credits,
    sequencer: opts.sequencerKey ? privateKeyToAccount(opts.sequencerKey).address : undefined,
    status: () => bridge.status(),
    deposits: (address) => bridge.deposits(getAddress(address)),
    async getWithdrawal(id) {
      const { state } = await node.stateAt('latest')
      const w = await new UmaStore(state).withdrawal(id)
      if (!w) throw new UnknownWithdrawalError(id)
      return bridge.getWithdrawal(toWithdrawal(w))
    },
    pendingDeposits(address) {
      return bridge
        .deposits(getAddress(address))
        .filter((d) => d.status === 'pending')
        .map((d) => ({
          depositId: d.depositId,
          assetId: d.assetId,
          amount: d.amount,
          sourceChainId: d.sourceChainId,
          l1Block: d.l1Block,
          status: d.status,
        }))
    },
    start: () => bridge.start(),
    async stop() {
      await bridge.stop()
      credits.failAll(new Error('node stopping'))
    },
  }
}

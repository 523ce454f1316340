/**
 * Fees as the chain prices them (EIP-1559 with a genesis floor) and as wallets ask about them:
 * the next base fee, a suggested gas price and tip, and `eth_feeHistory` computed as geth does.
 */
import type { Block } from '@ethereumjs/block'
import { effectiveGasPrice } from '../execution/blockPipeline.ts'
import { isSystemTx } from '../execution/system/systemTx.ts'
import type { BlockTag } from '../state/types.ts'
import type { BlockReads } from './blockReads.ts'
import type { FeeHistory } from './types.ts'

/** Suggested priority fee, wei. */
export const SUGGESTED_TIP = 1_000_000n
/** Most blocks one `eth_feeHistory` covers (geth's limit). */
const MAX_FEE_HISTORY_BLOCKS = 1024

/** Base fee of the block after `parent` (EIP-1559, never below `floor`). */
export function nextBaseFee(parent: Block, floor: bigint): bigint {
  const fee = parent.header.calcNextBaseFee()
  return fee < floor ? floor : fee
}

/**
 * `eth_feeHistory`: base fees (and the next block's), gas used ratios and, with `percentiles`,
 * the priority fees paid at each percentile of gas used, for `blockCount` blocks up to `newest`.
 */
export async function feeHistory(
  blocks: BlockReads,
  floor: bigint,
  blockCount: number,
  newest: BlockTag,
  percentiles?: number[],
): Promise<FeeHistory> {
  const last = await blocks.resolveBlock(newest)
  const count = BigInt(Math.max(0, Math.min(blockCount, MAX_FEE_HISTORY_BLOCKS)))
  const first = last + 1n - count < 0n ? 0n : last + 1n - count
  const baseFeePerGas: bigint[] = []
  const gasUsedRatio: number[] = []
  const reward: bigint[][] = []
  let lastBlock: Block | undefined
  for (let n = first; n <= last && count > 0n; n++) {
    const block = (await blocks.getBlockByNumber(n))!
    lastBlock = block
    const baseFee = block.header.baseFeePerGas ?? 0n
    baseFeePerGas.push(baseFee)
    gasUsedRatio.push(Number(block.header.gasUsed) / Number(block.header.gasLimit))
    if (percentiles) reward.push(await rewards(blocks, block, baseFee, percentiles))
  }
  if (lastBlock) baseFeePerGas.push(nextBaseFee(lastBlock, floor))
  return { oldestBlock: first, baseFeePerGas, gasUsedRatio, ...(percentiles ? { reward } : {}) }
}

/** Priority fees paid at each percentile of gas used in `block` (as geth computes them). */
async function rewards(blocks: BlockReads, block: Block, baseFee: bigint, percentiles: number[]): Promise<bigint[]> {
  const receipts = await blocks.getBlockReceipts(block.header.number)
  if (receipts.length === 0) return percentiles.map(() => 0n)
  const items = block.transactions
    .map((tx, i) => ({ tx, tip: effectiveGasPrice(tx, baseFee) - baseFee, gas: receipts[i]?.gasUsed ?? 0n }))
    .filter((it) => !isSystemTx(it.tx))
    .sort((a, b) => (a.tip < b.tip ? -1 : a.tip > b.tip ? 1 : 0))
  const total = Number(block.header.gasUsed)
  return percentiles.map((p) => {
    const threshold = (total * p) / 100
    let sum = 0
    for (const it of items) {
      sum += Number(it.gas)
      if (sum >= threshold) return it.tip
    }
    return items[items.length - 1].tip
  })
}

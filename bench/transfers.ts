/**
 * Pre-signed EIP-1559 transfers for the throughput benchmark: signing happens before the clock
 * starts, so the figure measures the peer, not the load generator's elliptic-curve maths.
 */
import { type Address, type Hex, keccak256 } from 'viem'
import { type HDAccount, mnemonicToAccount } from 'viem/accounts'

/** The standard dev mnemonic whose accounts Anvil, Hardhat and our dev genesis fund. */
export const DEV_MNEMONIC = 'test test test test test test test test test test test junk'

/** One signed transaction, ready for `eth_sendRawTransaction`. */
export interface SignedTransfer {
  raw: Hex
  hash: Hex
  from: Address
  nonce: number
}

/** What {@link signTransfers} needs: the chain's id and each sender's next nonce. */
export interface TransferPlan {
  chainId: number
  /** Number of transfers in all; spread evenly over the senders (the first ones get the rest). */
  txs: number
  /** Next nonce per sender, in the order of {@link devAccounts}. */
  nonces: number[]
  /** Max fee per gas in wei: must cover the base fee of every block until the last is mined. */
  maxFeePerGasWei: bigint
  /** Priority fee (tip) per gas in wei. */
  maxPriorityFeePerGasWei: bigint
}

/** The result: transactions in send order, and the last one of each sender. */
export interface SignedTransfers {
  /** Interleaved by sender (s0n0, s1n0, …, s9n0, s0n1, …) so that nonce gaps stay short. */
  ordered: SignedTransfer[]
  /** Per sender (index as in {@link devAccounts}), its highest-nonce transfer; undefined if none. */
  lastOfSender: (SignedTransfer | undefined)[]
}

const accountsCache = new Map<number, HDAccount[]>()

/** The first `count` accounts of {@link DEV_MNEMONIC} (derivation path m/44'/60'/0'/0/i). */
export function devAccounts(count = 10): HDAccount[] {
  let list = accountsCache.get(count)
  if (!list) {
    list = Array.from({ length: count }, (_, i) => mnemonicToAccount(DEV_MNEMONIC, { addressIndex: i }))
    accountsCache.set(count, list)
  }
  return list
}

/**
 * Signs `plan.txs` transfers of 1 gwei, 21,000 gas each, from the dev accounts (consecutive
 * nonces per sender), each to the next dev account (sender i pays sender i+1), so no new
 * account is created and every peer does the same work.
 *
 * @example
 * const { ordered } = await signTransfers({ chainId: 31338, txs: 4000, nonces: Array(10).fill(0),
 *   maxFeePerGasWei: 100n * 10n ** 9n, maxPriorityFeePerGasWei: 10n ** 9n })
 */
export async function signTransfers(plan: TransferPlan): Promise<SignedTransfers> {
  const senders = devAccounts(plan.nonces.length)
  const n = senders.length
  const perSender = senders.map((_, i) => Math.floor(plan.txs / n) + (i < plan.txs % n ? 1 : 0))
  const bySender: SignedTransfer[][] = senders.map(() => [])
  for (let s = 0; s < n; s++) {
    const from = senders[s]
    const to = senders[(s + 1) % n].address
    for (let k = 0; k < perSender[s]; k++) {
      const nonce = plan.nonces[s] + k
      const raw = await from.signTransaction({
        type: 'eip1559',
        chainId: plan.chainId,
        nonce,
        to,
        value: 10n ** 9n,
        gas: 21_000n,
        maxFeePerGas: plan.maxFeePerGasWei,
        maxPriorityFeePerGas: plan.maxPriorityFeePerGasWei,
      })
      bySender[s].push({ raw, hash: keccak256(raw), from: from.address, nonce })
    }
  }
  const ordered: SignedTransfer[] = []
  const rounds = Math.max(0, ...perSender)
  for (let k = 0; k < rounds; k++) {
    for (let s = 0; s < n; s++) if (k < bySender[s].length) ordered.push(bySender[s][k])
  }
  return { ordered, lastOfSender: bySender.map((list) => list.at(-1)) }
}

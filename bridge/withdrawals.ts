/**
 * `bridge_getWithdrawal` records: where a withdrawal stands on its way to L1, and the exact
 * arguments of the portal's `finalizeWithdrawal` once it is committed.
 *
 * - `pending`: burned on L2, in no commitment yet;
 * - `committed`: in a commitment (the first that holds it), challenge period running;
 * - `finalizable`: the challenge period has passed (L1 time ≥ `finalizableAt`);
 * - `finalized`: the portal has paid it.
 *
 * `amountL1` is the 18-decimal L2 amount in the L1 token's base units, rounded DOWN;
 * `remainderWad` (the part below one L1 base unit) is not paid and stays burned.
 */
import type { Address, Hex } from 'viem'
import type { CommitmentPoster, KnownWithdrawal } from './commitmentPoster.ts'
import type { CommitmentRecord, Withdrawal } from './types.ts'
import { createWithdrawalTree } from './withdrawalTree.ts'

/** Where a withdrawal stands. */
export type WithdrawalStatus = 'pending' | 'committed' | 'finalizable' | 'finalized'

/** A withdrawal record (amounts as integers; the RPC layer formats units). */
export interface WithdrawalRecord {
  id: bigint
  account: Address
  assetId: number
  token: Address
  amountWad: bigint
  amountL1: bigint
  remainderWad: bigint
  l1Recipient: Address
  status: WithdrawalStatus
  /** The first commitment holding it; null while pending. */
  commitmentIndex: number | null
  /** Sibling hashes for `finalizeWithdrawal`; empty while pending. */
  proof: Hex[]
  /** Unix seconds from which the portal pays it; null while pending. */
  finalizableAt: bigint | null
}

/** Inputs of `buildWithdrawalRecord`. */
export interface BuildWithdrawalRecordArgs {
  withdrawal: KnownWithdrawal
  /** Every withdrawal the poster holds, by id (the leaves of the cumulative trees). */
  known: readonly KnownWithdrawal[]
  commitments: readonly CommitmentRecord[]
  challengePeriodSeconds: number
  /** The L1's current time, unix seconds. */
  nowSeconds: bigint
  /** Whether the portal has paid it. */
  finalizedOnL1: boolean
}

/** Builds the record from plain data (no I/O). */
export function buildWithdrawalRecord(a: BuildWithdrawalRecordArgs): WithdrawalRecord {
  const w = a.withdrawal
  const base = {
    id: w.id,
    account: w.account,
    assetId: w.assetId,
    token: w.token,
    amountWad: w.amountWad,
    amountL1: w.amountL1,
    remainderWad: w.remainderWad,
    l1Recipient: w.l1Recipient,
  }
  const position = a.known.findIndex((k) => k.id === w.id)
  const c = position < 0 ? undefined : a.commitments.find((x) => x.withdrawalCount > position)
  if (!c) {
    return { ...base, status: 'pending', commitmentIndex: null, proof: [], finalizableAt: null }
  }
  const tree = createWithdrawalTree(
    a.known.slice(0, c.withdrawalCount).map((k) => ({
      id: k.id,
      account: k.account,
      token: k.token,
      amountL1: k.amountL1,
      l1Recipient: k.l1Recipient,
    })),
  )
  const finalizableAt = c.l1Timestamp + BigInt(a.challengePeriodSeconds)
  const status: WithdrawalStatus = a.finalizedOnL1 ? 'finalized' : a.nowSeconds >= finalizableAt ? 'finalizable' : 'committed'
  return { ...base, status, commitmentIndex: c.index, proof: tree.proof(position), finalizableAt }
}

/**
 * The `bridge_getWithdrawal` record of `withdrawal` (as the node recorded it), from the poster's
 * commitments; asks the portal whether it is paid once committed. L1 time is the latest L1
 * block's timestamp the poster saw, unless `nowSeconds` is given.
 *
 * @throws L1UnavailableError when the L1 cannot be asked.
 */
export async function getWithdrawalRecord(
  poster: CommitmentPoster,
  withdrawal: Withdrawal,
  opts: { nowSeconds?: bigint } = {},
): Promise<WithdrawalRecord> {
  const known = poster.withdrawals()
  const w = known.find((k) => k.id === withdrawal.id) ?? poster.toL1(withdrawal)
  const draft = buildWithdrawalRecord({
    withdrawal: w,
    known,
    commitments: poster.commitments(),
    challengePeriodSeconds: poster.challengePeriodSeconds,
    nowSeconds: opts.nowSeconds ?? poster.heads()?.latestTimestamp ?? BigInt(Math.floor(Date.now() / 1000)),
    finalizedOnL1: false,
  })
  if (draft.status === 'pending') return draft
  const paid = await poster.client.isWithdrawalFinalized(poster.portal, w.id)
  return paid ? { ...draft, status: 'finalized' } : draft
}

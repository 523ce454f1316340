/**
 * Transactions in: decoding, the checks a transaction must pass before it waits in the pool
 * (signature, chain id, intrinsic and floor gas, the block gas limit, the base fee, the nonce)
 * and the feeder set whose price updates go first. The pool itself checks balances and bounds.
 */
import type { Block } from '@ethereumjs/block'
import type { Common } from '@ethereumjs/common'
import type { MerkleStateManager } from '@ethereumjs/statemanager'
import { Capability, getMinimumGasLimit, type TypedTransaction } from '@ethereumjs/tx'
import { Account, bytesToHex } from '@ethereumjs/util'
import type { Logger } from 'pino'
import { maxFeePerGas } from '../execution/blockPipeline.ts'
import { decodeRawTx, signedChainId } from '../execution/rawTx.ts'
import { readGovernedConfig } from '../state/system/governanceStore.ts'
import type { Hex } from '../state/types.ts'
import {
  FeeTooLowError,
  FloorDataGasError,
  GasLimitExceededError,
  IntrinsicGasTooLowError,
  InvalidTransactionError,
  NonceTooLowError,
  ShuttingDownError,
  WrongChainIdError,
} from './errors.ts'
import { HeadAccounts } from './headAccounts.ts'
import { type Mempool, toPoolTx } from './mempool.ts'
import { HeadFeeders, isPriceSubmission } from './priceUpdatePriority.ts'

export interface AdmissionDeps {
  chainId: bigint
  /** Decodes transactions without a `Common` copy per transaction. */
  txCommon: Common
  blockGasLimit: bigint
  mempool: Mempool
  log: Logger
  head(): Block
  /** The base fee the next block will have. */
  nextBaseFee(): bigint
  headState(): Promise<MerkleStateManager>
  closed(): boolean
  onPending(hash: Hex): void
}

export class Admission {
  /** Senders' accounts at the head (one state read per sender and block). */
  private readonly headAccounts = new HeadAccounts<Block>()
  /** The governed feeder set at the head, whose price updates go first. */
  private readonly headFeeders = new HeadFeeders<Block>()

  constructor(private readonly deps: AdmissionDeps) {}

  /**
   * Admits a signed raw transaction to the pool and returns its hash.
   *
   * @throws InvalidTransactionError, WrongChainIdError, a gas or fee error, NonceTooLowError,
   *   a pool refusal, or ShuttingDownError.
   */
  async send(raw: Uint8Array): Promise<Hex> {
    const d = this.deps
    if (d.closed()) throw new ShuttingDownError()
    const tx = this.decode(raw)
    const hash = bytesToHex(tx.hash()) as Hex
    let senderAddr: ReturnType<TypedTransaction['getSenderAddress']>
    try {
      senderAddr = tx.getSenderAddress()
    } catch (err) {
      throw new InvalidTransactionError('invalid sender', { cause: err })
    }
    const sender = senderAddr.toString().toLowerCase() as Hex
    const intrinsic = tx.getIntrinsicGas()
    if (tx.gasLimit < intrinsic) throw new IntrinsicGasTooLowError(tx.gasLimit, intrinsic)
    const floor = getMinimumGasLimit(tx, senderAddr)
    if (tx.gasLimit < floor) throw new FloorDataGasError(tx.gasLimit, floor)
    if (tx.gasLimit > d.blockGasLimit) throw new GasLimitExceededError(tx.gasLimit, d.blockGasLimit)
    const baseFee = d.nextBaseFee()
    const maxFee = maxFeePerGas(tx)
    if (maxFee < baseFee) throw new FeeTooLowError(maxFee, baseFee)
    // The account and the feeder set as of one head: a block accepted while they are read has
    // already moved the pool on to the next head.
    let account: Account
    let feeders: ReadonlySet<Hex>
    for (;;) {
      const head = d.head()
      account = (await this.headAccounts.get(head, sender, async () => (await d.headState()).getAccount(senderAddr))) ?? new Account()
      feeders = await this.feedersAt(head)
      if (head === d.head()) break
    }
    if (tx.nonce < account.nonce) throw new NonceTooLowError(senderAddr.toString() as Hex, account.nonce, tx.nonce)
    const priority = feeders.has(sender) && isPriceSubmission(tx)
    // The pool checks the balance against this and the sender's pooled transactions before it.
    const { evicted } = d.mempool.add(toPoolTx(tx, sender, hash, priority), account)
    if (evicted.length > 0) d.log.debug({ tx: hash, evicted: evicted.map((e) => e.hash) }, 'evicted to make room')
    d.onPending(hash)
    return hash
  }

  /** The governed oracle feeder set at `head` (lower case; empty without a margin genesis). */
  feedersAt(head: Block): ReadonlySet<Hex> | Promise<ReadonlySet<Hex>> {
    return this.headFeeders.get(head, async () => {
      const config = await readGovernedConfig(await this.deps.headState())
      return config?.oracle.feeders ?? []
    })
  }

  private decode(raw: Uint8Array): TypedTransaction {
    const chainId = this.deps.chainId
    if (raw.length === 0) throw new InvalidTransactionError('empty transaction')
    if (raw[0] === 3) throw new InvalidTransactionError('blob transactions are not supported')
    let tx: TypedTransaction
    try {
      tx = decodeRawTx(raw, this.deps.txCommon)
    } catch (err) {
      // A transaction signed for another chain does not decode with this chain's Common; the id
      // it was signed for is read from its bytes (@ethereumjs's message words it per type).
      const signedFor = signedChainId(raw)
      if (signedFor !== undefined && signedFor !== chainId) throw new WrongChainIdError(chainId, signedFor)
      const msg = (err as Error).message ?? ''
      throw new InvalidTransactionError(msg.split('\n')[0] || 'undecodable', { cause: err })
    }
    if (!tx.isSigned()) throw new InvalidTransactionError('transaction is not signed')
    if (tx.supports(Capability.EIP155ReplayProtection) && tx.common.chainId() !== chainId) {
      throw new WrongChainIdError(chainId, tx.common.chainId())
    }
    return tx
  }
}

/**
 * Reads of the world state at a block: accounts, code, storage, proofs, and the governed
 * configuration and proposals the margin system keeps in its system accounts. Every read opens
 * its own state manager at the block's root (callers may scribble inside a checkpoint); reads at
 * the head share one until the next block.
 */
import type { Block } from '@ethereumjs/block'
import type { Common } from '@ethereumjs/common'
import { getMerkleStateProof, type MerkleStateManager } from '@ethereumjs/statemanager'
import { type Account, bytesToHex, createAddressFromString, type DB, hexToBytes, KECCAK256_NULL, setLengthLeft } from '@ethereumjs/util'
import { listProposals, type Proposal, readProposal } from '../execution/governance/proposals.ts'
import { lendingOf } from '../genesis/lendingParams.ts'
import { openStateManager } from '../state/stateManager.ts'
import { readGovernedConfig } from '../state/system/governanceStore.ts'
import type { GovernedConfig, RiskParamsInForce } from '../state/system/types.ts'
import type { BlockTag, Hex } from '../state/types.ts'
import type { BlockReads } from './blockReads.ts'
import { NoMarginConfigError, UnknownBlockError, UnknownProposalError } from './errors.ts'
import type { AccountProof } from './types.ts'

export class StateReads {
  /** A read-only state at the head, replaced with every block. */
  private headState?: Promise<MerkleStateManager>

  constructor(
    private readonly trie: DB<string, string | Uint8Array>,
    private readonly common: Common,
    private readonly blocks: BlockReads,
    private readonly head: () => Block,
    /** Whether the genesis has a margin system (else governance reads refuse). */
    private readonly hasMargin: boolean,
  ) {}

  /** The head moved: the next head read opens the new head's state. */
  headMoved(): void {
    this.headState = undefined
  }

  /** A read-only state at the head (shared until the next block). */
  headStateNow(): Promise<MerkleStateManager> {
    if (this.headState === undefined) {
      this.headState = openStateManager(this.trie, { common: this.common, root: this.head().header.stateRoot, caches: true })
    }
    return this.headState
  }

  /** A fresh state manager at the state of block `tag` (callers may scribble inside a checkpoint). */
  async stateAt(tag: BlockTag): Promise<{ state: MerkleStateManager; block: Block }> {
    const n = await this.blocks.resolveBlock(tag)
    const block = await this.blocks.getBlockByNumber(n)
    if (block === undefined) throw new UnknownBlockError(`0x${n.toString(16)}`)
    const state = await openStateManager(this.trie, { common: this.common, root: block.header.stateRoot })
    return { state, block }
  }

  async accountAt(address: Hex, tag: BlockTag): Promise<Account | undefined> {
    const { state } = await this.stateAt(tag)
    return state.getAccount(createAddressFromString(address))
  }

  async getBalance(address: Hex, tag: BlockTag): Promise<bigint> {
    return (await this.accountAt(address, tag))?.balance ?? 0n
  }

  async getCode(address: Hex, tag: BlockTag): Promise<Hex> {
    const { state } = await this.stateAt(tag)
    return bytesToHex(await state.getCode(createAddressFromString(address))) as Hex
  }

  async getStorageAt(address: Hex, slot: Hex, tag: BlockTag): Promise<Hex> {
    const { state } = await this.stateAt(tag)
    const addr = createAddressFromString(address)
    const value =
      (await state.getAccount(addr)) === undefined ? new Uint8Array() : await state.getStorage(addr, setLengthLeft(hexToBytes(slot), 32))
    return bytesToHex(setLengthLeft(value, 32)) as Hex
  }

  async getProof(address: Hex, slots: Hex[], tag: BlockTag): Promise<AccountProof> {
    const { state } = await this.stateAt(tag)
    const proof = await getMerkleStateProof(
      state,
      createAddressFromString(address),
      slots.map((s) => setLengthLeft(hexToBytes(s), 32)),
    )
    return {
      address: address.toLowerCase() as Hex,
      balance: BigInt(proof.balance),
      codeHash: proof.codeHash === '0x' ? (bytesToHex(KECCAK256_NULL) as Hex) : (proof.codeHash as Hex),
      nonce: BigInt(proof.nonce),
      storageHash: proof.storageHash as Hex,
      accountProof: proof.accountProof as Hex[],
      storageProof: proof.storageProof.map((p, i) => ({
        key: slots[i],
        value: BigInt(p.value === '0x' ? 0 : p.value),
        proof: p.proof as Hex[],
      })),
    }
  }

  // ---------------------------------------------------------------- governance

  async getGovernedConfig(tag: BlockTag): Promise<GovernedConfig> {
    const { state } = await this.stateAt(tag)
    const config = await readGovernedConfig(state)
    if (config === undefined) throw new NoMarginConfigError()
    return config
  }

  async getRiskParams(tag: BlockTag): Promise<RiskParamsInForce> {
    const config = await this.getGovernedConfig(tag)
    return { ...config.riskParams, funding: config.funding, listing: config.listing, lending: lendingOf(config.market, config.lending) }
  }

  async getProposal(id: bigint, tag: BlockTag): Promise<Proposal> {
    const { state } = await this.stateAt(tag)
    if (!this.hasMargin) throw new NoMarginConfigError()
    const p = await readProposal(state, id)
    if (p === undefined) throw new UnknownProposalError(id)
    return p
  }

  async listProposals(tag: BlockTag): Promise<Proposal[]> {
    const { state } = await this.stateAt(tag)
    if (!this.hasMargin) throw new NoMarginConfigError()
    return listProposals(state)
  }
}

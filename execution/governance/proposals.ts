/**
 * The governance state machine of SPEC section 7 over the Governance precompile's storage:
 * council members propose changes (checked against the config in force) and vote once each;
 * `voting` → `queued` when yes-votes reach the quorum (executable `timelockBlocks` blocks later)
 * → `executed` exactly once; `rejected` once no-votes leave the quorum out of reach.
 * Deterministic: every decision is a function of state, caller and block number. Refusals are
 * values (execution/refusal.ts: `{ ok: false, reason }`, the domain error of execution/errors.ts
 * on `.error` for the precompile to throw); nothing is written before a check.
 *
 * Storage of the Governance account, after the config's slots 0–2 (state/system/governanceStore.ts):
 * - slot 3: `proposalCount` (uint256; ids run 1…proposalCount)
 * - slot 4: `mapping(uint256 id => Proposal)`, a struct at `keccak256(id ‖ 4)` + field:
 *   +0 proposer (address), +1 state (1 voting, 2 queued, 3 executed, 4 rejected),
 *   +2 yes-votes, +3 no-votes, +4 block proposed, +5 block queued, +6 executableAtBlock,
 *   +7 block executed, +8 change (string, the JSON as proposed), +9 number of votes
 * - slot 5: `mapping(uint256 id => mapping(address => uint256))` vote: 0 none, 1 yes, 2 no
 * - slot 6: `mapping(uint256 id => mapping(uint256 i => address))` the i-th voter (0-based)
 */
import type { StateManagerInterface } from '@ethereumjs/common'
import { createAddressFromString } from '@ethereumjs/util'
import { getAddress, type Hex } from 'viem'
import type { GasCharger } from '../../state/contractStorage.ts'
import { ContractStorage, mappingSlot } from '../../state/contractStorage.ts'
import { GOVERNANCE_ADDRESS } from '../../state/system/addresses.ts'
import { readGovernedConfig, writeGovernedConfig } from '../../state/system/governanceStore.ts'
import type { GovernedConfig } from '../../state/system/types.ts'
import {
  AlreadyExecutedError,
  AlreadyVotedError,
  type InvalidChangeError,
  type MalformedChangeError,
  NoQuorumError,
  NotCouncilError,
  ProposalNotFoundError,
  TimelockError,
  VotingClosedError,
} from '../errors.ts'
import { Refusal } from '../refusal.ts'
import { applyChange } from './applyChange.ts'

/** Where a proposal stands. */
export type ProposalState = 'voting' | 'queued' | 'executed' | 'rejected'

/** A proposal as stored, decoded. Block numbers are numbers; `null` until the step happens. */
export interface Proposal {
  id: number
  /** Checksummed address of the council member who proposed it. */
  proposer: Hex
  /** The change document exactly as proposed (JSON text). */
  change: string
  /** Checksummed addresses that voted yes / no, in voting order. */
  yes: Hex[]
  no: Hex[]
  state: ProposalState
  proposedAtBlock: number
  queuedAtBlock: number | null
  /** First block whose transactions may execute it (quorum block + timelockBlocks). */
  executableAtBlock: number | null
  executedAtBlock: number | null
}

/** Who acts, and in which block. */
export interface GovernanceStep {
  /** `msg.sender`, any case. */
  caller: Hex
  blockNumber: bigint
  /** The block's timestamp, unix seconds (a change's new options must expire after it). */
  timestamp: bigint
}

/** Slot of `proposalCount` (uint256). */
export const PROPOSAL_COUNT_SLOT = 3n
/** Slot of `mapping(uint256 id => Proposal)`. */
export const PROPOSALS_SLOT = 4n
/** Slot of `mapping(uint256 id => mapping(address => uint256 vote))` (1 yes, 2 no). */
export const VOTES_SLOT = 5n
/** Slot of `mapping(uint256 id => mapping(uint256 i => address voter))`. */
export const VOTERS_SLOT = 6n

/** Word offsets of a proposal's fields from its struct slot `keccak256(id ‖ PROPOSALS_SLOT)`. */
export const PROPOSAL_FIELD = {
  proposer: 0n,
  state: 1n,
  yes: 2n,
  no: 3n,
  proposedAt: 4n,
  queuedAt: 5n,
  executableAt: 6n,
  executedAt: 7n,
  change: 8n,
  voteCount: 9n,
} as const
const F_PROPOSER = PROPOSAL_FIELD.proposer
const F_STATE = PROPOSAL_FIELD.state
const F_YES = PROPOSAL_FIELD.yes
const F_NO = PROPOSAL_FIELD.no
const F_PROPOSED_AT = PROPOSAL_FIELD.proposedAt
const F_QUEUED_AT = PROPOSAL_FIELD.queuedAt
const F_EXECUTABLE_AT = PROPOSAL_FIELD.executableAt
const F_EXECUTED_AT = PROPOSAL_FIELD.executedAt
const F_CHANGE = PROPOSAL_FIELD.change
const F_VOTE_COUNT = PROPOSAL_FIELD.voteCount

const STATES: readonly ProposalState[] = ['voting', 'queued', 'executed', 'rejected']
const code = (s: ProposalState) => BigInt(STATES.indexOf(s) + 1)
const VOTE_YES = 1n
const VOTE_NO = 2n

const governance = createAddressFromString(GOVERNANCE_ADDRESS)

function store(state: StateManagerInterface, gas?: GasCharger): ContractStorage {
  return new ContractStorage(state, governance, gas)
}

/** Slot of field `f` (a PROPOSAL_FIELD offset) of proposal `id`. */
export const proposalSlot = (id: bigint, f: bigint) => mappingSlot(PROPOSALS_SLOT, id) + f
const field = proposalSlot
const toAddress = (w: bigint) => getAddress(`0x${w.toString(16).padStart(40, '0')}`)
const lower = (a: Hex) => a.toLowerCase() as Hex

async function councilConfig(state: StateManagerInterface, gas?: GasCharger): Promise<GovernedConfig> {
  const config = await readGovernedConfig(state, gas)
  if (config === undefined) throw new Error('governance: the chain has no governed config (no margin genesis)')
  return config
}

/** The state code of proposal `id` (1 voting, 2 queued, 3 executed, 4 rejected; 0 = none). */
export async function proposalStateCode(state: StateManagerInterface, id: bigint, gas?: GasCharger): Promise<bigint> {
  return stateCode(store(state, gas), id)
}

async function stateCode(s: ContractStorage, id: bigint): Promise<bigint> {
  if (id < 1n || id > (await s.word(PROPOSAL_COUNT_SLOT))) return 0n
  return s.word(field(id, F_STATE))
}

/**
 * `propose(changeJson)`: a council member files a change, checked against the config in force.
 *
 * @returns the new proposal's id, or a refusal (`not council`, `malformed change: …`,
 *   `<param>: <problem>`).
 */
export async function propose(
  state: StateManagerInterface,
  step: GovernanceStep,
  changeJson: string,
  gas?: GasCharger,
): Promise<{ ok: true; id: bigint } | Refusal<NotCouncilError | InvalidChangeError | MalformedChangeError>> {
  const config = await councilConfig(state, gas)
  const proposer = lower(step.caller)
  if (!config.council.members.includes(proposer)) return new Refusal(new NotCouncilError(proposer))
  const checked = applyChange(config, changeJson, { timestamp: step.timestamp })
  if (!checked.ok) return new Refusal(checked.error)
  const s = store(state, gas)
  const id = (await s.word(PROPOSAL_COUNT_SLOT)) + 1n
  await s.setWord(PROPOSAL_COUNT_SLOT, id)
  await s.setWord(field(id, F_PROPOSER), BigInt(step.caller))
  await s.setWord(field(id, F_STATE), code('voting'))
  await s.setWord(field(id, F_PROPOSED_AT), step.blockNumber)
  await s.setString(field(id, F_CHANGE), changeJson)
  return { ok: true, id }
}

/** What a vote did. */
export interface VoteOutcome {
  ok: true
  yes: number
  no: number
  /** Set when this vote brought the quorum. */
  queued?: { executableAtBlock: bigint }
  /** True when this vote left the quorum out of reach. */
  rejected?: boolean
}

/**
 * `vote(id, support)`: a council member votes once; the quorum queues the proposal, enough
 * no-votes reject it. Refusals: `not council`, `unknown proposal`, `already voted`,
 * `voting closed` (queued, executed or rejected).
 */
export async function vote(
  state: StateManagerInterface,
  step: GovernanceStep,
  id: bigint,
  support: boolean,
  gas?: GasCharger,
): Promise<VoteOutcome | Refusal<NotCouncilError | ProposalNotFoundError | AlreadyVotedError | VotingClosedError>> {
  const config = await councilConfig(state, gas)
  const { members, quorum, timelockBlocks } = config.council
  const voter = lower(step.caller)
  if (!members.includes(voter)) return new Refusal(new NotCouncilError(voter))
  const s = store(state, gas)
  const st = await stateCode(s, id)
  if (st === 0n) return new Refusal(new ProposalNotFoundError(id))
  const voteSlot = (a: Hex) => mappingSlot(VOTES_SLOT, id, a)
  if ((await s.word(voteSlot(voter))) !== 0n) return new Refusal(new AlreadyVotedError(id, voter))
  if (st !== code('voting')) return new Refusal(new VotingClosedError(id))

  await s.setWord(voteSlot(voter), support ? VOTE_YES : VOTE_NO)
  const n = await s.word(field(id, F_VOTE_COUNT))
  await s.setWord(mappingSlot(VOTERS_SLOT, id, n), BigInt(voter))
  await s.setWord(field(id, F_VOTE_COUNT), n + 1n)
  const countField = field(id, support ? F_YES : F_NO)
  await s.setWord(countField, (await s.word(countField)) + 1n)
  const yes = Number(await s.word(field(id, F_YES)))
  const no = Number(await s.word(field(id, F_NO)))

  if (yes >= quorum) {
    const executableAtBlock = step.blockNumber + BigInt(timelockBlocks)
    await s.setWord(field(id, F_STATE), code('queued'))
    await s.setWord(field(id, F_QUEUED_AT), step.blockNumber)
    await s.setWord(field(id, F_EXECUTABLE_AT), executableAtBlock)
    return { ok: true, yes, no, queued: { executableAtBlock } }
  }
  // Yes-votes still possible: current members who have not voted yet.
  let open = 0
  for (const m of members) if ((await s.word(voteSlot(m))) === 0n) open++
  if (yes + open < quorum) {
    await s.setWord(field(id, F_STATE), code('rejected'))
    return { ok: true, yes, no, rejected: true }
  }
  return { ok: true, yes, no }
}

/**
 * `execute(id)`: anyone may apply a queued proposal once its timelock is over; the change is
 * checked again against the config in force now and takes effect for every later computation,
 * from the next call in the same block on. Refusals: `unknown proposal`, `already executed`,
 * `no quorum` (voting or rejected), `timelock`, `<param>: <problem>` (no longer applicable).
 *
 * @returns the new config version.
 */
export async function execute(
  state: StateManagerInterface,
  step: GovernanceStep,
  id: bigint,
  gas?: GasCharger,
): Promise<
  | { ok: true; version: bigint }
  | Refusal<ProposalNotFoundError | AlreadyExecutedError | NoQuorumError | TimelockError | InvalidChangeError | MalformedChangeError>
> {
  const s = store(state, gas)
  const st = await stateCode(s, id)
  if (st === 0n) return new Refusal(new ProposalNotFoundError(id))
  if (st === code('executed')) return new Refusal(new AlreadyExecutedError(id))
  if (st !== code('queued')) return new Refusal(new NoQuorumError(id))
  const executableAtBlock = await s.word(field(id, F_EXECUTABLE_AT))
  if (step.blockNumber < executableAtBlock) return new Refusal(new TimelockError(id, executableAtBlock))
  const config = await councilConfig(state, gas)
  const applied = applyChange(config, await s.string(field(id, F_CHANGE)), { timestamp: step.timestamp })
  if (!applied.ok) return new Refusal(applied.error)
  await s.setWord(field(id, F_STATE), code('executed'))
  await s.setWord(field(id, F_EXECUTED_AT), step.blockNumber)
  const version = await writeGovernedConfig(state, applied.config, gas)
  return { ok: true, version }
}

/** Number of proposals ever made (the highest id). */
export async function proposalCount(state: StateManagerInterface, gas?: GasCharger): Promise<bigint> {
  return store(state, gas).word(PROPOSAL_COUNT_SLOT)
}

/** Reads proposal `id`, or undefined when there is none. */
export async function readProposal(state: StateManagerInterface, id: bigint, gas?: GasCharger): Promise<Proposal | undefined> {
  const s = store(state, gas)
  const st = await stateCode(s, id)
  if (st === 0n) return undefined
  const at = async (f: bigint) => {
    const v = await s.word(field(id, f))
    return v === 0n ? null : Number(v)
  }
  const yes: Hex[] = []
  const no: Hex[] = []
  const votes = await s.word(field(id, F_VOTE_COUNT))
  for (let i = 0n; i < votes; i++) {
    const voter = toAddress(await s.word(mappingSlot(VOTERS_SLOT, id, i)))
    const v = await s.word(mappingSlot(VOTES_SLOT, id, lower(voter)))
    ;(v === VOTE_YES ? yes : no).push(voter)
  }
  return {
    id: Number(id),
    proposer: toAddress(await s.word(field(id, F_PROPOSER))),
    change: await s.string(field(id, F_CHANGE)),
    yes,
    no,
    state: STATES[Number(st) - 1],
    proposedAtBlock: Number(await s.word(field(id, F_PROPOSED_AT))),
    queuedAtBlock: await at(F_QUEUED_AT),
    executableAtBlock: await at(F_EXECUTABLE_AT),
    executedAtBlock: await at(F_EXECUTED_AT),
  }
}

/** Every proposal, by id. */
export async function listProposals(state: StateManagerInterface): Promise<Proposal[]> {
  const out: Proposal[] = []
  const n = await proposalCount(state)
  for (let id = 1n; id <= n; id++) out.push((await readProposal(state, id))!)
  return out
}

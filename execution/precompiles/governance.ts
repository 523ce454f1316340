/**
 * The Governance precompile at `0x…0a03` (SPEC sections 4 and 7): `IGovernance` plus events and
 * view helpers. ABI dispatch only; the rules live in execution/governance/proposals.ts, the config in
 * state/system/governanceStore.ts.
 *
 * ```solidity
 * interface IGovernance {
 *   function propose(string calldata changeJson) external returns (uint256 id);
 *   function vote(uint256 id, bool support) external;
 *   function execute(uint256 id) external;              // anyone, after quorum and timelock
 *   // views
 *   function proposalCount() external view returns (uint256);
 *   function proposalState(uint256 id) external view returns (uint8); // 0 none, 1 voting, 2 queued, 3 executed, 4 rejected
 *   function executableAtBlock(uint256 id) external view returns (uint256); // 0 until queued
 *   function configVersion() external view returns (uint256);
 *   function config() external view returns (string memory); // the canonical JSON in force
 *   function isCouncil(address who) external view returns (bool);
 *   // events
 *   event ProposalCreated(uint256 indexed id, address indexed proposer, string change);
 *   event Voted(uint256 indexed id, address indexed voter, bool support, uint256 yes, uint256 no);
 *   event ProposalQueued(uint256 indexed id, uint256 executableAtBlock);
 *   event ProposalRejected(uint256 indexed id, uint256 yes, uint256 no);
 *   event ProposalExecuted(uint256 indexed id, uint256 configVersion);
 * }
 * ```
 * Revert reasons: `not council`, `unknown proposal`, `already voted`, `voting closed`,
 * `no quorum`, `timelock`, `already executed`, `malformed change: …`, `<param path>: <problem>`
 * (e.g. `haircut.WETH: must be in [0, 0.95]`, `es.correlation: must be positive definite over …`,
 * `__proto__: forbidden key`): each the short message of an execution/errors.ts class
 * (`NotCouncilError`, …, `InvalidChangeError`, `MalformedChangeError`), which execution/governance
 * returns as a refusal and this precompile throws. The bounds: genesis/riskParamBounds.ts,
 * correlationBounds.ts and systemBounds.ts; a change's new options must expire after the block's
 * timestamp, checked at `propose` and again at `execute`.
 *
 * Storage layout: slots 0–2 the config (state/system/governanceStore.ts), 3–6 the proposals
 * (execution/governance/proposals.ts).
 */
import { createAddressFromString } from '@ethereumjs/util'
import { type Hex, parseAbi } from 'viem'
import { ContractStorage } from '../../state/contractStorage.ts'
import { GOVERNANCE_ADDRESS } from '../../state/system/addresses.ts'
import { CONFIG_SLOT, readGovernedConfig, readGovernedConfigVersion } from '../../state/system/governanceStore.ts'
import { execute, PROPOSAL_FIELD, proposalCount, proposalSlot, proposalStateCode, propose, vote } from '../governance/proposals.ts'
import type { PrecompileCall, PrecompileSpec } from './definePrecompile.ts'

/** The Governance precompile's ABI. */
export const governanceAbi = parseAbi([
  'function propose(string changeJson) returns (uint256 id)',
  'function vote(uint256 id, bool support)',
  'function execute(uint256 id)',
  'function proposalCount() view returns (uint256)',
  'function proposalState(uint256 id) view returns (uint8)',
  'function executableAtBlock(uint256 id) view returns (uint256)',
  'function configVersion() view returns (uint256)',
  'function config() view returns (string)',
  'function isCouncil(address who) view returns (bool)',
  'event ProposalCreated(uint256 indexed id, address indexed proposer, string change)',
  'event Voted(uint256 indexed id, address indexed voter, bool support, uint256 yes, uint256 no)',
  'event ProposalQueued(uint256 indexed id, uint256 executableAtBlock)',
  'event ProposalRejected(uint256 indexed id, uint256 yes, uint256 no)',
  'event ProposalExecuted(uint256 indexed id, uint256 configVersion)',
])

const step = (call: PrecompileCall) => ({ caller: call.caller, blockNumber: call.block.number, timestamp: call.block.timestamp })
const governance = createAddressFromString(GOVERNANCE_ADDRESS)
const storage = (call: PrecompileCall) => new ContractStorage(call.state, governance, call.gas)

/** The Governance precompile (SPEC section 4), for `createNode({ precompiles })`. */
export const governancePrecompile: PrecompileSpec = {
  address: GOVERNANCE_ADDRESS,
  abi: governanceAbi,
  handlers: {
    async propose([change], call) {
      const r = await propose(call.state, step(call), change as string, call.gas)
      if (!r.ok) throw r.error
      call.emit('ProposalCreated', { id: r.id, proposer: call.caller, change })
      return r.id
    },
    async vote([id, support], call) {
      const r = await vote(call.state, step(call), id as bigint, support as boolean, call.gas)
      if (!r.ok) throw r.error
      const counts = { yes: BigInt(r.yes), no: BigInt(r.no) }
      call.emit('Voted', { id, voter: call.caller, support, ...counts })
      if (r.queued) call.emit('ProposalQueued', { id, executableAtBlock: r.queued.executableAtBlock })
      if (r.rejected) call.emit('ProposalRejected', { id, ...counts })
    },
    async execute([id], call) {
      const r = await execute(call.state, step(call), id as bigint, call.gas)
      if (!r.ok) throw r.error
      call.emit('ProposalExecuted', { id, configVersion: r.version })
    },
    proposalCount(_, call) {
      return proposalCount(call.state, call.gas)
    },
    async proposalState([id], call) {
      return Number(await proposalStateCode(call.state, id as bigint, call.gas))
    },
    async executableAtBlock([id], call) {
      if ((await proposalStateCode(call.state, id as bigint, call.gas)) === 0n) return 0n
      return storage(call).word(proposalSlot(id as bigint, PROPOSAL_FIELD.executableAt))
    },
    configVersion(_, call) {
      return readGovernedConfigVersion(call.state, call.gas)
    },
    config(_, call) {
      return storage(call).string(CONFIG_SLOT)
    },
    async isCouncil([who], call) {
      const config = await readGovernedConfig(call.state, call.gas)
      return config?.council.members.includes((who as Hex).toLowerCase() as Hex) ?? false
    },
  },
}

/**
 * The `gov_` namespace (SPEC section 5): proposals as the state of a block holds them. Every
 * method takes an optional trailing block tag (default `latest`).
 */
import type { GovernanceApi } from '../chain/types.ts'
import type { Proposal } from '../execution/governance/proposals.ts'
import { arity, parseBlockTag, parseUint } from './params.ts'
import type { RpcMethods } from './types.ts'

/**
 * A proposal as JSON-RPC shows it: SPEC's `{id, proposer, change, yes, no, state,
 * executableAtBlock}` (`change` parsed back into the JSON object that was proposed,
 * `executableAtBlock` null until the quorum) plus the block of each step.
 */
export function formatProposal(p: Proposal): Record<string, unknown> {
  return {
    id: p.id,
    proposer: p.proposer,
    change: JSON.parse(p.change),
    yes: p.yes,
    no: p.no,
    state: p.state,
    executableAtBlock: p.executableAtBlock,
    proposedAtBlock: p.proposedAtBlock,
    queuedAtBlock: p.queuedAtBlock,
    executedAtBlock: p.executedAtBlock,
  }
}

/**
 * `gov_getProposal(id, [block])` and `gov_listProposals([block])` over `gov` (the node).
 *
 * @example
 * createRpcServer({ chain: node, host, port, methods: govMethods(node) })
 * // → {"method":"gov_getProposal","params":[1]} → { id: 1, state: 'queued', … }
 */
export function govMethods(gov: GovernanceApi): RpcMethods {
  return {
    gov_getProposal: async (params) => {
      const [id, tag] = arity(params, 1, 2)
      return formatProposal(await gov.getProposal(BigInt(parseUint(id, 0)), parseBlockTag(tag, 1)))
    },
    gov_listProposals: async (params) => {
      const [tag] = arity(params, 0, 1)
      return (await gov.listProposals(parseBlockTag(tag, 0))).map(formatProposal)
    },
  }
}

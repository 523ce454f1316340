/**
 * The system precompiles a chain runs, from its genesis: with a margin section, the margin
 * system's precompiles (so far Governance at `0x…0a03`; Margin, RiskKernel and Oracle join it).
 */
import type { Genesis } from '../genesis/types.ts'
import type { PrecompileSpec } from './precompiles/definePrecompile.ts'
import { governancePrecompile } from './precompiles/governance.ts'

/**
 * The precompiles of SPEC section 4 that `genesis` calls for (none without `genesis.margin`).
 *
 * @example createNode({ …, precompiles: systemPrecompiles(genesis) })
 */
export function systemPrecompiles(genesis: Genesis): PrecompileSpec[] {
  if (genesis.margin === undefined) return []
  return [governancePrecompile]
}

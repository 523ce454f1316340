/**
 * Fixed addresses of the margin system (SPEC section 4): the precompiles and the insurance fund.
 */
import type { Hex } from 'viem'

export const MARGIN_ADDRESS: Hex = '0x0000000000000000000000000000000000000a00'
export const RISK_KERNEL_ADDRESS: Hex = '0x0000000000000000000000000000000000000a01'
export const ORACLE_ADDRESS: Hex = '0x0000000000000000000000000000000000000a02'
export const GOVERNANCE_ADDRESS: Hex = '0x0000000000000000000000000000000000000a03'
/** The insurance fund's own margin account. */
export const INSURANCE_FUND_ADDRESS: Hex = '0x0000000000000000000000000000000000000a0f'

/**
 * Accounts that hold system state. Genesis gives each nonce 1 so EIP-161's end-of-transaction
 * cleanup of touched empty accounts can never delete them with their storage (DESIGN.md).
 */
export const SYSTEM_ACCOUNTS: readonly Hex[] = [
  MARGIN_ADDRESS,
  RISK_KERNEL_ADDRESS,
  ORACLE_ADDRESS,
  GOVERNANCE_ADDRESS,
  INSURANCE_FUND_ADDRESS,
]

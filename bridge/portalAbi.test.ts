import { describe, expect, it } from 'vitest'
import { compileBridgeContracts } from './contracts/compile.ts'
import { portalAbi, testTokenAbi } from './portalAbi.ts'

interface Param {
  type: string
  name?: string
  indexed?: boolean
}
interface Item {
  type: string
  name?: string
  inputs?: Param[]
  outputs?: Param[]
  stateMutability?: string
}
const params = (ps: Param[] = []) => ps.map((p) => [p.type, p.indexed ? 'indexed' : '', p.name ?? ''].filter(Boolean).join(' ')).join(', ')
/** `kind name(inputs) mutability returns (outputs)`, one string per item, sorted. */
const signatures = (abi: readonly unknown[]) =>
  (abi as Item[])
    .map((x) => {
      const mut = x.stateMutability && x.stateMutability !== 'nonpayable' ? ` ${x.stateMutability}` : ''
      const ret = x.outputs?.length ? ` returns (${params(x.outputs)})` : ''
      return `${x.type}${x.name ? ` ${x.name}` : ''}(${params(x.inputs)})${mut}${ret}`
    })
    .sort()

describe('portalAbi', () => {
  it('is exactly the ABI solc produces from Portal.sol and TestToken.sol', () => {
    const c = compileBridgeContracts()
    expect(signatures(portalAbi)).toEqual(signatures(c.Portal.abi))
    expect(signatures(testTokenAbi)).toEqual(signatures(c.TestToken.abi))
  })

  it('holds the IPortal of SPEC section 8', () => {
    const s = signatures(portalAbi)
    for (const want of [
      'function depositETH(address l2Recipient) payable',
      'function depositERC20(address token, uint256 amount, address l2Recipient)',
      'event DepositInitiated(uint256 indexed depositId, address indexed from, address indexed l2Recipient, address token, uint256 amount)',
      'function commit(uint256 l2Block, bytes32 stateRoot, bytes32 withdrawalRoot)',
      'function finalizeWithdrawal(uint256 id, address account, address token, uint256 amount, address l1Recipient, uint256 commitmentIndex, bytes32[] proof)',
    ]) {
      expect(s).toContain(want)
    }
  })
})

/**
 * The portal's ABI as the bridge calls it (IPortal of SPEC section 8 plus its views and events),
 * written out so that running the node needs no compiler. `portalAbi.test.ts` holds it against
 * the ABI solc produces from `contracts/Portal.sol`.
 */
import { parseAbi } from 'viem'

/** ABI of `contracts/Portal.sol`. */
export const portalAbi = parseAbi([
  'constructor(address sequencer_, uint256 challengePeriodSeconds_, address[] listedTokens)',
  'function depositETH(address l2Recipient) payable',
  'function depositERC20(address token, uint256 amount, address l2Recipient)',
  'function commit(uint256 l2Block, bytes32 stateRoot, bytes32 withdrawalRoot)',
  'function finalizeWithdrawal(uint256 id, address account, address token, uint256 amount, address l1Recipient, uint256 commitmentIndex, bytes32[] proof)',
  'function sequencer() view returns (address)',
  'function challengePeriodSeconds() view returns (uint256)',
  'function listed(address) view returns (bool)',
  'function nextDepositId() view returns (uint256)',
  'function commitmentCount() view returns (uint256)',
  'function commitments(uint256 index) view returns (uint256 l2Block, bytes32 stateRoot, bytes32 withdrawalRoot, uint64 timestamp)',
  'function withdrawalFinalized(uint256) view returns (bool)',
  'event DepositInitiated(uint256 indexed depositId, address indexed from, address indexed l2Recipient, address token, uint256 amount)',
  'event CommitmentPosted(uint256 indexed index, uint256 indexed l2Block, bytes32 stateRoot, bytes32 withdrawalRoot, uint256 timestamp)',
  'event WithdrawalFinalized(uint256 indexed id, address indexed account, address indexed l1Recipient, address token, uint256 amount, uint256 commitmentIndex)',
])

/** ABI of `contracts/TestToken.sol` (the calls the devnet and tests make). */
export const testTokenAbi = parseAbi([
  'constructor(string name_, string symbol_, uint8 decimals_)',
  'function name() view returns (string)',
  'function symbol() view returns (string)',
  'function decimals() view returns (uint8)',
  'function owner() view returns (address)',
  'function totalSupply() view returns (uint256)',
  'function balanceOf(address) view returns (uint256)',
  'function allowance(address, address) view returns (uint256)',
  'function mint(address to, uint256 amount)',
  'function transfer(address to, uint256 amount) returns (bool)',
  'function approve(address spender, uint256 amount) returns (bool)',
  'function transferFrom(address from, address to, uint256 amount) returns (bool)',
  'event Transfer(address indexed from, address indexed to, uint256 value)',
  'event Approval(address indexed owner, address indexed spender, uint256 value)',
])

// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

interface IERC20Minimal {
  function transfer(address to, uint256 amount) external returns (bool);
  function transferFrom(address from, address to, uint256 amount) external returns (bool);
}

/// @title Portal — the L1 end of the unimargin bridge (SPEC section 8, ABI-compatible IPortal).
/// @notice Deposits: ETH (credited as WETH on L2) and listed ERC-20s, each with a strictly
/// increasing deposit id starting at 1. Commitments: `(l2Block, stateRoot, withdrawalRoot)` from
/// the sequencer only, numbered from 0. Withdrawals: paid once per id against a committed
/// withdrawal root, after the challenge period. Leaves are
/// `keccak256(abi.encode(id, account, token, amount, l1Recipient))`; proofs are sorted-pair
/// keccak256 Merkle proofs (OpenZeppelin MerkleProof convention). `token == address(0)` is ETH.
contract Portal {
  struct Commitment {
    uint256 l2Block;
    bytes32 stateRoot;
    bytes32 withdrawalRoot;
    uint64 timestamp;
  }

  address public immutable sequencer;
  uint256 public immutable challengePeriodSeconds;
  mapping(address => bool) public listed;
  /// @notice The id the next deposit gets; ids start at 1.
  uint256 public nextDepositId = 1;
  Commitment[] private _commitments;
  mapping(uint256 => bool) public withdrawalFinalized;
  uint256 private _locked = 1;

  event DepositInitiated(
    uint256 indexed depositId,
    address indexed from,
    address indexed l2Recipient,
    address token,
    uint256 amount
  );
  event CommitmentPosted(
    uint256 indexed index,
    uint256 indexed l2Block,
    bytes32 stateRoot,
    bytes32 withdrawalRoot,
    uint256 timestamp
  );
  event WithdrawalFinalized(
    uint256 indexed id,
    address indexed account,
    address indexed l1Recipient,
    address token,
    uint256 amount,
    uint256 commitmentIndex
  );

  constructor(address sequencer_, uint256 challengePeriodSeconds_, address[] memory listedTokens) {
    require(sequencer_ != address(0), "zero sequencer");
    sequencer = sequencer_;
    challengePeriodSeconds = challengePeriodSeconds_;
    for (uint256 i = 0; i < listedTokens.length; i++) {
      require(listedTokens[i] != address(0), "zero token");
      listed[listedTokens[i]] = true;
    }
  }

  modifier nonReentrant() {
    require(_locked == 1, "reentrant call");
    _locked = 2;
    _;
    _locked = 1;
  }

  // ---- deposits ----

  function depositETH(address l2Recipient) external payable {
    require(msg.value > 0, "zero amount");
    require(l2Recipient != address(0), "zero recipient");
    emit DepositInitiated(nextDepositId++, msg.sender, l2Recipient, address(0), msg.value);
  }

  function depositERC20(address token, uint256 amount, address l2Recipient) external nonReentrant {
    require(listed[token], "token not listed");
    require(amount > 0, "zero amount");
    require(l2Recipient != address(0), "zero recipient");
    require(IERC20Minimal(token).transferFrom(msg.sender, address(this), amount), "transferFrom failed");
    emit DepositInitiated(nextDepositId++, msg.sender, l2Recipient, token, amount);
  }

  // ---- commitments ----

  function commit(uint256 l2Block, bytes32 stateRoot, bytes32 withdrawalRoot) external {
    require(msg.sender == sequencer, "not sequencer");
    uint256 n = _commitments.length;
    if (n > 0) require(l2Block > _commitments[n - 1].l2Block, "l2Block not increasing");
    _commitments.push(Commitment(l2Block, stateRoot, withdrawalRoot, uint64(block.timestamp)));
    emit CommitmentPosted(n, l2Block, stateRoot, withdrawalRoot, block.timestamp);
  }

  function commitmentCount() external view returns (uint256) {
    return _commitments.length;
  }

  function commitments(uint256 index)
    external
    view
    returns (uint256 l2Block, bytes32 stateRoot, bytes32 withdrawalRoot, uint64 timestamp)
  {
    Commitment storage c = _commitments[index];
    return (c.l2Block, c.stateRoot, c.withdrawalRoot, c.timestamp);
  }

  // ---- withdrawals ----

  function finalizeWithdrawal(
    uint256 id,
    address account,
    address token,
    uint256 amount,
    address l1Recipient,
    uint256 commitmentIndex,
    bytes32[] calldata proof
  ) external nonReentrant {
    require(commitmentIndex < _commitments.length, "unknown commitment");
    Commitment storage c = _commitments[commitmentIndex];
    require(block.timestamp >= uint256(c.timestamp) + challengePeriodSeconds, "challenge period");
    require(!withdrawalFinalized[id], "already finalized");
    bytes32 leaf = keccak256(abi.encode(id, account, token, amount, l1Recipient));
    require(_verify(proof, c.withdrawalRoot, leaf), "invalid proof");
    withdrawalFinalized[id] = true;
    emit WithdrawalFinalized(id, account, l1Recipient, token, amount, commitmentIndex);
    if (token == address(0)) {
      (bool ok, ) = l1Recipient.call{value: amount}("");
      require(ok, "ETH transfer failed");
    } else {
      require(IERC20Minimal(token).transfer(l1Recipient, amount), "transfer failed");
    }
  }

  function _verify(bytes32[] calldata proof, bytes32 root, bytes32 leaf) private pure returns (bool) {
    bytes32 h = leaf;
    for (uint256 i = 0; i < proof.length; i++) {
      bytes32 p = proof[i];
      h = h < p ? keccak256(abi.encodePacked(h, p)) : keccak256(abi.encodePacked(p, h));
    }
    return h == root;
  }
}

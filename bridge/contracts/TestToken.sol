// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title TestToken — a plain ERC-20 for the devnet L1 (USDC with 6 decimals, WBTC with 8).
/// @notice The owner (the deployer) mints; everything else is standard ERC-20.
contract TestToken {
  string public name;
  string public symbol;
  uint8 public immutable decimals;
  address public immutable owner;
  uint256 public totalSupply;
  mapping(address => uint256) public balanceOf;
  mapping(address => mapping(address => uint256)) public allowance;

  event Transfer(address indexed from, address indexed to, uint256 value);
  event Approval(address indexed owner, address indexed spender, uint256 value);

  constructor(string memory name_, string memory symbol_, uint8 decimals_) {
    name = name_;
    symbol = symbol_;
    decimals = decimals_;
    owner = msg.sender;
  }

  /// @notice Creates `amount` base units for `to`; the owner only.
  function mint(address to, uint256 amount) external {
    require(msg.sender == owner, "not owner");
    totalSupply += amount;
    balanceOf[to] += amount;
    emit Transfer(address(0), to, amount);
  }

  function transfer(address to, uint256 amount) external returns (bool) {
    _move(msg.sender, to, amount);
    return true;
  }

  function approve(address spender, uint256 amount) external returns (bool) {
    allowance[msg.sender][spender] = amount;
    emit Approval(msg.sender, spender, amount);
    return true;
  }

  function transferFrom(address from, address to, uint256 amount) external returns (bool) {
    uint256 allowed = allowance[from][msg.sender];
    if (allowed != type(uint256).max) {
      require(allowed >= amount, "insufficient allowance");
      allowance[from][msg.sender] = allowed - amount;
    }
    _move(from, to, amount);
    return true;
  }

  function _move(address from, address to, uint256 amount) private {
    require(to != address(0), "transfer to zero address");
    uint256 bal = balanceOf[from];
    require(bal >= amount, "insufficient balance");
    unchecked {
      balanceOf[from] = bal - amount;
    }
    balanceOf[to] += amount;
    emit Transfer(from, to, amount);
  }
}

// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// A small contract for the end-to-end suites: state, events, reverts with a reason and with a
/// custom error, and a function that emits several logs.
contract Probe {
  uint256 public value;
  address public owner;
  mapping(address => uint256) public credits;

  event ValueSet(address indexed by, uint256 indexed newValue, uint256 oldValue);
  event Ping(uint256 indexed index, bytes32 tag);

  error Unauthorized(address caller, uint256 code);

  constructor(uint256 initial) {
    value = initial;
    owner = msg.sender;
  }

  function setValue(uint256 v) external {
    emit ValueSet(msg.sender, v, value);
    value = v;
    credits[msg.sender] += 1;
  }

  function failWithReason() external pure {
    revert("probe: refused");
  }

  function failWithCustom() external view {
    revert Unauthorized(msg.sender, 42);
  }

  /// Reverts with a reason unless `v` is below 100; writes it otherwise.
  function setSmall(uint256 v) external {
    require(v < 100, "probe: too big");
    value = v;
  }

  function pingMany(uint256 n) external {
    for (uint256 i = 0; i < n; i++) {
      emit Ping(i, keccak256(abi.encode(i)));
    }
  }

  function balanceOfCaller() external view returns (uint256) {
    return msg.sender.balance;
  }
}

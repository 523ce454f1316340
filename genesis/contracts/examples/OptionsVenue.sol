// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {Venue} from "./Venue.sol";

/// An options venue: quotes on option instruments only (the dev market numbers options from 3).
contract OptionsVenue is Venue {
  function _checkInstrument(uint32 instrumentId) internal pure override {
    require(instrumentId >= 3, "not an option");
  }
}

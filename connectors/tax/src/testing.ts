// Test helpers of @hutong/connector-tax (source only, not built): the channel's requests and keys
// as the simulator's and the connector's specs use them.
export {
  appKeys,
  blueRequest,
  newSerial,
  slipRequest,
  tempDir,
  testAppKey,
  testChannel,
  testSecretHex,
} from "./simulator/testing-requests.js";

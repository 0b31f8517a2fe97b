// Test helpers of @hutong/errors (source only, not built).

export { documentedCodes } from "./testing-documented-codes.js";

// @hutong/gateway/testing: helpers for the other workspaces' tests (source only, not built).
export { adaptersUnderTest, type StoreUnderTest, sampleEntry } from "./store/testing-stores.js";

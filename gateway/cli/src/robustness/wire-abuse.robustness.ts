// Wire abuse, the heavy run (npm run test:robustness): the sizes (1,000 reflection streams
// on one zero-window connection, 4 × 250 streams declaring 4 MiB, 12 × 250 on a captured ticket,
// 200 slow connections, 2,000 connections), with RSS before, at peak and after each.
import { describeWireAbuse } from "./testing-wire-abuse.js";

describeWireAbuse("wire abuse against a gateway process (heavy)", 10);

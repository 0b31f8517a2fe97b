// Wire abuse, the fast subset (npm test): every case at a tenth of the heavy run's size.
import { describeWireAbuse } from "./testing-wire-abuse.js";

describeWireAbuse("wire abuse against a gateway process (fast subset)", 1);

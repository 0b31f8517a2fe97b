// Test helpers of @hutong/wire for the other workspaces' tests (source only, not built).

export {
  eventually,
  grpcClient,
  type RawOutcome,
  type RunningGrpcServer,
  rawMethod,
  rawUnary,
  selfSignedCert,
  startGrpcServer,
} from "./testing-grpc.js";
export { type GrpcOutcome, grpcOutcome, grpcPost, partialFrame } from "./testing-h2.js";

import { type Lifecycle, lifecycles } from "@hutong/proto";

/** The licence lifecycle the contract declares on hutong.v1.LicenceEventKind. */
export const licenceLifecycle: Lifecycle = (() => {
  const l = lifecycles.get("hutong.v1.LicenceEventKind");
  if (l === undefined) throw new Error("the contract declares no lifecycle on hutong.v1.LicenceEventKind");
  return l;
})();

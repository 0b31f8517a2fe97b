// @hutong/service-kit/dev: what the development federations of the reference services share.
export { devClient } from "./dev-client.js";
export { freePort } from "./free-port.js";

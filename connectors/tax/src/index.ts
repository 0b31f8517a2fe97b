// @hutong/connector-tax: the tax e-invoice connector (docs/connectors.md). The gateway is started
// with `taxConnectorKind`; the channel's simulator is `@hutong/connector-tax/simulator`.

export { fenToMicro, formatYuan, parseYuan } from "./connector/money.js";
export { requestSerial } from "./connector/request-serial.js";
export { taxConnectorKind, taxConnectorKindName } from "./connector/tax-connector-kind.js";
export { signRequest } from "./protocol/request-signature.js";
export {
  type BlueForRed,
  type BlueRequest,
  type RedConfirmation,
  type RedConfirmationRequest,
  type RedRequest,
  type TaxAnswer,
  type TaxInvoice,
  type TaxLine,
  type TaxPassengerElement,
  taxCodes,
  taxHeaders,
  taxPaths,
} from "./protocol/tax-api.js";
export { postSigned, type TaxChannel, type TaxReply } from "./protocol/tax-client.js";

// The tax simulator's faults are the partner kit's, under the names the tax code and its callers use.

export {
  defaultPartnerFaults as defaultTaxFaults,
  type FaultCounts,
  type PartnerFaults as TaxFaults,
} from "@hutong/partner-http";

import { taxConnectorKind } from "@hutong/connector-tax";
import { throughConnectorKind } from "@hutong/connector-through";
import type { ConnectorKind } from "@hutong/gateway/ports";

/**
 * The connector kinds `hutong start` can host (a config's `connectors.<name>.kind`). The gateway
 * package knows none of them: this list is where a new connector package is plugged in.
 */
export const connectorKinds: readonly ConnectorKind[] = [taxConnectorKind, throughConnectorKind];

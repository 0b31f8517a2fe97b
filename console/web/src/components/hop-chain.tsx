import { escapeForDisplay } from "../verify/party-id.js";

/** The route of a call drawn as a chain: requester → hops… → this gateway → owner. */
export function HopChain({
  requester,
  hops,
  gateway,
  owner,
}: {
  requester: string;
  hops: readonly string[];
  gateway: string;
  owner: string;
}) {
  const nodes: { party: string; kind: string }[] = [
    { party: requester, kind: "requester" },
    ...hops.map((party) => ({ party, kind: "hop" })),
    { party: gateway, kind: "gateway" },
    { party: owner, kind: "owner" },
  ];
  // The same party twice in a row (the owner's own gateway) is one stop.
  const chain = nodes.filter((n, i) => i === 0 || n.party !== nodes[i - 1]?.party);
  return (
    <ol class="hop-chain" data-testid="hop-chain">
      {chain.map((n, i) => (
        <li key={`${i}-${n.party}`} class={`hop hop-${n.kind}`}>
          <code>{escapeForDisplay(n.party)}</code>
        </li>
      ))}
    </ol>
  );
}

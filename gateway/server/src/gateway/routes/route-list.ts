import type { Route } from "@hutong/wire";

/** What a route module contributes to the server: method path -> how it is served. */
export type RouteList = Iterable<readonly [path: string, route: Route]>;

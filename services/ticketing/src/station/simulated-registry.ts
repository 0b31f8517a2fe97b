import type { RouteProfile, StationProfile } from "@hutong/proto";
import { pick, seededRandom } from "@hutong/service-kit";

/** A route as the simulator drives it: its registry profile and its two ends. */
export interface SimulatedRoute extends RouteProfile {
  readonly from: string;
  readonly to: string;
  /** Relative share of the province's sales. */
  readonly weight: number;
  readonly fareFen: number;
}

export interface SimulatedProvince {
  /** "510000". */
  readonly province: string;
  readonly stations: readonly StationProfile[];
  readonly routes: readonly SimulatedRoute[];
}

const cityNames = ["中心站", "东站", "西站", "南站", "北站", "汽车站", "客运站", "枢纽站"];

/**
 * A province's stations and routes, invented but shaped like the sector's: a few grade-1 and
 * grade-2 stations with smart equipment, many smaller ones; most routes inside the province, some
 * to each other province (cross-province schedules), a few customised (定制客运).
 */
export function simulatedProvince(
  province: string,
  others: readonly string[],
  stationCount: number,
  seed: number,
): SimulatedProvince {
  const random = seededRandom(seed);
  const p2 = province.slice(0, 2);
  const stations: StationProfile[] = [];
  for (let i = 0; i < stationCount; i++) {
    // The first is the province's central station (grade 1); the others by the sector's mix.
    const grade = i === 0 ? 1 : 1 + pick(random, [1, 3, 4, 3, 2]);
    const code = `${p2}01${String(i + 1).padStart(2, "0")}${String(1 + (i % 9)).padStart(3, "0")}`;
    stations.push({
      code,
      name: `${p2}${cityNames[i % cityNames.length]}${i + 1}`,
      grade,
      smartTicketing: grade <= 2 || random() < 0.4,
      smartChecking: grade <= 2 ? random() < 0.9 : random() < 0.3,
      eTicketService: true,
    });
  }
  const routes: SimulatedRoute[] = [];
  let n = 0;
  const route = (from: string, to: string, weight: number, customised: boolean, fareFen: number) => {
    n += 1;
    routes.push({ code: `${p2}R${String(n).padStart(4, "0")}`, customised, from, to, weight, fareFen });
  };
  for (const [i, s] of stations.entries()) {
    const big = s.grade <= 2 ? 4 : 1;
    const other = stations[(i + 1 + Math.floor(random() * (stations.length - 1))) % stations.length] as StationProfile;
    route(s.code, other.code, 6 * big, random() < 0.15, 2000 + Math.floor(random() * 8000));
    for (const o of others) {
      if (s.grade <= 3 && random() < 0.6) {
        const far = `${o.slice(0, 2)}01${String(1 + Math.floor(random() * 5)).padStart(2, "0")}${String(1 + Math.floor(random() * 9)).padStart(3, "0")}`;
        route(s.code, far, 2 * big, random() < 0.1, 8000 + Math.floor(random() * 20000));
      }
    }
  }
  return { province, stations, routes };
}

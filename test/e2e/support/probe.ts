import { isDeepStrictEqual } from 'node:util';
import type { KolPulseConfig } from '../../../shared/config';
import type { Observation } from '../../../shared/observation';
import { computeOracle, type RollupTable } from '../../support/oracle';
import {
  dailyRowsFromApi,
  leaderboardFromApi,
  leaderboardFromOracle,
  rangesFor,
  readRecorded,
  voiceTotalsFromApi,
  voiceTotalsFromOracle,
} from './rollups';

/** The oracle of what the pollers recorded so far, and what the reporting API serves over the same days. */
export interface Probe {
  oracle: RollupTable;
  api: RollupTable;
  voicesApi: ReturnType<typeof voiceTotalsFromOracle>;
  leaderboardApi: ReturnType<typeof leaderboardFromOracle>;
  recorded: Observation[];
}

export const probeRollups = async (
  baseUrl: string,
  config: KolPulseConfig,
  recordFile: string,
): Promise<Probe> => {
  const recorded = readRecorded(recordFile);
  const oracle = computeOracle(config, recorded);
  const ranges = rangesFor(config, oracle);
  return {
    oracle,
    recorded,
    api: await dailyRowsFromApi(baseUrl, config, ranges),
    voicesApi: await voiceTotalsFromApi(baseUrl, config, ranges),
    leaderboardApi: await leaderboardFromApi(baseUrl, config, ranges),
  };
};

/** The ranking endpoints sum over the range: voices from day items, the leaderboard from KOL week items. */
export const rankingsMatch = (p: Probe, config: KolPulseConfig): boolean =>
  isDeepStrictEqual(p.voicesApi, voiceTotalsFromOracle(p.oracle)) &&
  isDeepStrictEqual(p.leaderboardApi, leaderboardFromOracle(config, p.oracle));

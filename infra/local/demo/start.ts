import type { KolPulseConfig } from '../../../shared/config';
import type { DemoPlatform } from './demo-platform';

export const startDemoPlatform = async (_args: {
  config: KolPulseConfig;
  seed: number;
  speed: number;
  durationSeconds: number | undefined;
  dataDir: string;
}): Promise<DemoPlatform> => {
  throw new Error('demo platform not available yet');
};

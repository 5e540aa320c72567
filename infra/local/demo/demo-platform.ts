import type { Platform } from '../../../shared/platform';

/** The built-in demo platform as the twin sees it: a local server speaking the platforms' APIs, kept busy. */
export interface DemoPlatform {
  /** Base URL of the local platform API server. */
  url: string;
  /** What an adapter's PLATFORM_BASE_URL must be to reach `platform` on the server. */
  baseUrlFor(platform: Platform): string;
  /** Credentials file (PLATFORM_CREDENTIALS_FILE) with the tokens the demo server accepts. */
  credentialsFile: string;
  stats(): { posts: number; frozen: boolean };
  stop(): Promise<void>;
}

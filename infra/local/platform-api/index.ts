export { type Fault, type FaultMatch, FaultQueue } from './faults';
export { hashtagIdOf } from './platforms/instagram';
export { youtubeQuotaExceededBody } from './platforms/youtube';
export { PlatformQuotas, type QuotaOptions } from './quotas';
export {
  LOCAL_PLATFORM_CREDENTIALS,
  type LoggedRequest,
  type PlatformApi,
  type PlatformApiOptions,
  startPlatformApi,
} from './server';
export {
  type CounterName,
  generateAuthorId,
  generatePostId,
  type NewPost,
  PlatformStore,
  type PostPatch,
  platformPostId,
  type StoredAuthor,
  type StoredCounters,
  type StoredPost,
} from './store';

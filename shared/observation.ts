import { z } from 'zod';
import { PlatformSchema } from './platform';

const Count = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

/** One snapshot of one post, as a poller saw it. Hidden counters are absent (unknown), never 0. */
export const ObservationSchema = z.object({
  platform: PlatformSchema,
  postId: z.string().min(1).max(512),
  author: z.object({
    /** Platform's stable user id. */
    id: z.string().min(1).max(256),
    /** Handle without '@' (Mastodon: user@instance). */
    handle: z.string().min(1).max(256),
    /**
     * The author's follower (YouTube: subscriber) count as the platform reported it when the post was
     * polled; absent when the platform does not give it (Reddit, a hidden YouTube count), never 0 for unknown.
     */
    followers: Count.optional(),
  }),
  hashtags: z.array(z.string().min(1).max(280)).max(100),
  publishedAt: z.iso.datetime({ offset: true }),
  observedAt: z.iso.datetime({ offset: true }),
  counters: z.object({
    likes: Count.optional(),
    shares: Count.optional(),
    comments: Count.optional(),
    views: Count.optional(),
  }),
  url: z.string().max(2048).optional(),
});
export type Observation = z.infer<typeof ObservationSchema>;

export const OBSERVATION_MESSAGE_VERSION = 1;

/**
 * One SQS message: a page of observations from one poll. Observations are validated one by one by the
 * consumer (not here), so one malformed observation does not reject its neighbours.
 */
export const ObservationMessageSchema = z.object({
  version: z.literal(OBSERVATION_MESSAGE_VERSION),
  platform: PlatformSchema,
  /** Poll cycle id, for tracing. */
  pollId: z.string().max(128).optional(),
  observations: z.array(z.unknown()).min(1).max(5_000),
});
export type ObservationMessage = Omit<z.infer<typeof ObservationMessageSchema>, 'observations'> & {
  observations: Observation[];
};

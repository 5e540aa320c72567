import type { z } from 'zod';
import type { Platform } from '../platform';
import * as bluesky from './bluesky';
import * as instagram from './instagram';
import * as mastodon from './mastodon';
import * as reddit from './reddit';
import * as x from './x';
import * as youtube from './youtube';

/**
 * The zod schemas the adapters parse each endpoint's answer with, by platform and endpoint: an envelope, and
 * the schema each item of it must meet. Contract tests check the platforms' documented examples and the local
 * platform API's answers against these same schemas.
 */
export interface EndpointSchema {
  envelope: z.ZodType;
  item: z.ZodType;
  /** The items of a parsed envelope. */
  items: (envelope: never) => readonly unknown[];
}

const dataOf = (e: { data?: readonly unknown[] }) => e.data ?? [];
const postsOf = (e: { posts: readonly unknown[] }) => e.posts;
const itemsOf = (e: { items: readonly unknown[] }) => e.items;

export const ENDPOINT_SCHEMAS: Record<Platform, Record<string, EndpointSchema>> = {
  x: {
    search: { envelope: x.ResponseSchema, item: x.TweetSchema, items: dataOf },
    lookup: { envelope: x.ResponseSchema, item: x.TweetSchema, items: dataOf },
  },
  mastodon: {
    tagTimeline: {
      envelope: mastodon.StatusArraySchema,
      item: mastodon.StatusSchema,
      items: (e: unknown[]) => e,
    },
  },
  bluesky: {
    searchPosts: { envelope: bluesky.SearchResponseSchema, item: bluesky.PostViewSchema, items: postsOf },
    getPosts: { envelope: bluesky.GetPostsResponseSchema, item: bluesky.PostViewSchema, items: postsOf },
    getProfiles: {
      envelope: bluesky.GetProfilesResponseSchema,
      item: bluesky.ProfileSchema,
      items: (e: { profiles: readonly unknown[] }) => e.profiles,
    },
  },
  youtube: {
    search: { envelope: youtube.SearchResponseSchema, item: youtube.SearchItemSchema, items: itemsOf },
    videos: { envelope: youtube.VideosResponseSchema, item: youtube.VideoSchema, items: itemsOf },
    channels: { envelope: youtube.VideosResponseSchema, item: youtube.ChannelSchema, items: itemsOf },
  },
  reddit: {
    listing: {
      envelope: reddit.ListingSchema,
      item: reddit.LinkSchema,
      items: (e: { data: { children: { data?: unknown }[] } }) => e.data.children.map((c) => c.data),
    },
  },
  instagram: {
    recentMedia: { envelope: instagram.PageSchema, item: instagram.MediaSchema, items: dataOf },
    businessDiscovery: {
      envelope: instagram.DiscoverySchema,
      item: instagram.MediaSchema,
      items: (e: { business_discovery: { media?: { data: unknown[] } } }) =>
        e.business_discovery.media?.data ?? [],
    },
  },
};

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PollEventError, pollDepsFromEnv } from '../../../functions/poll/app';
import { ENV } from '../../../shared/topology';
import { idsOf, MINUTE, makeWorld, postIds, startEngines, T0 } from './harness';

describe('poll handler', () => {
  let engines: Awaited<ReturnType<typeof startEngines>>;
  beforeAll(async () => {
    engines = await startEngines();
  });
  afterAll(async () => {
    await engines.close();
  });

  it('accepts the EventBridge Scheduler event shape, and no input at all', async () => {
    const world = await makeWorld(engines);
    world.platform.addPosts(3, 'nextidea', T0 - MINUTE);
    const scheduled = {
      version: '0',
      id: 'a1b2',
      'detail-type': 'Scheduled Event',
      source: 'aws.scheduler',
      time: '2025-03-10T12:00:00Z',
      resources: ['arn:aws:scheduler:us-east-1:000000000000:schedule/default/poll-x'],
      detail: { platform: 'x', attempt: '1' },
    };
    expect((await world.poll(120_000, scheduled)).observationsSent).toBe(3);
    expect((await world.poll(120_000, null)).stoppedReason).toBe('complete');
  });

  it('rejects a malformed event with the field named', async () => {
    const world = await makeWorld(engines);
    const error = await world.poll(120_000, { backfill: { since: 'yesterday' } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PollEventError);
    expect((error as Error).message).toMatch(/backfill\.since/);
    expect(world.platform.calls).toHaveLength(0);
  });

  it('does nothing for a platform the configuration disables', async () => {
    const world = await makeWorld(engines, { enabled: false });
    world.platform.addPosts(3, 'nextidea', T0 - MINUTE);
    expect((await world.poll()).stoppedReason).toBe('disabled');
    expect(world.platform.calls).toHaveLength(0);
  });

  it('keeps one adapter across warm invocations, built with the roster handles and base URL', async () => {
    const world = await makeWorld(engines);
    await world.poll();
    world.clock.t += 5 * MINUTE;
    await world.poll();
    expect(world.adapterOptions).toHaveLength(1);
    expect(world.adapterOptions[0]).toMatchObject({ credentials: {}, rosterHandles: [] });
  });

  it('backfills from a given instant with its own resume points, leaving the regular cursor alone', async () => {
    // Arrange: a regular cycle has set the cursor
    const world = await makeWorld(engines);
    const posts = world.platform.addPosts(30, 'nextidea', T0 - MINUTE, MINUTE);
    await world.poll();
    await world.drain();
    const cursorBefore = await world.cursor('nextidea');
    const since = new Date(T0 - 15 * MINUTE).toISOString();
    // Act
    const first = await world.poll(120_000, { backfill: { since } });
    const again = await world.poll(120_000, { backfill: { since } });
    // Assert: posts from `since` on were re-read once; a repeated backfill finds its work complete
    expect(first).toMatchObject({ backfill: since, searchesCompleted: 1, tracked: 0 });
    const expected = posts.filter((p) => p.publishedMs >= Date.parse(since));
    expect(idsOf((await world.drain()).observations)).toEqual(postIds(expected));
    expect(again.pages).toBe(0);
    expect(await world.cursor('nextidea')).toEqual(cursorBefore);
  });
});

describe('pollDepsFromEnv', () => {
  const campaignsFile = () => {
    const dir = mkdtempSync(join(tmpdir(), 'poll-env-'));
    const path = join(dir, 'campaigns.json');
    writeFileSync(
      path,
      JSON.stringify({
        campaigns: [{ id: 'c1', name: 'C1', hashtags: ['#a'], start: '2025-03-01' }],
        platforms: { mastodon: {} },
      }),
    );
    return { dir, path };
  };
  const env = (overrides: Record<string, string | undefined> = {}) => ({
    [ENV.stateTable]: 'kol-pulse-test-state',
    [ENV.eventsQueueUrl]: 'http://127.0.0.1:1/000000000000/kol-pulse-test-events',
    [ENV.campaignsFile]: campaignsFile().path,
    [ENV.platform]: 'mastodon',
    ...overrides,
  });
  const clients = () => ({
    doc: {} as never,
    sqs: {} as never,
    logger: new Logger({ logLevel: 'SILENT' }),
  });

  it('reads the topology variables and the credentials file', async () => {
    const { dir } = campaignsFile();
    const credentialsFile = join(dir, 'credentials.json');
    writeFileSync(credentialsFile, JSON.stringify({ mastodon: { bearerToken: 'tok' } }));
    const deps = pollDepsFromEnv(
      env({
        [ENV.platformCredentialsFile]: credentialsFile,
        [ENV.platformBaseUrl]: 'http://127.0.0.1:9/mastodon',
      }),
      clients(),
    );
    expect(deps).toMatchObject({
      platform: 'mastodon',
      stateTableName: 'kol-pulse-test-state',
      baseUrl: 'http://127.0.0.1:9/mastodon',
    });
    expect(await deps.credentials.get()).toEqual({ bearerToken: 'tok' });
    expect(deps.config.campaigns[0]?.id).toBe('c1');
  });

  it('fails fast naming a missing variable or a wrong platform', () => {
    expect(() => pollDepsFromEnv(env({ [ENV.eventsQueueUrl]: undefined }), clients())).toThrow(
      `${ENV.eventsQueueUrl} environment variable is not set`,
    );
    expect(() => pollDepsFromEnv(env({ [ENV.platform]: 'myspace' }), clients())).toThrow(/PLATFORM.*one of/);
    expect(() =>
      pollDepsFromEnv(env({ [ENV.platformSecretArn]: 'arn:aws:secretsmanager:::secret:x' }), clients()),
    ).toThrow(/Secrets Manager client/);
  });

  it('uses no credentials without a secret or file (the demo platform)', async () => {
    const deps = pollDepsFromEnv(env(), clients());
    expect(await deps.credentials.get()).toEqual({});
  });
});

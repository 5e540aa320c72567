import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CredentialsError,
  FileCredentials,
  SecretsManagerCredentials,
} from '../../../functions/poll/credentials';

const smMock = mockClient(SecretsManagerClient);
afterEach(() => smMock.reset());

const ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:kol-pulse/prod/x-AbCdEf';
const TOKEN = 'AAAAAAAAAAAAAAAAAAAAAsecret-token-value';

const provider = (clock: { t: number }) =>
  new SecretsManagerCredentials(
    new SecretsManagerClient({ region: 'us-east-1' }),
    ARN,
    'x',
    300_000,
    () => clock.t,
  );

describe('SecretsManagerCredentials', () => {
  it('fetches the secret once and serves it from the cache until the TTL passes', async () => {
    smMock.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ bearerToken: TOKEN }) });
    const clock = { t: 0 };
    const credentials = provider(clock);

    const first = await credentials.get();
    clock.t = 299_000;
    const second = await credentials.get();
    expect(first).toEqual({ bearerToken: TOKEN });
    expect(second).toBe(first);
    expect(smMock.commandCalls(GetSecretValueCommand)).toHaveLength(1);

    clock.t = 300_000;
    const third = await credentials.get();
    expect(smMock.commandCalls(GetSecretValueCommand)).toHaveLength(2);
    // Unchanged value: the same object, so the adapter built from it (and its session) is kept.
    expect(third).toBe(first);
  });

  it('picks up a rotated secret after the TTL', async () => {
    smMock
      .on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: JSON.stringify({ bearerToken: 'old' }) })
      .resolves({ SecretString: JSON.stringify({ bearerToken: 'new' }) });
    const clock = { t: 0 };
    const credentials = provider(clock);
    expect(await credentials.get()).toEqual({ bearerToken: 'old' });
    clock.t = 400_000;
    expect(await credentials.get()).toEqual({ bearerToken: 'new' });
  });

  it('shares one request between concurrent cold reads', async () => {
    smMock.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ bearerToken: TOKEN }) });
    const credentials = provider({ t: 0 });
    await Promise.all([credentials.get(), credentials.get(), credentials.get()]);
    expect(smMock.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  it('accepts the credentials nested under the platform name', async () => {
    smMock
      .on(GetSecretValueCommand)
      .resolves({ SecretString: JSON.stringify({ x: { bearerToken: TOKEN } }) });
    expect(await provider({ t: 0 }).get()).toEqual({ bearerToken: TOKEN });
  });

  it('names the problem without echoing the secret when it is not JSON', async () => {
    smMock.on(GetSecretValueCommand).resolves({ SecretString: `token=${TOKEN}` });
    const error = await provider({ t: 0 })
      .get()
      .catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(CredentialsError);
    expect((error as Error).message).toContain('not valid JSON');
    expect((error as Error).message).not.toContain(TOKEN);
  });

  it('names the wrong field without its value', async () => {
    smMock.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ bearerToken: 987654 }) });
    const error = await provider({ t: 0 })
      .get()
      .catch((e: unknown) => e as Error);
    expect((error as Error).message).toMatch(/bearerToken/);
    expect((error as Error).message).not.toContain('987654');
  });

  it('says how to put the secret when it has no value yet', async () => {
    smMock
      .on(GetSecretValueCommand)
      .rejects(
        new ResourceNotFoundException({ message: "can't find the specified secret value", $metadata: {} }),
      );
    await expect(provider({ t: 0 }).get()).rejects.toThrow(/put-secret-value --secret-id/);
  });
});

describe('FileCredentials', () => {
  const file = (content: string) => {
    const path = join(mkdtempSync(join(tmpdir(), 'creds-')), 'credentials.json');
    writeFileSync(path, content);
    return path;
  };

  it('reads the entry of its platform', async () => {
    const path = file(
      JSON.stringify({ x: { bearerToken: TOKEN }, bluesky: { identifier: 'a', password: 'b' } }),
    );
    expect(await new FileCredentials(path, 'x').get()).toEqual({ bearerToken: TOKEN });
    expect(await new FileCredentials(path, 'bluesky').get()).toEqual({ identifier: 'a', password: 'b' });
  });

  it('gives no credentials to a platform the file does not mention', async () => {
    expect(await new FileCredentials(file('{}'), 'reddit').get()).toEqual({});
  });

  it('fails with the file named when it is missing or malformed', async () => {
    await expect(new FileCredentials('/nonexistent/creds.json', 'x').get()).rejects.toThrow(
      /\/nonexistent\/creds.json/,
    );
    await expect(new FileCredentials(file(`{"x": "${TOKEN}"`), 'x').get()).rejects.toThrow(/not valid JSON/);
  });
});

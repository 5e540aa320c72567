/**
 * Reads function configuration from an environment record (process.env in Lambda, the topology-derived
 * record in the local twin and tests), failing fast with the variable named.
 */
export type EnvRecord = Record<string, string | undefined>;

export const requireEnv = (env: EnvRecord, name: string): string => {
  const value = env[name];
  if (value === undefined || value === '') throw new Error(`${name} environment variable is not set`);
  return value;
};

export const optionalEnv = (env: EnvRecord, name: string): string | undefined => {
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
};

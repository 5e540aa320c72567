export * from '../../infra/local/dynamodb-local';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Set by the globalSetup dynamodb-local.setup.ts. */
    dynamodbLocalEndpoint: string;
  }
}

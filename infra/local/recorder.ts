import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type {
  SendMessageBatchCommandInput,
  SendMessageBatchCommandOutput,
  SendMessageCommandInput,
  SQSClient,
} from '@aws-sdk/client-sqs';

/**
 * Appends every observation the pollers put on the events queue to a JSON-lines file, after SQS accepted
 * it. This is the "delivered" input of the rollup oracle (test/support/oracle.ts): the e2e tests compare the
 * rollups the twin serves with what the oracle computes from this file.
 */
export const recordSentObservations = (client: SQSClient, file: string): void => {
  mkdirSync(dirname(file), { recursive: true });
  const record = (bodies: readonly (string | undefined)[]) => {
    const lines: string[] = [];
    for (const body of bodies) {
      if (!body) continue;
      try {
        const message = JSON.parse(body) as { observations?: unknown[] };
        for (const o of message.observations ?? []) lines.push(JSON.stringify(o));
      } catch {
        // not an events message
      }
    }
    // Synchronous on purpose: once SQS has a message, its record is on disk before anything else runs.
    if (lines.length > 0) appendFileSync(file, `${lines.join('\n')}\n`);
  };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      if (context.commandName === 'SendMessageCommand') {
        record([(args.input as SendMessageCommandInput).MessageBody]);
      } else if (context.commandName === 'SendMessageBatchCommand') {
        const input = args.input as SendMessageBatchCommandInput;
        const output = result.output as SendMessageBatchCommandOutput;
        const accepted = new Set((output.Successful ?? []).map((s) => s.Id));
        record((input.Entries ?? []).filter((e) => accepted.has(e.Id)).map((e) => e.MessageBody));
      }
      return result;
    },
    { step: 'initialize', name: 'kolPulseRecordSentObservations' },
  );
};

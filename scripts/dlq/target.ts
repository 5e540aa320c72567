import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListDeadLetterSourceQueuesCommand,
  ListQueuesCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { z } from 'zod';
import { describeIssues } from '../../shared/config';
import { physicalName, resourcePrefix, topology } from '../../shared/topology';
import { isUnsupported, queueCounts } from './queue';

/** A mistake in the command line: reported with a hint, exit code 2. */
export class DlqCliError extends Error {
  override name = 'DlqCliError';
}

/** What the local twin writes to `<data dir>/twin.json` while it runs. */
const TwinFileSchema = z.object({
  sqs: z.object({ endpoint: z.url() }),
  queues: z.object({ events: z.string().min(1), eventsDlq: z.string().min(1) }),
});

export interface CliTarget {
  client: SQSClient;
  dlqUrl: string;
  mainUrl?: string;
}

const LOCAL_CLIENT = { region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };

export const resolveTarget = async (values: {
  stage?: string;
  'queue-url'?: string;
  local?: string;
  endpoint?: string;
  to?: string;
}): Promise<CliTarget> => {
  const given = [values.stage, values['queue-url'], values.local].filter((v) => v !== undefined);
  if (given.length !== 1)
    throw new DlqCliError('give exactly one of --stage, --queue-url or --local (see --help)');
  if (values.local !== undefined) {
    const file = join(resolve(values.local), 'twin.json');
    if (!existsSync(file))
      throw new DlqCliError(`${file} not found: is the local twin running with --data ${values.local}?`);
    const parsed = TwinFileSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (!parsed.success) throw new DlqCliError(`${file} is not a twin file: ${describeIssues(parsed.error)}`);
    const client = new SQSClient({ ...LOCAL_CLIENT, endpoint: parsed.data.sqs.endpoint });
    return { client, dlqUrl: parsed.data.queues.eventsDlq, mainUrl: values.to ?? parsed.data.queues.events };
  }
  const client = new SQSClient(values.endpoint ? { ...LOCAL_CLIENT, endpoint: values.endpoint } : {});
  if (values['queue-url'] !== undefined)
    return { client, dlqUrl: values['queue-url'], ...(values.to ? { mainUrl: values.to } : {}) };
  const stage = values.stage ?? '';
  if (!/^[a-z][a-z0-9-]{0,15}$/.test(stage)) throw new DlqCliError(`--stage "${stage}" is not a stage name`);
  const prefix = resourcePrefix(stage);
  const dlq = await client.send(
    new GetQueueUrlCommand({ QueueName: physicalName(prefix, topology.queues.events.deadLetter.name) }),
  );
  const main = await client.send(
    new GetQueueUrlCommand({ QueueName: physicalName(prefix, topology.queues.events.name) }),
  );
  return { client, dlqUrl: dlq.QueueUrl ?? '', mainUrl: values.to ?? main.QueueUrl ?? '' };
};

/** The queue whose RedrivePolicy targets the DLQ: ListDeadLetterSourceQueues, else a scan of ListQueues. */
export const findSourceQueue = async (client: SQSClient, dlqUrl: string): Promise<string> => {
  try {
    const out = await client.send(new ListDeadLetterSourceQueuesCommand({ QueueUrl: dlqUrl }));
    const first = out.queueUrls?.[0];
    if (first) return first;
  } catch (e) {
    if (!isUnsupported(e) && (e as { name?: string }).name !== 'SyntaxError') throw e;
  }
  const { arn } = await queueCounts(client, dlqUrl);
  const queues = await client.send(new ListQueuesCommand({}));
  for (const url of queues.QueueUrls ?? []) {
    const attrs = await client.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['RedrivePolicy'] }),
    );
    const policy = attrs.Attributes?.RedrivePolicy;
    if (policy && (JSON.parse(policy) as { deadLetterTargetArn?: string }).deadLetterTargetArn === arn)
      return url;
  }
  throw new Error(`no queue has ${dlqUrl} as its dead-letter queue: pass --to <main queue url>`);
};

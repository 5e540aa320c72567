import { createReportHandler, type ReportDeps, reportDepsFromEnv } from '../../../functions/report/app';
import { type ReportServer, startReportServer } from '../api-gateway';
import { functionEnv, localFunctionName } from '../function-env';
import { describeListenError } from '../preflight';
import type { TwinContext } from './context';

/** The report function behind a local HTTP server bound to 127.0.0.1 (dashboard, API, OpenAPI). */
export const startReportApi = async (
  ctx: TwinContext,
  port: number,
  extra: Partial<ReportDeps> = {},
): Promise<ReportServer> => {
  const report = createReportHandler({
    ...reportDepsFromEnv(functionEnv('report', ctx.engines.resources), {
      doc: ctx.engines.dynamo.doc,
      logger: ctx.loggerFor(localFunctionName('report')),
    }),
    now: ctx.clock.now,
    ...extra,
  });
  try {
    return await startReportServer({ handler: report, port, host: '127.0.0.1' });
  } catch (e) {
    throw describeListenError(e, port);
  }
};

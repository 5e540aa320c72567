import {
  MethodNotAllowedError,
  NotFoundError,
  ParameterValidationError,
} from '@aws-lambda-powertools/event-handler/http';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { ApiError, type ErrorBody } from './errors';

export const COMMON_HEADERS = { 'X-Content-Type-Options': 'nosniff' };

/** Headers of the dashboard page and its assets. */
export const PAGE_SECURITY = {
  ...COMMON_HEADERS,
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'Referrer-Policy': 'no-referrer',
};

export const json = (body: unknown, status = 200): Response =>
  new Response(JSON.stringify(body), {
    status,
    headers: {
      ...COMMON_HEADERS,
      'Content-Type': 'application/json; charset=utf-8',
      'Cache-Control': 'no-store',
    },
  });

const errorJson = (status: number, error: ErrorBody['error']): Response => json({ error }, status);

export const csvResponse = (
  text: string,
  filename: string,
  extraHeaders: Record<string, string> = {},
): Response =>
  new Response(text, {
    headers: {
      ...COMMON_HEADERS,
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="${filename}"`,
      'Cache-Control': 'no-store',
      ...extraHeaders,
    },
  });

const INTERNAL_ERROR = { code: 'internal_error', message: 'Internal error; it has been logged' };

/** Maps anything thrown while routing to a response; only unexpected errors are 500s, and they are logged. */
export const errorResponse = (error: unknown, logger: Logger): Response => {
  if (error instanceof ApiError) return json(error.toBody(), error.status);
  if (error instanceof ParameterValidationError || error instanceof NotFoundError)
    return errorJson(404, { code: 'not_found', message: 'No such resource' });
  if (error instanceof MethodNotAllowedError)
    return errorJson(405, { code: 'method_not_allowed', message: 'Only GET is supported' });
  if (error instanceof URIError)
    return errorJson(400, { code: 'invalid_path', message: 'The path is not valid percent-encoding' });
  logger.error('Unexpected error while serving a report', error instanceof Error ? error : String(error));
  return errorJson(500, INTERNAL_ERROR);
};

/** The answer when the router throws, which it does only when it cannot even build a request from the event. */
export const unroutableResponse = (error: unknown, logger: Logger): APIGatewayProxyStructuredResultV2 => {
  logger.warn('Could not route the request', error instanceof Error ? error : String(error));
  const status = (error as Error).name === 'InvalidEventError' ? 500 : 400;
  return {
    statusCode: status,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify({
      error:
        status === 500
          ? INTERNAL_ERROR
          : { code: 'invalid_request', message: 'The request could not be read' },
    }),
  };
};

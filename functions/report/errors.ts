/** An error whose message is safe to show to the caller: bad input (400) or an unknown id (404). */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: 400 | 401 | 404 | 405 | 409 | 413 | 503,
    readonly code: string,
    message: string,
    readonly parameter?: string,
    readonly allowed?: string | readonly string[],
  ) {
    super(message);
  }

  toBody(): ErrorBody {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.parameter === undefined ? {} : { parameter: this.parameter }),
        ...(this.allowed === undefined
          ? {}
          : { allowed: typeof this.allowed === 'string' ? this.allowed : [...this.allowed] }),
      },
    };
  }
}

export interface ErrorBody {
  error: { code: string; message: string; parameter?: string; allowed?: string | string[] };
}

export const badParameter = (
  parameter: string,
  code: string,
  message: string,
  allowed?: string | readonly string[],
): ApiError => new ApiError(400, code, message, parameter, allowed);

export const notFound = (code: string, message: string): ApiError => new ApiError(404, code, message);

/** Something started that must be closed again (a server, an engine, a timer loop). */
export interface Closable {
  close(): Promise<void>;
}

/**
 * What has started so far, closed in reverse order of starting. A close that throws does not stop the
 * others: every engine and server still gets its chance to shut down.
 */
export class Closers {
  private readonly stack: (() => Promise<void> | void)[] = [];

  /** Closes `part` when the rest closes; returns it for chaining. */
  add<T extends Closable>(part: T): T {
    this.stack.push(() => part.close());
    return part;
  }

  defer(close: () => Promise<void> | void): void {
    this.stack.push(close);
  }

  async closeAll(): Promise<void> {
    for (const close of this.stack.splice(0).reverse()) {
      try {
        await close();
      } catch {
        // keep closing the rest
      }
    }
  }
}

/**
 * Runs `start` with its own closers: if it throws, what it had started is closed before the error goes on;
 * otherwise the result gets a `close` that closes all of it in reverse order.
 */
export const startAll = async <T extends object>(
  start: (closers: Closers) => Promise<T>,
  closers = new Closers(),
): Promise<T & Closable> => {
  try {
    const started = await start(closers);
    return { ...started, close: () => closers.closeAll() };
  } catch (e) {
    await closers.closeAll();
    throw e;
  }
};

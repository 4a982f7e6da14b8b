import { Injectable } from '@nestjs/common';

/**
 * Whether the process is shutting down. Set the moment SIGTERM arrives (graceful-shutdown.ts), before
 * in-flight requests end: readiness reads it and answers 503 at once, so load balancers stop sending.
 * Long-running work (jobs) can watch `signal` to stop taking new work; leases are released in
 * `beforeApplicationShutdown`, which runs after HTTP has drained and before the database connection closes.
 */
@Injectable()
export class ShutdownState {
  private readonly controller = new AbortController();

  get shuttingDown(): boolean {
    return this.controller.signal.aborted;
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  begin(): void {
    if (!this.shuttingDown) this.controller.abort();
  }
}

import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Operator metrics in Prometheus format. Served only behind the administrator key or on
 * a separate loopback listener: a member who could read `rows_suppressed` around its own
 * query would learn that a small group exists (a side channel past the output rules).
 */
export class ServerMetrics {
  readonly registry = new Registry();
  readonly queries = new Counter({
    name: 'cleanroom_queries_total',
    help: 'Protected queries by final status and analysis rule type',
    labelNames: ['status', 'rule'] as const,
    registers: [this.registry],
  });
  readonly queryDuration = new Histogram({
    name: 'cleanroom_query_duration_seconds',
    help: 'Time from submission to outcome of protected queries',
    labelNames: ['status'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900],
    registers: [this.registry],
  });
  readonly rowsReleased = new Counter({
    name: 'cleanroom_rows_released_total',
    help: 'Result rows delivered to receivers',
    registers: [this.registry],
  });
  readonly rowsSuppressed = new Counter({
    name: 'cleanroom_rows_suppressed_total',
    help: 'Output rows removed by owners\' output constraints',
    registers: [this.registry],
  });
  readonly budgetSpent = new Counter({
    name: 'cleanroom_privacy_epsilon_spent_total',
    help: 'Differential-privacy epsilon spent by released queries',
    registers: [this.registry],
  });
  readonly bytesIngested = new Counter({
    name: 'cleanroom_bytes_ingested_total',
    help: 'Bytes of dataset files uploaded',
    registers: [this.registry],
  });
  readonly activeQueries: Gauge;
  readonly httpRequests = new Counter({
    name: 'cleanroom_http_requests_total',
    help: 'HTTP requests by route and status code',
    labelNames: ['method', 'route', 'code'] as const,
    registers: [this.registry],
  });

  /** `activeQueries` is read when metrics are collected (the scheduler's count). */
  constructor(activeQueries: () => number) {
    this.activeQueries = new Gauge({
      name: 'cleanroom_active_queries',
      help: 'Protected queries queued or running',
      registers: [this.registry],
      collect() {
        this.set(activeQueries());
      },
    });
  }

  async text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

// The metrics part of the observability layer (Prometheus, prom-client).
export { createMetricsRegistry, QUARRY_METRIC_NAMES, STEP_DURATION_BUCKETS, type MetricsRegistryOptions, type MetricsSource } from './metrics-registry.ts';
export { startMetricsServer, type MetricsServerConfig, type RunningMetricsServer } from './metrics-server.ts';
export { freshnessLagSeconds } from './metrics-freshness.ts';
export { parsePrometheusText, type PrometheusFamily, type PrometheusSample } from './metrics-text-parser.ts';

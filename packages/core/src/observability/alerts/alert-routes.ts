import type { AlertDestination, AlertsConfig, AlertSeverity } from '../../definitions/index.ts';

/** The route id of the periodic summary's destination. */
export const SUMMARY_ROUTE = 'summary';

/**
 * The id a delivery row names its route by: `routes[<index>]:<type>`, or `summary`. It holds no
 * secret, so `quarry alerts` can print it; the destination is looked up again at delivery time.
 */
export function routeId(index: number, destination: AlertDestination): string {
  return `routes[${index}]:${destination.type}`;
}

/** The ids of the routes that take alerts of `severity`. */
export function routesFor(config: AlertsConfig, severity: AlertSeverity | string): string[] {
  return config.routes.flatMap((route, i) => (route.when.includes(severity as AlertSeverity) ? [routeId(i, route.to)] : []));
}

/** Every route id of the project (the summary's included when configured): where `quarry alerts test` sends. */
export function allRoutes(config: AlertsConfig): string[] {
  return [...config.routes.map((route, i) => routeId(i, route.to)), ...(config.summary ? [SUMMARY_ROUTE] : [])];
}

/** The destination a route id names in the current config, or undefined when the config no longer has it. */
export function destinationOf(config: AlertsConfig, id: string): AlertDestination | undefined {
  if (id === SUMMARY_ROUTE) return config.summary?.to;
  const match = /^routes\[(\d+)\]:(\w+)$/.exec(id);
  if (!match) return undefined;
  const route = config.routes[Number(match[1])];
  return route !== undefined && route.to.type === match[2] ? route.to : undefined;
}

/** A destination described without its secrets: PagerDuty's endpoint host, the SMTP host and recipients, a webhook's origin. */
export function describeDestination(destination: AlertDestination): string {
  switch (destination.type) {
    case 'pagerduty':
      return `PagerDuty via ${safeOrigin(destination.url)} (routing key hidden)`;
    case 'email':
      return `email to ${destination.to.join(', ')} via ${destination.smtp.host}:${destination.smtp.port ?? (destination.smtp.secure ? 465 : 587)}`;
    case 'webhook':
      return `webhook ${safeOrigin(destination.url)}/… (path hidden)`;
  }
}

function safeOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '(invalid URL)';
  }
}

export * from './alert-routes.ts';
export * from './alert-rules.ts';
export * from './alert-senders.ts';
export * from './alert-delivery.ts';
export * from './alert-summary.ts';
export * from './alert-raiser.ts';

export * from './automation-condition.ts';
export * from './cron-schedule.ts';
export * from './daemon.ts';
export * from './freshness.ts';
export { crashPoint, DAEMON_CRASH_POINTS } from './fault-injection.ts';
export * from './automation-overview.ts';

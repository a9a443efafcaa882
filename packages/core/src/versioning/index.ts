export * from './asset-state.ts';
export * from './code-version.ts';
export * from './input-fingerprint.ts';
export * from './normalize-source.ts';
export * from './staleness.ts';
export * from './freshness-base.ts';

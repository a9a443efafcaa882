export * from './openlineage-types.ts';
export * from './openlineage-names.ts';
export * from './openlineage-facets.ts';
export * from './openlineage-transport.ts';
export * from './openlineage-emitter.ts';

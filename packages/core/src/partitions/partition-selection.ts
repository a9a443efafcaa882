/**
 * Which partitions a command covers: one key, an inclusive range, a list of keys, or (absent) all
 * of them. Keys are read in each asset's own partitions definition (see `resolvePartitionTargets`).
 *
 * ```ts
 * const week: PartitionSelection = { from: '2026-03-02', to: '2026-03-08' };
 * ```
 */
export type PartitionSelection = { readonly key: string } | { readonly from: string; readonly to: string } | { readonly keys: readonly string[] };

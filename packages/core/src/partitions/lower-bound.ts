/**
 * The first index in `[0, size)` at which the monotone `predicate` holds (or `size` when it never
 * does): a binary search over partition indices, so finding a window among millions is O(log n).
 */
export function lowerBound(size: number, predicate: (i: number) => boolean): number {
  let lo = 0;
  let hi = size;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (predicate(mid)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

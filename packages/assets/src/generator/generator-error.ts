/**
 * The error the generator and `quarry-tiktok` raise for bad arguments or unusable output folders.
 *
 * It mirrors `QuarryError` from `@quarry/core` (same `code` field and message style: the bad value and
 * what to do) without importing core, so the generator stays dependency-free.
 */
export class GeneratorError extends Error {
  readonly code: 'QUARRY_BAD_ARGUMENT';

  constructor(message: string) {
    super(message);
    this.name = 'GeneratorError';
    this.code = 'QUARRY_BAD_ARGUMENT';
  }
}

/** True when `error` is a `GeneratorError`. */
export function isGeneratorError(error: unknown): error is GeneratorError {
  return error instanceof GeneratorError;
}

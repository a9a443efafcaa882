import type { AssetLogger } from '../definitions/index.ts';
import type { StepLogLevel } from './execution-event.ts';

/**
 * The logger a step runner receives for one attempt; every line becomes a `log` event carrying the
 * step id and attempt. It has the shape of `AssetLogger`, so the runner can hand it to asset code.
 */
export type StepLogger = AssetLogger;

/** Where an `EventStepLogger` sends its lines. */
export type StepLogSink = (
  stepIndex: number,
  attempt: number,
  level: StepLogLevel,
  message: string,
  data: Record<string, unknown> | undefined,
) => void;

/**
 * Creates the `StepLogger` of one attempt of one step, forwarding each line to `sink`. The methods
 * are bound, so asset code may destructure them (`const { info } = ctx.log`).
 */
export function createStepLogger(sink: StepLogSink, stepIndex: number, attempt: number): StepLogger {
  return {
    debug: (message, data) => sink(stepIndex, attempt, 'debug', message, data),
    info: (message, data) => sink(stepIndex, attempt, 'info', message, data),
    warn: (message, data) => sink(stepIndex, attempt, 'warn', message, data),
    error: (message, data) => sink(stepIndex, attempt, 'error', message, data),
  };
}

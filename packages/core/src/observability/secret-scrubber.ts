/** Names of environment variables whose values are secrets (a word of the name, between underscores): their values never reach a log line. */
export const SECRET_ENV_NAME = /(^|_)(TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIALS?|API_?KEY|PRIVATE_?KEY|ROUTING_?KEY|AUTH|WEBHOOK(_URL)?)(_|$)/i;

// Shorter values would scrub ordinary words ("1", "true", "dev") out of every line.
const MIN_SECRET_LENGTH = 6;

/**
 * The secret values of an environment: every variable whose name looks like a secret
 * (`QUARRY_TOKEN`, `PAGERDUTY_ROUTING_KEY`, `SMTP_PASSWORD`, …) and whose value is at least 6 characters.
 */
export function secretValuesFromEnv(env: NodeJS.ProcessEnv): string[] {
  const values: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && value.length >= MIN_SECRET_LENGTH && SECRET_ENV_NAME.test(name)) values.push(value);
  }
  return values;
}

/**
 * Creates the function that replaces every occurrence of the given secret values in a serialized log
 * line by `[REDACTED]` — both as written and as escaped inside a JSON string. Values shorter than 6
 * characters are ignored. With no secrets it returns its input unchanged.
 *
 * ```ts
 * const scrub = createSecretScrubber([process.env.QUARRY_TOKEN ?? '']);
 * scrub('{"msg":"GET /api?token=s3cr3t-token"}'); // '{"msg":"GET /api?token=[REDACTED]"}'
 * ```
 */
export function createSecretScrubber(secrets: readonly string[]): (line: string) => string {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (secret.length < MIN_SECRET_LENGTH) continue;
    forms.add(secret);
    forms.add(JSON.stringify(secret).slice(1, -1));
  }
  // Longest first, so a secret that contains another is replaced whole.
  const ordered = [...forms].sort((a, b) => b.length - a.length);
  if (ordered.length === 0) return (line) => line;
  return (line) => {
    let out = line;
    for (const form of ordered) if (out.includes(form)) out = out.split(form).join(REDACTED);
    return out;
  };
}

/** What a redacted value reads as in a log line. */
export const REDACTED = '[REDACTED]';

/**
 * A copy of `value` (a log line's data, an event's message) with every string scrubbed by `scrub` and
 * the value of every field named in `redactKeys` replaced by `[REDACTED]`, at any depth. What the
 * catalog stores of a run's log lines goes through it, as the log files do through pino's redaction.
 */
export function redactValue<T>(value: T, scrub: (text: string) => string, redactKeys: ReadonlySet<string>): T {
  const walk = (v: unknown, depth: number): unknown => {
    if (typeof v === 'string') return scrub(v);
    if (v === null || typeof v !== 'object' || depth > 20) return v;
    if (Array.isArray(v)) return v.map((item) => walk(item, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(v)) out[key] = redactKeys.has(key) ? REDACTED : walk(item, depth + 1);
    return out;
  };
  return walk(value, 0) as T;
}

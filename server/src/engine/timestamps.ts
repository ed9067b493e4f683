/**
 * Timestamps stored as a count of units since the Unix epoch (Parquet TIMESTAMP, Avro timestamp-millis/-micros), as
 * the ISO 8601 text a preview shows: exact to the unit, whatever its size (bigint arithmetic, no float rounding).
 */
/** The largest |milliseconds| a Date holds. */
export const MAX_DATE_MS = 8.64e15;

/**
 * `value` units of 1/`perSecond` s since the epoch, with `digits` fraction digits (3 milli, 6 micro, 9 nano; 0 for
 * none) and `zone` (`Z` for UTC, empty for a local timestamp). Outside what a Date holds (±275,000 years): the raw
 * count, exact.
 */
export function isoOfEpochCount(value: bigint, perSecond: bigint, digits: number, zone = 'Z'): string {
  let seconds = value / perSecond;
  let fraction = value % perSecond;
  if (fraction < 0n) {
    fraction += perSecond;
    seconds -= 1n;
  }
  const ms = Number(seconds) * 1000;
  if (!(Math.abs(ms) <= MAX_DATE_MS)) return value.toString();
  const text = new Date(ms).toISOString().slice(0, 19);
  return `${text}${digits ? `.${fraction.toString().padStart(digits, '0')}` : ''}${zone}`;
}

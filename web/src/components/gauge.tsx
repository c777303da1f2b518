/**
 * How much of a limit is used: a bar with its numbers in text. Past 80% it turns amber, at or
 * past the limit red. `value` without `max` shows the value alone (no limit to measure against).
 */
export function Gauge({
  label,
  value,
  max,
  text,
  reserved = 0,
  fullIsDone = false,
}: {
  label: string;
  value: number;
  max: number | null;
  text: string;
  reserved?: number;
  fullIsDone?: boolean;
}) {
  const share = max === null || max <= 0 ? null : Math.min(1, value / max);
  const reservedShare = max === null || max <= 0 ? 0 : Math.min(1 - (share ?? 0), reserved / max);
  // For progress a full bar is the goal; for money and time it is the limit.
  const level = share === null ? 'none' : fullIsDone ? 'ok' : share >= 1 ? 'over' : share >= 0.8 ? 'high' : 'ok';
  return (
    <div className={`gauge gauge-${level}`} title={`${label}: ${text}`}>
      <div
        className="gauge-track"
        role="meter"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={max ?? undefined}
        aria-valuenow={value}
        aria-valuetext={text}
      >
        {share !== null && <div className="gauge-fill" style={{ width: `${share * 100}%` }} />}
        {reservedShare > 0 && <div className="gauge-reserved" style={{ width: `${reservedShare * 100}%` }} />}
      </div>
      <span className="gauge-text">{text}</span>
    </div>
  );
}

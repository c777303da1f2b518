/** Money as people read it: cents, or finer when a step costs less than one. */
export function usd(value: number | null | undefined): string {
  if (value === null || value === undefined) return '-';
  if (value !== 0 && Math.abs(value) < 0.01) return `$${value.toFixed(4)}`;
  return `$${value.toFixed(2)}`;
}

/** A duration in the largest units that matter: `850 ms`, `12.3 s`, `4 min 05 s`, `2 h 10 min`. */
export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '-';
  if (ms < 1_000) return `${Math.max(0, Math.round(ms))} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)} s`;
  if (ms < 3_600_000)
    return `${Math.floor(ms / 60_000)} min ${String(Math.floor((ms % 60_000) / 1_000)).padStart(2, '0')} s`;
  return `${Math.floor(ms / 3_600_000)} h ${String(Math.floor((ms % 3_600_000) / 60_000)).padStart(2, '0')} min`;
}

export function time(iso: string | number | null | undefined): string {
  if (iso === null || iso === undefined) return '-';
  const date = new Date(iso);
  return Number.isNaN(date.getTime())
    ? '-'
    : date.toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' });
}

/** Compact JSON for a cell; the full value goes in a <pre>. */
export function json(value: unknown, space = 2): string {
  if (value === undefined) return '';
  return JSON.stringify(value, null, space);
}

export function short(text: string, max = 80): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

import { json } from '../format.js';

/** A JSON value, scrollable and never wider than its box. */
export function JsonView({ value, label }: { value: unknown; label: string }) {
  if (value === undefined) return null;
  return (
    <pre className="json" aria-label={label} tabIndex={0}>
      {json(value)}
    </pre>
  );
}

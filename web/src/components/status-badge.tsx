/** A status in words and colour (the colour is never the only cue: the word is always there). */
export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge status-${status}`}>{status.replace('_', ' ')}</span>;
}

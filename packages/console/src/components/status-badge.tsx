// A job status as a coloured label (the text carries the meaning; colour only helps).
export function StatusBadge({ status }: { status: string }) {
  return <span class={`badge status-${status.toLowerCase().replace(/_/g, '-')}`}>{status}</span>;
}

import { readFileSync } from 'node:fs';

/**
 * This process's peak resident set in KB. On Linux it is VmHWM from /proc/self/status, not
 * `process.resourceUsage().maxRSS`: a child spawned by fork starts with the parent's pages
 * resident, and getrusage keeps that high-water mark across exec, so a child of a 100 MB bench
 * process reports at least 100 MB whatever it does itself. VmHWM belongs to the memory map that
 * exec created, so it counts only the child's own program. Elsewhere, maxRSS is all there is.
 */
export function peakRssKB() {
  try {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (match) return Number(match[1]);
  } catch {
    // No procfs (macOS, Windows): fall back to getrusage.
  }
  return process.resourceUsage().maxRSS;
}

// Preloaded with --import into a process the bench measures: on exit it writes the process's
// own resource usage (CPU milliseconds, peak RSS in KB) as the last line of stderr, so the
// figure is the process's and not the bench's. Plain JavaScript, so bare `node` can load it.
import { peakRssKB } from './peak-rss-kb.js';

process.on('exit', () => {
  const usage = process.resourceUsage();
  process.stderr.write(
    `\nbench-usage ${JSON.stringify({ cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1_000, maxRssKB: peakRssKB() })}\n`,
  );
});

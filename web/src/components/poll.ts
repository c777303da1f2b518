import { useEffect, useRef } from 'react';

/** Calls `tick` now and every `ms` while the page is visible; a tick still running is not overlapped. */
export function usePoll(tick: () => Promise<void>, ms: number, deps: readonly unknown[]): void {
  const current = useRef(tick);
  current.current = tick;
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const loop = async (): Promise<void> => {
      if (stopped) return;
      if (document.visibilityState !== 'hidden') await current.current().catch(() => undefined);
      if (!stopped) timer = setTimeout(() => void loop(), ms);
    };
    void loop();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, deps);
}

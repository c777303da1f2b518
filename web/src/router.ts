import { useEffect, useState } from 'react';

/** The dashboard's pages, as paths the server answers with the app (src/server/dashboard.ts). */
export type Route =
  | { page: 'runs' }
  | { page: 'run'; runId: string; step: string | null }
  | { page: 'audit'; runId: string }
  | { page: 'capabilities' }
  | { page: 'missing'; path: string };

export function parseRoute(path: string, search: string): Route {
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts.length === 0 || (parts.length === 1 && parts[0] === 'runs')) return { page: 'runs' };
  if (parts[0] === 'capabilities' && parts.length === 1) return { page: 'capabilities' };
  if (parts[0] === 'runs' && parts[1] !== undefined && parts.length === 2)
    return { page: 'run', runId: parts[1], step: new URLSearchParams(search).get('step') };
  if (parts[0] === 'runs' && parts[1] !== undefined && parts[2] === 'audit' && parts.length === 3)
    return { page: 'audit', runId: parts[1] };
  return { page: 'missing', path };
}

export function runPath(runId: string, step?: string | null): string {
  return `/runs/${encodeURIComponent(runId)}${step ? `?step=${encodeURIComponent(step)}` : ''}`;
}

const CHANGE = 'baton:navigate';

/** Moves to a page of the app without reloading it. */
export function navigate(to: string, replace = false): void {
  if (replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  window.dispatchEvent(new Event(CHANGE));
}

export function useRoute(): Route {
  const read = (): Route => parseRoute(location.pathname, location.search);
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const update = (): void => setRoute(read());
    window.addEventListener('popstate', update);
    window.addEventListener(CHANGE, update);
    return () => {
      window.removeEventListener('popstate', update);
      window.removeEventListener(CHANGE, update);
    };
  }, []);
  return route;
}

/** A link that navigates inside the app (and still opens in a new tab with a modifier key). */
export function onLinkClick(event: React.MouseEvent<HTMLAnchorElement>): void {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey)
    return;
  event.preventDefault();
  navigate(event.currentTarget.getAttribute('href') ?? '/');
}

import { createValueStore } from './external-store';

export type Route =
  | { name: 'home' }
  | { name: 'room'; roomId: string }
  | { name: 'profile' }
  | { name: 'new-group' }
  | { name: 'new-direct' };

export function parseRoute(pathname: string): Route {
  const room = /^\/rooms\/([^/]+)\/?$/.exec(pathname);
  if (room) return { name: 'room', roomId: decodeURIComponent(room[1]!) };
  if (pathname === '/profile') return { name: 'profile' };
  if (pathname === '/new/group') return { name: 'new-group' };
  if (pathname === '/new/direct') return { name: 'new-direct' };
  return { name: 'home' };
}

export function pathOf(route: Route): string {
  switch (route.name) {
    case 'room':
      return `/rooms/${encodeURIComponent(route.roomId)}`;
    case 'profile':
      return '/profile';
    case 'new-group':
      return '/new/group';
    case 'new-direct':
      return '/new/direct';
    default:
      return '/';
  }
}

/** History-API routes (the server falls back to index.html for them); ids only, never tokens. */
export const routeStore = createValueStore<Route>(parseRoute(location.pathname));

export function navigate(route: Route, replace = false): void {
  const path = pathOf(route);
  if (path !== location.pathname) {
    if (replace) history.replaceState(null, '', path);
    else history.pushState(null, '', path);
  }
  routeStore.set(route);
}

addEventListener('popstate', () => routeStore.set(parseRoute(location.pathname)));

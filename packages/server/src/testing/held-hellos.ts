import type { Services } from '../services.js';

/**
 * Holds every hello inside its token check until `release()`, as a storm of reconnects keeps a
 * gateway's hellos busy. `held()` counts the hellos that reached it.
 */
export function holdHellos(services: Services) {
  const auth = services.auth;
  const verify = auth.authenticate;
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let held = 0;
  auth.authenticate = async (token) => {
    held++;
    await gate;
    return verify(token);
  };
  return {
    held: () => held,
    /** Lets the held hellos go on and answers later ones at once. */
    release() {
      auth.authenticate = verify;
      release();
    },
  };
}

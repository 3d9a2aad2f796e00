import type { Driver, SessionConfig } from 'neo4j-driver';

/** The same driver, keeping the configuration of every session opened through it (its access mode, its bookmarks). */
export function recordingSessions(driver: Driver): { driver: Driver; sessions: SessionConfig[] } {
  const sessions: SessionConfig[] = [];
  const session = (config: SessionConfig = {}) => {
    sessions.push(config);
    return driver.session(config);
  };
  return { driver: new Proxy(driver, { get: (target, key) => (key === 'session' ? session : Reflect.get(target, key)) }), sessions };
}

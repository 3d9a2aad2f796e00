/**
 * One holder per key at a time within this process; the others wait here, in arrival
 * order of their wake-ups, instead of inside the database.
 */
export class KeyedGate {
  private readonly held = new Map<string, Promise<void>>();

  /**
   * Runs `work` once no other `work` of the same key is running. A caller that had to wait
   * runs `recheck` first each time the key is released (every waiter at once): it throws
   * when waiting has made the call pointless, which ends the call without taking the key.
   */
  async run<T>(key: string, work: () => Promise<T>, recheck: () => Promise<void>): Promise<T> {
    for (let holder = this.held.get(key); holder; holder = this.held.get(key)) {
      await holder;
      await recheck();
    }
    // no await between the check above and taking the key: JavaScript runs this atomically
    let release!: () => void;
    this.held.set(key, new Promise<void>((resolve) => (release = resolve)));
    try {
      return await work();
    } finally {
      this.held.delete(key);
      release();
    }
  }
}

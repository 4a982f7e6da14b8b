/**
 * Runs tasks with the same key one after another within this process; tasks of other keys run freely.
 *
 * Why: FerretDB 1.24 (the embedded database) evaluates an update's filter and writes the document in
 * separate steps (its SQLite handler does not wrap them in a transaction, FerretDB issue #3040), so two
 * concurrent conditional updates `{ _id, version: 3 }` can both succeed and the later write replaces the
 * earlier whole. MongoDB and Cosmos DB apply such an update atomically; serializing the writes of one
 * document here makes the same guarantees hold on FerretDB for everything one instance writes.
 */
export class KeyedSerializer {
  private readonly tails = new Map<string, Promise<void>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(task);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** Keys with a task running or waiting (for tests: the map must not grow without bound). */
  get size(): number {
    return this.tails.size;
  }
}

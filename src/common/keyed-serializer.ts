/**
 * Runs tasks with the same key one after another within this process; tasks of other keys run freely.
 *
 * Why it stays, though MongoDB, Cosmos DB and mongo-java-server apply a conditional update atomically (so that
 * If-Match holds across instances without it, test/atomicity.e2e-spec.ts):
 * - FerretDB 1.24 evaluates an update's filter and writes the document in separate steps (FerretDB issue
 *   3040): two concurrent conditional updates `{ _id, version: 3 }` can both succeed. Serializing the writes
 *   of one document here makes one instance on FerretDB safe.
 * - Writers of one contact in one instance queue here instead of racing: 7 concurrent PATCHes without
 *   If-Match all succeed in turn, where unserialized they spend their optimistic retries and some get 409.
 * It costs a Map lookup per write, and nothing on reads.
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

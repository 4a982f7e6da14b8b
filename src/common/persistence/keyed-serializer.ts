/**
 * Runs tasks with the same key one after another within this process; tasks of other keys run freely.
 *
 * Why it stays, though MongoDB, Cosmos DB and mongo-java-server apply a conditional update atomically and the
 * service's If-Match, job claims and change numbers hold across instances without it (test/atomicity.e2e-spec.ts;
 * on mongo-java-server the contacts' concurrency tests pass with it switched off, too):
 * - FerretDB 1.24 evaluates an update's filter and writes the document in separate steps (FerretDB issue
 *   3040): two concurrent conditional updates `{ _id, version: 3 }` can both succeed. Serializing the writes
 *   of one document here keeps one instance on FerretDB safe, and the engines on one code path.
 * - Writers of one document in one instance queue here instead of spending optimistic retries on each other.
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

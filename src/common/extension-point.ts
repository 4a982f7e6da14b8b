/**
 * How a lower module tells or asks a higher one, which it may not import (the higher one imports it):
 * the lower module declares an extension point, a provider it exports (`class TabContentStores extends
 * ExtensionPoint<TabContentStore>`), and calls what is plugged into it; the higher module imports the
 * lower one and plugs its part in when it starts (`onModuleInit`). So the dependency shows in the
 * higher module's imports, the contract is a typed interface beside the point, calls are plain awaited
 * method calls (answers come back, errors reach the caller, order is the caller's), and a point with
 * nothing plugged in is a module used alone.
 */
export abstract class ExtensionPoint<T> {
  private readonly parts: T[] = [];

  /** Adds a part; parts are called in the order they were plugged in. */
  plug(part: T): void {
    if (!this.parts.includes(part)) this.parts.push(part);
  }

  get plugged(): readonly T[] {
    return this.parts;
  }
}

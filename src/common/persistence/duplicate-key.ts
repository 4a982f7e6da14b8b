/** MongoDB's duplicate key error (E11000), which every engine the service runs on returns the same way. */
const DUPLICATE_KEY = 11000;

/** A write refused because a document with the same unique key is stored. */
export function isDuplicateKey(error: unknown): boolean {
  return (error as { code?: number } | undefined)?.code === DUPLICATE_KEY;
}

/**
 * The positions of the documents an unordered insertMany refused as duplicates, when those are all its
 * errors; undefined when it failed otherwise (then the error is not about duplicates and is passed on).
 */
export function duplicatesOfInsertMany(error: unknown): number[] | undefined {
  const writeErrors = (
    error as {
      writeErrors?: Array<{ index?: number; code?: number; err?: { index?: number; code?: number } }>;
    }
  ).writeErrors;
  if (!writeErrors?.length) return undefined;
  const indexes: number[] = [];
  for (const writeError of writeErrors) {
    const code = writeError.code ?? writeError.err?.code;
    const index = writeError.index ?? writeError.err?.index;
    if (code !== DUPLICATE_KEY || index === undefined) return undefined;
    indexes.push(index);
  }
  return indexes;
}

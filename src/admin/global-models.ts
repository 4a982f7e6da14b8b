/**
 * Models whose documents belong to no tenant (none yet). Every other model of the connection must use
 * the tenantScoped plugin: the tenant purge deletes from each of them, and a test fails when a model is
 * neither, so a new collection cannot escape the purge unnoticed.
 */
export const GLOBAL_MODELS: ReadonlySet<string> = new Set<string>();

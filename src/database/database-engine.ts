import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import type { Connection } from 'mongoose';

/** What the service knows of the database server it talks to, read once at start. */
export interface DatabaseEngineInfo {
  /** `FerretDB`, `mongo-java-server`, `Azure Cosmos DB` or `MongoDB`. */
  name: string;
  version: string;
  /**
   * Whether a conditional update (`findOneAndUpdate({ _id, version })`) is one atomic step, so that of
   * two instances racing for one version exactly one wins (If-Match, job claims, delta sequences).
   */
  atomicConditionalUpdates: boolean;
}

interface BuildInfo {
  version?: string;
  ferretdbVersion?: string;
  gitVersion?: string;
}

/** Names the engine from `buildInfo` (and the host of the connection string, for Cosmos DB). */
export function identifyEngine(buildInfo: BuildInfo, host = ''): DatabaseEngineInfo {
  const ferretdb = buildInfo.ferretdbVersion;
  // FerretDB 1.x evaluates an update's filter and writes the document in separate steps (FerretDB
  // issue 3040): two concurrent conditional updates of one version can both succeed.
  if (ferretdb) {
    // A FerretDB built from source without its release flags says "unknown": name its wire version then.
    const version = ferretdb === 'unknown' ? `(MongoDB ${buildInfo.version ?? '?'} wire)` : ferretdb;
    return { name: 'FerretDB', version, atomicConditionalUpdates: false };
  }
  const version = buildInfo.version ?? 'unknown';
  if (/cosmos\.azure\.com$/i.test(host)) {
    return { name: 'Azure Cosmos DB', version, atomicConditionalUpdates: true };
  }
  if (buildInfo.gitVersion === undefined || /mongo-java-server/i.test(buildInfo.gitVersion)) {
    return { name: 'mongo-java-server', version, atomicConditionalUpdates: true };
  }
  return { name: 'MongoDB', version, atomicConditionalUpdates: true };
}

/**
 * Reads the engine at start, logs it, and warns when it cannot keep concurrent conditional writes apart:
 * on such an engine one instance of the service is safe (its writes of one document are serialized in
 * process), several are not.
 */
@Injectable()
export class DatabaseEngine implements OnApplicationBootstrap {
  private readonly logger = new Logger(DatabaseEngine.name);
  private current?: DatabaseEngineInfo;

  constructor(@InjectConnection() private readonly connection: Connection) {}

  get info(): DatabaseEngineInfo | undefined {
    return this.current;
  }

  async onApplicationBootstrap(): Promise<void> {
    const buildInfo = (await this.connection.db!.admin().command({ buildInfo: 1 })) as BuildInfo;
    const host = this.connection.host ?? '';
    this.current = identifyEngine(buildInfo, host);
    const { name, version, atomicConditionalUpdates } = this.current;
    this.logger.log(`database engine: ${name} ${version}`);
    if (!atomicConditionalUpdates) {
      this.logger.warn(
        `${name} ${version} does not apply conditional updates atomically: run ONE instance of the service ` +
          'on this database. With several, two writers can both win one If-Match, one job claim or one ' +
          'change number. MongoDB, Azure Cosmos DB and mongo-java-server are safe for several instances.',
      );
    }
  }
}

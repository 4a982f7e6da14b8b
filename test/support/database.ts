import { randomBytes } from 'node:crypto';
import { MongoClient } from 'mongodb';

/** The server that the end-to-end run uses (started by global-setup.ts). */
export function testMongoUri(): string {
  const uri = process.env.MONGODB_URI;
  if (!uri) throw new Error('MONGODB_URI is not set: run end-to-end tests through jest (global-setup.ts)');
  return uri;
}

/** A database name of its own for one test file: `t_<label>_<random>`, within FerretDB's name rules. */
export function testDatabaseName(label: string): string {
  const clean = label.replace(/[^a-zA-Z0-9]/g, '').slice(0, 30) || 'db';
  return `t_${clean}_${randomBytes(4).toString('hex')}`;
}

/** A plain driver client on the test server, for seeding and for reading back what the API stored. */
export async function connectTestClient(): Promise<MongoClient> {
  return new MongoClient(testMongoUri(), { directConnection: true }).connect();
}

import mongoose, { type Connection, type Model } from 'mongoose';
import {
  parseODataQuery,
  readODataRequest,
  runODataQuery,
  type ODataCollection,
  type ParsedODataQuery,
  type RawQuery,
} from '../../src/odata';
import { testMongoUri } from './database';
import { personModel } from './odata-person';
import type { Doc } from './odata-reference';

export const TEST_SKIPTOKEN_SECRET = 'odata-test-secret';
export const PEOPLE_URL = 'http://localhost/api/v1/people';

/** A mongoose model over the test collection, loose enough to hold every fixture shape. */
export async function connectPeople(dbName: string): Promise<{ connection: Connection; people: Model<Doc> }> {
  const connection = await mongoose
    .createConnection(testMongoUri(), { dbName, directConnection: true })
    .asPromise();
  const schema = new mongoose.Schema<Doc>(
    { _id: String },
    { strict: false, versionKey: false, collection: 'people' },
  );
  return { connection, people: connection.model<Doc>('Person', schema) };
}

/** Parses a query string object for the person model the way the decorator does. */
export function parsePeopleQuery(query: RawQuery): ParsedODataQuery {
  return parseODataQuery(readODataRequest(query, PEOPLE_URL, 'http://localhost'), personModel);
}

/** Runs a list query for tenant t1 and returns the body. */
export function runPeopleQuery(people: Model<Doc>, query: ParsedODataQuery): Promise<ODataCollection<Doc>> {
  return runODataQuery(people, query, {
    baseFilter: { tenantId: 't1' },
    toResource: ({ _id, ...rest }) => ({ id: _id, ...rest }),
    skiptokenSecret: TEST_SKIPTOKEN_SECRET,
  });
}

/** The query options of a nextLink, as Fastify would hand them to the decorator. */
export function optionsOf(link: string): RawQuery {
  const url = new URL(link);
  const options: RawQuery = {};
  for (const [key, value] of url.searchParams) options[key] = value;
  return options;
}

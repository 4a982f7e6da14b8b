import { identifyEngine } from './database-engine';

describe('identifyEngine', () => {
  it('names FerretDB by its own buildInfo key, and knows its conditional updates are not atomic', () => {
    expect(identifyEngine({ version: '7.0.77', gitVersion: 'abc', ferretdbVersion: 'v1.24.0' })).toEqual({
      name: 'FerretDB',
      version: 'v1.24.0',
      atomicConditionalUpdates: false,
    });
  });

  it('takes a server without a git version for mongo-java-server', () => {
    expect(identifyEngine({ version: '3.6.0' })).toMatchObject({
      name: 'mongo-java-server',
      atomicConditionalUpdates: true,
    });
  });

  it('names Azure Cosmos DB by its host, and MongoDB otherwise', () => {
    const info = { version: '7.0.0', gitVersion: '0123abcd' };
    expect(identifyEngine(info, 'acct.mongo.cosmos.azure.com').name).toBe('Azure Cosmos DB');
    expect(identifyEngine(info, 'db.internal').name).toBe('MongoDB');
    expect(identifyEngine(info).atomicConditionalUpdates).toBe(true);
  });
});

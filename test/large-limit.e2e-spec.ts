import request from 'supertest';
import { startTestApp, type TestApp } from './support/app';
import { bearer, TENANT_1, TokenFactory, USER_A } from './support/tokens';

/**
 * `$top` of an export is any count up to 999 999 999 and reaches the database as a sorted query's limit:
 * the embedded database once allocated a heap that size up front, ran out of memory and went down.
 */
describe('a sorted read with a limit far beyond the data', () => {
  let api: TestApp;
  let token: string;

  beforeAll(async () => {
    api = await startTestApp('large-limit');
    token = (await TokenFactory.for(api)).mint({ tenantId: TENANT_1, userId: USER_A, name: 'Adele' });
  });
  afterAll(() => api.close());

  it('answers with the data, and the database stays up', async () => {
    const call = (method: 'get' | 'post', path: string) =>
      request(api.url)[method](path).set('authorization', bearer(token));
    const tab = await call('post', '/api/v1/tabs').send({
      channelId: '19:limits@thread.tacv2',
      channelName: 'Limits',
      displayName: 'Limits',
    });
    for (const name of ['Alex Wilber', 'Adele Vance']) {
      expect(
        (await call('post', `/api/v1/tabs/${tab.body.id}/contacts`).send({ displayName: name })).status,
      ).toBe(201);
    }
    const file = await call(
      'get',
      `/api/v1/tabs/${tab.body.id}/contacts/export?format=csv&$top=999999999&$orderby=displayName`,
    );
    expect(file.status).toBe(200);
    expect(
      file.text
        .split('\n')
        .slice(1, 3)
        .map((line) => line.split(',')[0]),
    ).toEqual(['Adele Vance', 'Alex Wilber']);
    expect((await request(api.url).get('/health/ready')).status).toBe(200);
  });
});

import { DatabaseWatchdog } from '../src/database/database-watchdog';
import { startTestApp, TestApp } from './support/app';
import { callerOf } from './support/http';
import { TENANT_1, TokenFactory, USER_A } from './support/tokens';

jest.setTimeout(60_000);

describe('database watchdog', () => {
  let api: TestApp;
  let call: ReturnType<typeof callerOf>;

  beforeAll(async () => {
    api = await startTestApp('watchdog');
    call = callerOf(api.url, (await TokenFactory.for(api)).mint({ tenantId: TENANT_1, userId: USER_A }));
  });
  afterAll(() => api.close());

  it('leaves a client that reaches the database alone', async () => {
    expect(await api.app.get(DatabaseWatchdog).check()).toBe('wait');
  });

  it('serves reads and writes again right after it reopened the database client', async () => {
    const tab = (
      await call
        .post('/api/v1/tabs', { channelId: '19:dog@thread.tacv2', channelName: 'Dog', displayName: 'Dog' })
        .expect(201)
    ).body;
    await api.app.get(DatabaseWatchdog).reconnect();
    await call.get(`/api/v1/tabs/${tab.id}`).expect(200);
    await call.post(`/api/v1/tabs/${tab.id}/contacts`, { displayName: 'After Reconnect' }).expect(201);
    await call.get(`/api/v1/tabs/${tab.id}/contacts`).expect(200);
    const ready = await fetch(`${api.url}/health/ready`);
    expect(ready.status).toBe(200);
  });
});

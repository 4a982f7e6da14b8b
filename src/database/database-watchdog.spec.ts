import { watchdogVerdict } from './database-watchdog';

describe('watchdogVerdict', () => {
  const answers = (value: boolean) => jest.fn(() => Promise.resolve(value));

  it('waits while the service reaches the database, without asking a fresh client', async () => {
    const fresh = answers(true);
    expect(await watchdogVerdict({ now: 100_000, failingSince: undefined, freshClientAnswers: fresh })).toBe(
      'wait',
    );
    expect(fresh).not.toHaveBeenCalled();
  });

  it('waits out a short outage: the driver reconnects by itself', async () => {
    const fresh = answers(true);
    expect(await watchdogVerdict({ now: 100_000, failingSince: 90_000, freshClientAnswers: fresh })).toBe(
      'wait',
    );
    expect(fresh).not.toHaveBeenCalled();
  });

  it('reconnects after 15 s only when a fresh client reaches the database', async () => {
    const stalled = { now: 100_000, failingSince: 80_000 };
    expect(await watchdogVerdict({ ...stalled, freshClientAnswers: answers(true) })).toBe('reconnect');
    expect(await watchdogVerdict({ ...stalled, freshClientAnswers: answers(false) })).toBe('wait');
  });
});

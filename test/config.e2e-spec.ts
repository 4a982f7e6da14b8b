import { runServiceWith } from './support/service-start';

describe('configuration at start', () => {
  it('stops with exit code 1 and one message listing every bad variable', () => {
    const result = runServiceWith({
      MONGODB_URI: 'mongodb://127.0.0.1:9',
      PORT: 'eighty',
      LOG_LEVEL: 'chatty',
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('Invalid configuration');
    expect(result.stderr).toContain('PORT="eighty": expected a whole number from 0 to 65535');
    expect(result.stderr).toContain('LOG_LEVEL="chatty": expected one of');
    expect(result.stdout).toBe('');
  }, 90_000);
});

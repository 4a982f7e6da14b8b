import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { startTestApp, TestApp } from './support/app';

const ROOT = join(__dirname, '..');
const COMMITTED = join(ROOT, 'openapi', 'openapi.json');

function check(file: string): { status: number | null; stderr: string } {
  const result = spawnSync(process.execPath, ['scripts/openapi.js', '--check', '--file', file], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 240_000,
  });
  return { status: result.status, stderr: result.stderr };
}

describe('OpenAPI document', () => {
  let api: TestApp;
  let dir: string;

  beforeAll(async () => {
    api = await startTestApp('openapi');
    dir = mkdtempSync(join(tmpdir(), 'contact-pro-openapi-'));
  });
  afterAll(async () => {
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves Swagger UI at /docs and an OpenAPI 3 document at /docs-json', async () => {
    const ui = await request(api.url).get('/docs').redirects(1);
    expect(ui.status).toBe(200);
    expect(ui.text).toContain('swagger-ui');
    const json = await request(api.url).get('/docs-json');
    expect(json.status).toBe(200);
    expect(json.body.openapi).toMatch(/^3\./);
    expect(json.body.info.title).toBe('Contact Pro API');
    expect(json.body.info.version).toBe(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
    expect(json.body.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(Object.keys(json.body.paths)).toEqual(expect.arrayContaining(['/health/live', '/health/ready']));
  });

  it('drift check passes on the committed document and fails on a changed one', () => {
    const copy = join(dir, 'openapi.json');
    copyFileSync(COMMITTED, copy);
    expect(check(copy)).toEqual({ status: 0, stderr: '' });

    const changed = JSON.parse(readFileSync(copy, 'utf8'));
    changed.info.version = '0.0.0-drifted';
    writeFileSync(copy, `${JSON.stringify(changed, null, 2)}\n`);
    const drifted = check(copy);
    expect(drifted.status).toBe(1);
    expect(drifted.stderr).toContain('out of date');
  }, 300_000);
});

import { Body, Controller, Get, Module, Post } from '@nestjs/common';
import { IsEmail, IsInt, IsString, Max, MaxLength, Min } from 'class-validator';
import request from 'supertest';
import { startTestApp, TestApp } from './support/app';

class ProbeDto {
  @IsString()
  @MaxLength(20)
  name: string;

  @IsInt()
  @Min(0)
  @Max(150)
  age: number;

  @IsEmail()
  mail: string;
}

/** Routes mounted only in this test, to reach the error paths of a route that takes a body. */
@Controller('probe')
class ProbeController {
  @Post()
  echo(@Body() body: ProbeDto): ProbeDto {
    return body;
  }

  @Get('crash')
  crash(): never {
    throw new Error('secret internal detail /srv/app/db.ts:42');
  }
}

@Module({ controllers: [ProbeController] })
class ProbeModule {}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function expectErrorBody(body: any, status: number, code: string, requestId?: string): void {
  expect(Object.keys(body)).toEqual(['error']);
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe('string');
  expect(body.error.message.length).toBeGreaterThan(0);
  expect(body.error.innererror.date).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
  if (requestId) expect(body.error.innererror['request-id']).toBe(requestId);
  expect(JSON.stringify(body)).not.toMatch(/at .*\.(ts|js):\d+/);
  void status;
}

describe('errors and request ids', () => {
  let api: TestApp;

  beforeAll(async () => {
    api = await startTestApp('errors', { BODY_LIMIT_BYTES: '2048' }, [ProbeModule]);
  });
  afterAll(() => api.close());

  it('answers an unknown route with 404 in the error body', async () => {
    const res = await request(api.url).get('/api/v1/no-such-thing');
    expect(res.status).toBe(404);
    expectErrorBody(res.body, 404, 'NotFound', res.headers['request-id']);
  });

  it('answers malformed JSON with 400', async () => {
    const res = await request(api.url).post('/probe').set('content-type', 'application/json').send('{"a":');
    expect(res.status).toBe(400);
    expectErrorBody(res.body, 400, 'BadRequest', res.headers['request-id']);
  });

  it('answers a body over the limit with 413', async () => {
    const res = await request(api.url)
      .post('/probe')
      .set('content-type', 'application/json')
      .send(JSON.stringify({ a: 'x'.repeat(5000) }));
    expect(res.status).toBe(413);
    expectErrorBody(res.body, 413, 'PayloadTooLarge', res.headers['request-id']);
  });

  it.each(['text/plain', 'application/xml', 'application/x-www-form-urlencoded'])(
    'answers the content type %s with 415',
    async (type) => {
      const res = await request(api.url).post('/probe').set('content-type', type).send('name=a&age=1');
      expect(res.status).toBe(415);
      expectErrorBody(res.body, 415, 'UnsupportedMediaType', res.headers['request-id']);
    },
  );

  it('accepts a valid body', async () => {
    const body = { name: 'Zoë', age: 30, mail: 'zoe@contoso.com' };
    const res = await request(api.url).post('/probe').send(body);
    expect(res.status).toBe(201);
    expect(res.body).toEqual(body);
  });

  it('answers a validation failure with 400 and one detail per bad field', async () => {
    const res = await request(api.url)
      .post('/probe')
      .send({ name: 'x'.repeat(21), age: 'old', mail: 'nope' });
    expect(res.status).toBe(400);
    expectErrorBody(res.body, 400, 'BadRequest', res.headers['request-id']);
    expect(res.body.error.details.map((d: { target: string }) => d.target).sort()).toEqual([
      'age',
      'mail',
      'name',
    ]);
    for (const detail of res.body.error.details) expect(detail.message.length).toBeGreaterThan(0);
  });

  it('refuses unknown properties and prototype-pollution keys', async () => {
    const unknown = await request(api.url)
      .post('/probe')
      .send({ name: 'a', age: 1, mail: 'a@b.co', admin: true });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.details).toEqual([expect.objectContaining({ target: 'admin' })]);
    const proto = await request(api.url)
      .post('/probe')
      .set('content-type', 'application/json')
      .send('{"name":"a","age":1,"mail":"a@b.co","__proto__":{"admin":true}}');
    expect(proto.status).toBe(400);
    expectErrorBody(proto.body, 400, 'BadRequest');
  });

  it('answers an unexpected error with a generic 500 and no internal text', async () => {
    const res = await request(api.url).get('/probe/crash');
    expect(res.status).toBe(500);
    expectErrorBody(res.body, 500, 'InternalServerError', res.headers['request-id']);
    expect(JSON.stringify(res.body)).not.toContain('secret');
    expect(JSON.stringify(res.body)).not.toContain('db.ts');
  });

  it('gives every response a request-id, new for each request', async () => {
    const first = await request(api.url).get('/health/live');
    const second = await request(api.url).get('/health/live');
    expect(first.headers['request-id']).toMatch(UUID);
    expect(second.headers['request-id']).toMatch(UUID);
    expect(first.headers['request-id']).not.toBe(second.headers['request-id']);
  });

  it('echoes a valid client-request-id as the request id', async () => {
    const id = '6f2c9e0a-1b7d-4c3e-9a55-0d6f1c2b3a4e';
    const res = await request(api.url).get('/api/v1/missing').set('client-request-id', id);
    expect(res.headers['request-id']).toBe(id);
    expect(res.headers['client-request-id']).toBe(id);
    expect(res.body.error.innererror['request-id']).toBe(id);
  });

  it.each([
    ['a value with spaces', 'abc def'],
    ['a value with a tab', 'abc\tdef'],
    ['an over-long value', 'a'.repeat(300)],
    ['markup', '<script>'],
  ])('ignores %s in client-request-id and never reflects it', async (_label, value) => {
    const res = await request(api.url).get('/health/live').set('client-request-id', value);
    expect(res.status).toBe(200);
    expect(res.headers['request-id']).toMatch(UUID);
    expect(res.headers['client-request-id']).toBeUndefined();
    expect(JSON.stringify(res.headers)).not.toContain(value);
  });
});

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/**
 * The repository explains itself: the README and docs/ link only to files that exist, and the route table of
 * the HTTP contract names exactly the operations of the committed OpenAPI document.
 */
const ROOT = join(__dirname, '..');
const DOCUMENTS = ['README.md', 'docs/architecture.md', 'docs/http-contract.md'];
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

/** The cells `GET/PATCH /api/v1/tabs/{tabId}` of the route table, as `GET /api/v1/tabs/{}`, `PATCH …`. */
function routesOfTable(markdown: string): string[] {
  return markdown
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .flatMap((row) => [...row.split(' | ')[0].matchAll(/`([A-Z]+(?:\/[A-Z]+)*) ([^`?]+)[^`]*`/g)])
    .flatMap(([, methods, path]) =>
      methods.split('/').map((method) => `${method} ${path.replace(/\{[^}]+\}/g, '{}')}`),
    );
}

describe('documentation', () => {
  it.each(DOCUMENTS)('%s links only to files that exist', (file) => {
    const links = [...read(file).matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)].map((match) => match[1]);
    const local = links.filter((link) => !/^[a-z]+:/.test(link));
    const missing = local.filter((link) => !existsSync(resolve(ROOT, dirname(file), link)));
    expect(missing).toEqual([]);
  });

  it('the README links the architecture and the HTTP contract', () => {
    expect(read('README.md')).toContain('(docs/architecture.md)');
    expect(read('README.md')).toContain('(docs/http-contract.md)');
  });

  it("the HTTP contract's route table names exactly the documented operations", () => {
    const document = JSON.parse(read('openapi/openapi.json')) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const operations = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.keys(item)
        .filter((key) => ['get', 'put', 'post', 'patch', 'delete'].includes(key))
        .map((method) => `${method.toUpperCase()} ${path.replace(/\{[^}]+\}/g, '{}')}`),
    );
    const table = routesOfTable(read('docs/http-contract.md')).filter(
      (route) => !route.endsWith(' /docs') && !route.endsWith(' /docs-json'),
    );
    expect([...new Set(table)].sort()).toEqual([...new Set(operations)].sort());
  });
});

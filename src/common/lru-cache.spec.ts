import { LruCache } from './lru-cache';

describe('LruCache', () => {
  let now = 0;
  const clock = (): number => now;

  beforeEach(() => {
    now = 1000;
  });

  it('returns what was stored until the TTL ends', () => {
    const cache = new LruCache<string>(10, 100, clock);
    cache.set('a', 'A');
    now += 99;
    expect(cache.get('a')).toBe('A');
    now += 1;
    expect(cache.get('a')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('evicts the least recently used entry when full', () => {
    const cache = new LruCache<number>(2, 1000, clock);
    cache.set('a', 1);
    cache.set('b', 2);
    expect(cache.get('a')).toBe(1);
    cache.set('c', 3);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe(1);
    expect(cache.get('c')).toBe(3);
    expect(cache.size).toBe(2);
  });

  it('deletes one key, a prefix, or everything', () => {
    const cache = new LruCache<number>(10, 1000, clock);
    cache.set('t1:a', 1);
    cache.set('t1:b', 2);
    cache.set('t2:a', 3);
    cache.delete('t1:a');
    expect(cache.get('t1:a')).toBeUndefined();
    cache.deletePrefix('t1:');
    expect(cache.get('t1:b')).toBeUndefined();
    expect(cache.get('t2:a')).toBe(3);
    cache.clear();
    expect(cache.size).toBe(0);
  });
});

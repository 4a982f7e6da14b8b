import { ApiError } from '../common/errors/api-error';
import { keysetCondition } from './keyset';
import type { SortKey } from './orderby';
import { createSkiptoken, readSkiptoken } from './skiptoken';

const keys: SortKey[] = [
  { name: 'displayName', path: 'norm.displayName', direction: 1, type: 'Edm.String' },
  { name: 'createdDateTime', path: 'createdDateTime', direction: -1, type: 'Edm.DateTimeOffset' },
  { path: '_id', direction: -1, type: 'Edm.String' },
];

describe('skiptoken', () => {
  const values = ['zoe', new Date('2024-05-01T10:00:00Z'), 'id-7'];

  it('round-trips sort values, dates included', () => {
    const token = createSkiptoken({ values }, 'hash', 'secret');
    expect(readSkiptoken(token, 'hash', keys, 'secret').values).toEqual(values);
    expect(
      readSkiptoken(createSkiptoken({ values: [null, null, 'a'] }, 'h', 's'), 'h', keys, 's').values,
    ).toEqual([null, null, 'a']);
  });

  it.each([
    ['altered', (token: string) => `${token.slice(0, 5)}${token[5] === 'A' ? 'B' : 'A'}${token.slice(6)}`],
    ['truncated', (token: string) => token.slice(0, -1)],
    ['without signature', (token: string) => token.split('.')[0]],
    ['empty', () => ''],
    ['garbage', () => '%%%'],
  ])('rejects a %s token', (_name, change) => {
    const token = createSkiptoken({ values }, 'hash', 'secret');
    expect(() => readSkiptoken(change(token), 'hash', keys, 'secret')).toThrow(ApiError);
  });

  it('rejects a token for another query, another secret or another order', () => {
    const token = createSkiptoken({ values }, 'hash', 'secret');
    expect(() => readSkiptoken(token, 'other', keys, 'secret')).toThrow(/different query/);
    expect(() => readSkiptoken(token, 'hash', keys, 'other-secret')).toThrow(/altered/);
    expect(() => readSkiptoken(token, 'hash', keys.slice(1), 'secret')).toThrow(/sort order/);
    const swapped = createSkiptoken({ values: [1, 'not a date', 'x'] }, 'hash', 'secret');
    expect(() => readSkiptoken(swapped, 'hash', keys, 'secret')).toThrow(/sort order/);
  });
});

describe('keysetCondition', () => {
  it('expands mixed directions with null-aware comparisons', () => {
    expect(keysetCondition(keys, ['zoe', new Date('2024-05-01T10:00:00Z'), 'id-7'])).toEqual({
      $or: [
        { 'norm.displayName': { $gt: 'zoe' } },
        {
          $and: [
            { 'norm.displayName': { $eq: 'zoe' } },
            {
              $or: [
                { createdDateTime: { $lt: new Date('2024-05-01T10:00:00Z') } },
                { createdDateTime: { $eq: null } },
              ],
            },
          ],
        },
        {
          $and: [
            { 'norm.displayName': { $eq: 'zoe' } },
            { createdDateTime: { $eq: new Date('2024-05-01T10:00:00Z') } },
            { $or: [{ _id: { $lt: 'id-7' } }, { _id: { $eq: null } }] },
          ],
        },
      ],
    });
  });

  it('after a null: ascending means any value, descending means only later ties', () => {
    expect(keysetCondition(keys, [null, null, 'id-7'])).toEqual({
      $or: [
        { 'norm.displayName': { $ne: null } },
        {
          $and: [
            { 'norm.displayName': { $eq: null } },
            { createdDateTime: { $eq: null } },
            { $or: [{ _id: { $lt: 'id-7' } }, { _id: { $eq: null } }] },
          ],
        },
      ],
    });
  });
});

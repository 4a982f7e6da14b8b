import { parseODataQuery, readODataRequest } from '../../odata';
import { contactModel } from './contact.entity-model';
import { favoriteFilterFor } from './favorite-filter';

const USER = 'aaaaaaaa-0000-4000-8000-000000000001';

function filterFor($filter: string) {
  const query = parseODataQuery(
    readODataRequest({ $filter }, 'https://h/api/v1/x', 'https://h'),
    contactModel,
  );
  return favoriteFilterFor(query.filter, USER);
}

describe('isFavorite filter', () => {
  it.each([
    ['isFavorite eq true', { favoritedBy: USER }],
    ['isFavorite', { favoritedBy: USER }],
    ['true eq isFavorite', { favoritedBy: USER }],
    ['isFavorite ne false', { favoritedBy: USER }],
    ['isFavorite gt false', { favoritedBy: USER }],
    ['isFavorite eq false', { favoritedBy: { $ne: USER } }],
    ['isFavorite ne true', { favoritedBy: { $ne: USER } }],
    ['isFavorite in (true, false)', { _id: { $exists: true } }],
    ['isFavorite eq null', { _id: { $in: [] } }],
    ['isFavorite ne null', { _id: { $exists: true } }],
  ])('%s', (filter, expected) => {
    expect(filterFor(filter)).toEqual(expected);
  });

  it('rewrites inside and/or/not and leaves other conditions alone', () => {
    expect(filterFor("not isFavorite and startswith(displayName,'a') or isFavorite eq true")).toEqual({
      $or: [
        { $and: [{ $nor: [{ favoritedBy: USER }] }, { 'norm.displayName': { $regex: '^a' } }] },
        { favoritedBy: USER },
      ],
    });
    expect(filterFor("displayName eq 'x'")).toEqual({ 'norm.displayName': { $eq: 'x' } });
    expect(favoriteFilterFor(undefined, USER)).toBeUndefined();
  });
});

import { parseODataQuery, readODataRequest } from '../../odata';
import { contactModel, tenantContactModel } from './contact.entity-model';

const USER = 'aaaaaaaa-0000-4000-8000-000000000001';

function filterFor($filter: string, model = contactModel) {
  const request = readODataRequest({ $filter }, 'https://h/api/v1/x', 'https://h');
  return parseODataQuery(request, model, { userId: USER }).filter;
}

describe('isFavorite in $filter', () => {
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
  ])('%s is the stored condition for the caller', (filter, expected) => {
    expect(filterFor(filter)).toEqual(expected);
    expect(filterFor(filter, tenantContactModel)).toEqual(expected);
  });

  it('translates inside and/or/not and leaves other conditions alone', () => {
    expect(filterFor("not isFavorite and startswith(displayName,'a') or isFavorite eq true")).toEqual({
      $or: [
        { $and: [{ $nor: [{ favoritedBy: USER }] }, { 'norm.displayName': { $regex: '^a' } }] },
        { favoritedBy: USER },
      ],
    });
    expect(filterFor("displayName eq 'x'")).toEqual({ 'norm.displayName': { $eq: 'x' } });
  });

  it('is a stored condition of nobody else', () => {
    const request = readODataRequest({ $filter: 'isFavorite' }, 'https://h/api/v1/x', 'https://h');
    expect(parseODataQuery(request, contactModel, { userId: 'someone-else' }).filter).toEqual({
      favoritedBy: 'someone-else',
    });
  });
});

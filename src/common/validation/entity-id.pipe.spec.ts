import { ApiError } from '../errors/api-error';
import { EntityIdPipe } from './entity-id.pipe';

describe('EntityIdPipe', () => {
  const pipe = new EntityIdPipe(() => ApiError.notFound('No such thing.', 'id'));

  it('lets a GUID through, in either case', () => {
    for (const id of ['0f8fad5b-d9cb-469f-a165-70867728950e', '0F8FAD5B-D9CB-469F-A165-70867728950E']) {
      expect(pipe.transform(id)).toBe(id);
    }
  });

  it.each(['not-a-guid', '', '0f8fad5b-d9cb-469f-a165-70867728950', "0f8fad5b-d9cb-469f-a165-70867728950e'"])(
    'answers %p with the entity’s own 404',
    (id) => {
      expect(() => pipe.transform(id)).toThrow(
        expect.objectContaining({ code: 'NotFound', message: 'No such thing.', target: 'id' }),
      );
    },
  );
});

import { decodeCursor, encodeCursor, MAX_CURSOR_LENGTH } from './cursor';
import { InvalidCursorError, ToolkitOptionsError } from './toolkit.errors';

describe('encodeCursor / decodeCursor', () => {
  it('round-trips strings, numbers, booleans, bigints and Dates with their types', () => {
    const values = [
      '2026-01-01 10:00:00.123456',
      42,
      -0.5,
      true,
      12345678901234567890n,
      new Date(0),
    ];
    const cursor = encodeCursor(values, 'Task:createdAt:DESC,id:DESC');
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    const decoded = decodeCursor(cursor, 'Task:createdAt:DESC,id:DESC', values.length);
    expect(decoded).toEqual(values);
    expect(decoded[5]).toBeInstanceOf(Date);
    expect(typeof decoded[4]).toBe('bigint');
  });

  it('is opaque: the key values are not readable as plain text', () => {
    expect(encodeCursor(['secret-ish'])).not.toContain('secret-ish');
  });

  it.each([
    ['an empty string', ''],
    ['not base64url', 'abc+/='],
    ['base64 of something else', Buffer.from('{"hello":1}').toString('base64url')],
    ['garbage bytes', Buffer.from([0xff, 0xfe, 0x00]).toString('base64url')],
    ['too long', 'A'.repeat(MAX_CURSOR_LENGTH + 1)],
  ])('rejects %s', (_label, cursor) => {
    expect(() => decodeCursor(cursor)).toThrow(InvalidCursorError);
  });

  it('rejects every single-character edit of a cursor', () => {
    const cursor = encodeCursor([new Date('2026-03-04T05:06:07.089Z'), 1234], 'scope');
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    for (let i = 0; i < cursor.length; i++) {
      const replacement = alphabet[(alphabet.indexOf(cursor[i]) + 7) % alphabet.length];
      const edited = cursor.slice(0, i) + replacement + cursor.slice(i + 1);
      expect(() => decodeCursor(edited, 'scope')).toThrow(InvalidCursorError);
    }
    expect(() => decodeCursor(`${cursor}A`, 'scope')).toThrow(InvalidCursorError);
    expect(() => decodeCursor(cursor.slice(0, -1), 'scope')).toThrow(InvalidCursorError);
  });

  it('rejects a cursor edited and re-encoded without the checksum', () => {
    const cursor = encodeCursor([10, 20]);
    const payload = JSON.parse(Buffer.from(cursor, 'base64url').toString());
    payload.k[1] = 21;
    const forged = Buffer.from(JSON.stringify(payload)).toString('base64url');
    expect(() => decodeCursor(forged)).toThrow(/checksum mismatch/);
  });

  it('rejects a cursor made for another scope or arity', () => {
    const cursor = encodeCursor([1, 2], 'Task:createdAt:DESC,id:DESC');
    expect(() => decodeCursor(cursor, 'Task:id:ASC')).toThrow(/different query order/);
    expect(() => decodeCursor(cursor, 'Task:createdAt:DESC,id:DESC', 3)).toThrow(
      /expected 3 key values, found 2/,
    );
  });

  it('says what to do in the message and keeps the cause', () => {
    try {
      decodeCursor('eyJub3QganNvbg');
      throw new Error('expected a throw');
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidCursorError);
      expect((error as Error).name).toBe('InvalidCursorError');
      expect((error as Error).message).toMatch(
        /^invalid cursor: .*; start again without a cursor$/,
      );
      expect((error as Error).cause).toBeInstanceOf(SyntaxError);
    }
  });

  it('refuses values a cursor cannot hold, listing each', () => {
    expect(() => encodeCursor([null as never, NaN, new Date('x'), {} as never])).toThrow(
      ToolkitOptionsError,
    );
    try {
      encodeCursor([null as never, NaN]);
    } catch (error) {
      expect((error as ToolkitOptionsError).problems).toEqual([
        expect.stringMatching(/^key value 0 is null/),
        expect.stringMatching(/^key value 1 is NaN/),
      ]);
    }
  });
});

/**
 * Thrown when a toolkit function gets options it cannot honour (a page below 1, a fractional page
 * size, an `orderBy` without a unique last key, ...). Lists every problem at once; the message
 * starts with the function's name.
 *
 * @example
 * try { await paginate(repo, { page: 0 }); }
 * catch (e) { if (e instanceof ToolkitOptionsError) console.log(e.problems); } // ['page must be ...']
 */
export class ToolkitOptionsError extends Error {
  override readonly name = 'ToolkitOptionsError';

  constructor(
    readonly fn: string,
    readonly problems: string[],
  ) {
    super(
      problems.length === 1
        ? `${fn}: ${problems[0]}`
        : `${fn}: invalid options:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
  }
}

/**
 * Thrown when a keyset cursor cannot be used: not one this toolkit made, garbled or edited in
 * transit, made for a different `orderBy`, or holding values the database rejects. It is the
 * client's fault, so map it to HTTP 400.
 *
 * @example
 * catch (e) { if (e instanceof InvalidCursorError) throw new BadRequestException(e.message); }
 */
export class InvalidCursorError extends Error {
  override readonly name = 'InvalidCursorError';

  constructor(reason: string, options?: { cause?: unknown }) {
    super(`invalid cursor: ${reason}; start again without a cursor`, options);
  }
}

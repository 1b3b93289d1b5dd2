/**
 * A problem with the advisor's input (files, workload, database) that the user must fix; the CLI
 * prints its message alone and exits 1, writing nothing.
 */
export class AdvisorError extends Error {
  override readonly name = 'AdvisorError';
}

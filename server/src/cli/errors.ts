/** A failure the CLI reports as one line, exit code 1 (2 for usage mistakes). */
export class CliError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
  }
}

/** An error answer from the API: its status and parsed body travel along (a 422 on a flow carries its problems). */
export class ApiError extends CliError {
  constructor(message: string, readonly status: number, readonly body: unknown) {
    super(message);
  }
}

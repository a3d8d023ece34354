/** Thrown before anything starts when an environment variable holds a value credwatch cannot use. */
export class ConfigError extends Error {
  override readonly name = 'CredwatchConfigError';
  /** One entry per invalid variable: `NAME="value": what was expected`. */
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`credwatch: invalid configuration\n  ${problems.join('\n  ')}`);
    this.problems = problems;
  }
}

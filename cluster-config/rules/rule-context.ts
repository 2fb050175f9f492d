import type { ClusterConfig } from '../../schemas/cluster-config.ts';
import type { ConfigPath } from '../yaml-source.ts';

export interface RuleProblem {
  severity: 'error' | 'warning';
  rule: string;
  path: ConfigPath;
  message: string;
  /** Other keys the finding depends on: the position falls back to them when `path` is a default. */
  related: ConfigPath[];
}

/** What a semantic rule sees: the typed config, whether a key was written, and a sink. */
export class RuleContext {
  readonly problems: RuleProblem[] = [];

  constructor(
    readonly config: ClusterConfig,
    private readonly written: (path: ConfigPath) => boolean,
  ) {}

  isWritten(path: ConfigPath): boolean {
    return this.written(path);
  }

  error(rule: string, path: ConfigPath, message: string, related: ConfigPath[] = []): void {
    this.problems.push({ severity: 'error', rule, path, message, related });
  }

  warn(rule: string, path: ConfigPath, message: string, related: ConfigPath[] = []): void {
    this.problems.push({ severity: 'warning', rule, path, message, related });
  }
}

export type Rule = (context: RuleContext) => void;

/**
 * The server's log (window/logMessage: the editor's **Pipewright** output channel), filtered by the
 * `pipewright.logLevel` setting. What is logged names commands, files, counts and durations, never arguments or
 * settings values that may hold a secret.
 */
import type { Connection } from 'vscode-languageserver/node';

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

const RANK: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

export function isLogLevel(v: unknown): v is LogLevel {
  return typeof v === 'string' && Object.hasOwn(RANK, v);
}

export interface Log {
  level: LogLevel;
  error(message: string): void;
  warn(message: string): void;
  info(message: string): void;
  /** A function is called only when debug output is on: nothing is built on hot paths otherwise. */
  debug(message: string | (() => string)): void;
}

export function createLog(connection: Connection, level: LogLevel = 'info'): Log {
  const log: Log = {
    level,
    // Errors always go out: a failure the user cannot see anywhere else must not depend on a setting.
    error: (m) => connection.console.error(m),
    warn: (m) => RANK[log.level] >= RANK.warn && connection.console.warn(m),
    info: (m) => RANK[log.level] >= RANK.info && connection.console.info(m),
    debug: (m) => RANK[log.level] >= RANK.debug && connection.console.log(typeof m === 'function' ? m() : m),
  };
  return log;
}

/** A duration for the log: 12 ms, 3.4 s. */
export function elapsed(since: number): string {
  const ms = Date.now() - since;
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

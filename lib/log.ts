import pino, { type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

export type LogFormat = 'json' | 'pretty';

export interface LogOptions {
  level: LevelWithSilent;
  format: LogFormat;
}

/**
 * Creates the root logger. Services take a child of it (`logger.child({ service: 'dns' })`),
 * so every line says which service wrote it.
 */
export function createLogger(options: LogOptions): Logger {
  if (options.format === 'pretty') {
    return pino({
      level: options.level,
      transport: {
        target: 'pino-pretty',
        options: { colorize: process.stdout.isTTY, translateTime: 'SYS:HH:MM:ss.l' },
      },
    });
  }
  return pino({ level: options.level });
}

/** Creates a logger that drops everything, for tests that do not read log output. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

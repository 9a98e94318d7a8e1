/** A tiny structured logger: one JSON object per line on stderr, so stdout stays for data. */
export type Level = 'error' | 'warn' | 'info' | 'debug';
const ORDER: Record<Level, number> = { error: 0, warn: 1, info: 2, debug: 3 };

export interface Logger {
  error(msg: string, ctx?: Record<string, unknown>): void;
  warn(msg: string, ctx?: Record<string, unknown>): void;
  info(msg: string, ctx?: Record<string, unknown>): void;
  debug(msg: string, ctx?: Record<string, unknown>): void;
  child(ctx: Record<string, unknown>): Logger;
}

export function createLogger(
  name: string,
  level: Level = (process.env.VIGIL_LOG_LEVEL as Level | undefined) ?? 'info',
  base: Record<string, unknown> = {},
): Logger {
  const max = ORDER[level] ?? ORDER.info;
  const emit = (l: Level, msg: string, ctx?: Record<string, unknown>): void => {
    if (ORDER[l] > max) return;
    process.stderr.write(
      JSON.stringify({
        time: new Date().toISOString(),
        level: l,
        logger: name,
        msg,
        ...base,
        ...ctx,
      }) + '\n',
    );
  };
  return {
    error: (m, c) => emit('error', m, c),
    warn: (m, c) => emit('warn', m, c),
    info: (m, c) => emit('info', m, c),
    debug: (m, c) => emit('debug', m, c),
    child: (c) => createLogger(name, level, { ...base, ...c }),
  };
}

/** A logger that drops everything (tests, quiet CLI paths). */
export const silentLogger: Logger = {
  error: () => {},
  warn: () => {},
  info: () => {},
  debug: () => {},
  child: () => silentLogger,
};

import { type LoggerOptions, stdTimeFunctions } from 'pino';
import type { AppConfig } from '../config/app.config.js';

/** One log format for every process: the app, and the primary of worker mode. */
export function pinoOptions(config: AppConfig): LoggerOptions {
  return {
    level: config.logLevel,
    // `node` on every line lets `stern deliverer` readers tell the replicas apart.
    base: { node: config.nodeName, pid: process.pid },
    timestamp: stdTimeFunctions.isoTime,
    transport:
      config.logFormat === 'pretty'
        ? { target: 'pino-pretty', options: { singleLine: true, ignore: 'pid,hostname' } }
        : undefined,
  };
}

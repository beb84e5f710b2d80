import { configVariables } from '../harness/config-variables.js';

test('the config module reads the documented variables', () => {
  expect([...configVariables()].sort()).toEqual(
    [
      'ALLOW_NO_ORIGIN',
      'CLIENT_DIR',
      'CORS_ORIGINS',
      'DELIVERER_ADAPTER',
      'DELIVERER_WORKERS',
      'DELIVERER_WORKER_ID',
      'DRAIN_DELAY_MS',
      'DRAIN_WINDOW_MS',
      'HOST',
      'LOG_FORMAT',
      'LOG_LEVEL',
      'MAX_PAYLOAD_BYTES',
      'MAX_TEXT_LENGTH',
      'PING_INTERVAL_MS',
      'PING_TIMEOUT_MS',
      'POD_NAME',
      'PORT',
      'RECOVERY_WINDOW_MS',
      'REDIS_CONNECT_TIMEOUT_MS',
      'REDIS_KEY_PREFIX',
      'REDIS_SHARDED',
      'REDIS_STREAMS_BLOCK_MS',
      'REDIS_URL',
    ].sort(),
  );
});

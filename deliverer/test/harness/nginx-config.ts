import { TOPOLOGY } from '../../src/config/topology.js';

export interface NginxConfigOptions {
  /** Prefix directory: pid, logs and temp files all stay inside it. */
  dir: string;
  port: number;
  upstreams: readonly number[];
  /** Replicas that keep the sessions pinned to them, even once out of `upstreams` (draining). */
  pinned: readonly number[];
  /** Answered at CONFIG_PROBE_PATH, so a reload can be seen to have taken effect. */
  generation: number;
}

/** Answered by nginx itself, never proxied; its body names the generation of the config. */
export const CONFIG_PROBE_PATH = '/__nginx/generation';

/** Cookie naming the replica a client is pinned to, like ingress-nginx's affinity cookie. */
export const AFFINITY_COOKIE = 'deliverer_upstream';

/**
 * An nginx.conf that behaves like the ingress-nginx Ingress we ship: persistent cookie affinity
 * (long-polling needs every request of a session on one replica, also when replicas are added),
 * client-IP hashing for the first request, websocket upgrades, proxy timeouts far above the
 * Engine.IO heartbeat, and passive failover away from a replica that refuses or answers 502/503.
 */
export function renderNginxConfig({
  dir,
  port,
  upstreams,
  pinned,
  generation,
}: NginxConfigOptions): string {
  if (upstreams.length === 0) throw new Error('nginx needs at least one upstream to start');
  return `# generation ${generation}
worker_processes 1;
pid ${dir}/nginx.pid;
lock_file ${dir}/nginx.lock;
error_log stderr notice;
# ingress-nginx's default: after a reload, old workers keep proxying open websockets this long.
worker_shutdown_timeout 240s;

events {
  worker_connections 1024;
}

http {
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;

  log_format deliverer escape=json '{"time":"$time_iso8601","remote":"$remote_addr",'
    '"method":"$request_method","uri":"$request_uri","status":$status,'
    '"upstream":"$upstream_addr","upstreamStatus":"$upstream_status",'
    '"requestTime":$request_time}';
  access_log ${dir}/access.log deliverer;

  map $http_upgrade $connection_upgrade {
    default upgrade;
    '' close;
  }

  # A pin names a replica that still serves its sessions; anything else is balanced afresh.
  map $cookie_${AFFINITY_COOKIE} $pinned_upstream {
    default "";
${pinned.map((p) => `    "127.0.0.1:${p}" "127.0.0.1:${p}";`).join('\n')}
  }
  # After a failover $upstream_addr lists every try; the pin is the one that answered.
  map $upstream_addr $answering_upstream {
    default "";
    "~(?<last>127\\.0\\.0\\.1:[0-9]+)$" $last;
  }

  upstream deliverer {
    hash $remote_addr consistent;
${upstreams.map((p) => `    server 127.0.0.1:${p} max_fails=1 fail_timeout=2s;`).join('\n')}
  }

  server {
    listen 127.0.0.1:${port};
    client_max_body_size 1m;

    location = ${CONFIG_PROBE_PATH} {
      access_log off;
      default_type text/plain;
      return 200 "${generation}";
    }

    location @pool {
      proxy_pass http://deliverer;
${proxySettings()}
    }

    location / {
      # A pinned replica that is gone or refuses (503 while draining) hands over to the pool.
      proxy_intercept_errors on;
      error_page 502 503 504 = @pool;
      if ($pinned_upstream) {
        proxy_pass http://$pinned_upstream;
      }
      proxy_pass http://deliverer;
${proxySettings()}
    }
  }
}
`;
}

/** Proxy settings shared by the pinned and the pooled path. */
function proxySettings(): string {
  const timeout = `${TOPOLOGY.proxyTimeoutSeconds}s`;
  return `
      add_header Set-Cookie "${AFFINITY_COOKIE}=$answering_upstream; Path=/; HttpOnly; SameSite=Lax" always;
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_connect_timeout 5s;
      proxy_read_timeout ${timeout};
      proxy_send_timeout ${timeout};
      # Long-polling responses must reach the client at once, not when a buffer fills.
      proxy_buffering off;
      proxy_next_upstream error timeout http_502 http_503;
      proxy_next_upstream_tries 3;`;
}

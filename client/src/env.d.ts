/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** Gateway URL baked in at build time; `?server=` in the page URL overrides it. */
  readonly VITE_DELIVERER_URL?: string;
}

interface ImportMeta {
  readonly env: ImportMetaEnv;
}

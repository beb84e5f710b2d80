// vuex 4.1's package.json "exports" has no "types" condition, so `moduleResolution: bundler`
// cannot find its typings (vuejs/vuex#2213). Point the bare specifier at them explicitly.
declare module 'vuex' {
  export * from 'vuex/types/index.d.ts';
}

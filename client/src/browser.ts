// What a browser host needs from the client (no Node builtins): the client, the schemas' types and the bundles.
export * from './index';
export * from './bundles';

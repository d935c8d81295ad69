export * from './define-node';
export * from './graph';
export * from './plan';
export * from './ports';
export * from './run-types';
export * from './validate';
export { nodeCatalogue, nodeSpecs, findNodeSpec } from '../nodes/registry';
export * from './api';
export * from './catalogue';

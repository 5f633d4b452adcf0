export { createApp } from './app.js';
export type { App, AppDependencies } from './app.js';

// `prettier/standalone` stand-in: see index.ts.
export { format } from './index';

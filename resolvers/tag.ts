import { projectField } from './shared.js';

export const Tag = { project: projectField };

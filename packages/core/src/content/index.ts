export * from './content-template.ts';
export * from './render-template.ts';
export * from './sms-encoding.ts';
export * from './template-variables.ts';

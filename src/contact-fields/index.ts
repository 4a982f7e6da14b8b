/*
 * The contact field catalogue, shared by tabs (which configure it) and contacts (which hold the values):
 * the built-in fields, custom field definitions and their rules, and the layout. Pure code without
 * providers, so a folder with this public face rather than a Nest module.
 */
export * from './contact-fields';
export * from './field-configuration.rules';
export * from './layout';

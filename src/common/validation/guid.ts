/** A GUID in its 8-4-4-4-12 form, either case: Azure AD tenant and object ids, and this service's own ids. */
export const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

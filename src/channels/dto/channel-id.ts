/**
 * A Teams channel id: `19:` then letters, digits and the few punctuation marks Teams uses
 * (e.g. `19:a1b2c3@thread.tacv2`), at most 256 characters; never spaces or control characters.
 */
export const CHANNEL_ID = /^19:[A-Za-z0-9._\-@=+:]{1,253}$/;
export const CHANNEL_ID_MESSAGE =
  'channelId must be a Teams channel id such as 19:a1b2c3@thread.tacv2 (at most 256 characters)';

import sanitizeHtml from 'sanitize-html';

/** Largest stored note, in UTF-8 bytes (before and after sanitizing). */
export const NOTES_MAX_BYTES = 64 * 1024;

const ALLOWED_TAGS = ['p', 'br', 'b', 'strong', 'i', 'em', 'u', 'ul', 'ol', 'li', 'a'];
const ALLOWED_SCHEMES = ['http', 'https', 'mailto'];

/**
 * Elements that run script, load or embed other documents, or change how the page around them is read.
 * A note holding one is refused (400) rather than silently cleaned: the tab's editor never produces them,
 * so their presence means a client bug or an attack the caller should hear about.
 */
const ACTIVE_ELEMENTS = new Set([
  'script',
  'style',
  'iframe',
  'frame',
  'frameset',
  'object',
  'embed',
  'applet',
  'link',
  'meta',
  'base',
  'svg',
  'math',
  'template',
  'noscript',
  'xmp',
  'plaintext',
  'noembed',
  'noframes',
]);

/** Attributes whose value a browser may follow or load as a URL. */
const URL_ATTRIBUTES = new Set([
  'href',
  'src',
  'action',
  'formaction',
  'xlink:href',
  'poster',
  'background',
  'data',
  'codebase',
  'srcset',
  'lowsrc',
  'dynsrc',
  'ping',
]);

/** Characters browsers ignore inside a URL scheme, used to smuggle `java\tscript:` past checks. */
// eslint-disable-next-line no-control-regex -- control characters are what it removes
const IGNORED_IN_SCHEME = /[\u0000-\u0020\u007f-\u009f]/g;
const SCHEME = /^([a-z][a-z0-9+.-]*):/i;

export interface SanitizedNotes {
  html: string;
  /** Why the note is refused; empty when it is accepted. */
  problems: string[];
}

function schemeOf(url: string): string | undefined {
  return SCHEME.exec(url.replace(IGNORED_IN_SCHEME, ''))?.[1].toLowerCase();
}

/**
 * Cleans a note from the tab's rich-text editor with an allow-list: paragraphs, line breaks, bold, italic,
 * underline, lists and links (http, https, mailto). Other markup (spans, classes, styles, unknown tags) is
 * dropped and its text kept. Active content — script-capable elements, event-handler attributes, URLs of
 * another scheme such as `javascript:` or `data:` — makes the whole note a problem instead.
 */
export function sanitizeNotes(input: string): SanitizedNotes {
  const problems = new Set<string>();
  const html = sanitizeHtml(input, {
    allowedTags: ALLOWED_TAGS,
    allowedAttributes: { a: ['href', 'rel'] },
    allowedSchemes: ALLOWED_SCHEMES,
    allowedSchemesAppliedToAttributes: ['href'],
    allowProtocolRelative: false,
    disallowedTagsMode: 'discard',
    // Their text is code or markup, not prose: dropped with the element.
    nonTextTags: [...ACTIVE_ELEMENTS, 'textarea', 'option', 'title', 'head'],
    transformTags: { a: sanitizeHtml.simpleTransform('a', { rel: 'noopener noreferrer' }) },
    onOpenTag: (name: string, attributes: Record<string, string>) => {
      if (ACTIVE_ELEMENTS.has(name)) problems.add(`<${name}> elements are not allowed in notes`);
      for (const [attribute, value] of Object.entries(attributes)) {
        if (attribute.startsWith('on')) {
          problems.add(`event handler attributes such as ${attribute} are not allowed in notes`);
        } else if (URL_ATTRIBUTES.has(attribute)) {
          const scheme = schemeOf(value);
          if (scheme !== undefined && !ALLOWED_SCHEMES.includes(scheme)) {
            problems.add(`links in notes must be http, https or mailto, not ${scheme}:`);
          }
        }
      }
    },
  });
  if (Buffer.byteLength(html, 'utf8') > NOTES_MAX_BYTES) {
    problems.add(`notes may hold at most ${NOTES_MAX_BYTES} bytes of HTML once cleaned`);
  }
  return { html, problems: [...problems] };
}

import { NOTES_MAX_BYTES, sanitizeNotes } from './notes-sanitizer';

describe('notes sanitizer', () => {
  it('keeps the editor’s formatting: paragraphs, breaks, bold, italic, underline, lists, links', () => {
    const html =
      '<p>Met at <b>Ignite</b>, <strong>likes</strong> <i>tea</i> <em>a lot</em><br><u>call</u> back</p>' +
      '<ul><li>one</li></ul><ol><li>two</li></ol>' +
      '<p><a href="https://contoso.com/x?a=1&amp;b=2">site</a> <a href="mailto:a@b.co">mail</a></p>';
    const { html: clean, problems } = sanitizeNotes(html);
    expect(problems).toEqual([]);
    expect(clean).toBe(
      '<p>Met at <b>Ignite</b>, <strong>likes</strong> <i>tea</i> <em>a lot</em><br /><u>call</u> back</p>' +
        '<ul><li>one</li></ul><ol><li>two</li></ol>' +
        '<p><a href="https://contoso.com/x?a=1&amp;b=2" rel="noopener noreferrer">site</a> ' +
        '<a href="mailto:a@b.co" rel="noopener noreferrer">mail</a></p>',
    );
  });

  it('drops other markup but keeps its text', () => {
    const { html, problems } = sanitizeNotes(
      '<div class="x" style="color:red"><span title="t">Hello</span> <h1>World</h1><img src="https://x/y.png"></div>',
    );
    expect(problems).toEqual([]);
    expect(html).toBe('Hello World');
  });

  it('escapes text, so that plain text with < and & stays text', () => {
    expect(sanitizeNotes('a < b & c > d').html).toBe('a &lt; b &amp; c &gt; d');
  });

  it.each([
    ['a script element', '<p>hi</p><script>alert(1)</script>', 'script'],
    ['a style element', '<style>p{}</style>', 'style'],
    ['an iframe', '<iframe src="https://evil"></iframe>', 'iframe'],
    ['an svg', '<svg><a xlink:href="javascript:alert(1)">x</a></svg>', 'svg'],
    ['an event handler', '<p onclick="alert(1)">x</p>', 'onclick'],
    ['an event handler on a dropped element', '<img src=x onerror=alert(1)>', 'onerror'],
    ['a javascript: link', '<a href="javascript:alert(1)">x</a>', 'javascript'],
    ['an obfuscated javascript: link', '<a href="  JaVa&#x09;Script&#58;alert(1)">x</a>', 'javascript'],
    ['a data: link', '<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>', 'data'],
    ['a vbscript: source', '<img src="vbscript:msgbox">', 'vbscript'],
  ])('refuses %s', (_label, input, word) => {
    const { problems, html } = sanitizeNotes(input);
    expect(problems.join(' ')).toContain(word);
    expect(html).not.toMatch(/script|alert\(|javascript:|onerror|onclick/i);
  });

  it('refuses a note whose cleaned HTML is larger than the limit', () => {
    const { problems } = sanitizeNotes('<'.repeat(NOTES_MAX_BYTES / 2));
    expect(problems.join(' ')).toContain(`${NOTES_MAX_BYTES} bytes`);
  });
});

import {
  csvRecord,
  detectDelimiter,
  neutralizeFormula,
  parseCsv,
  restoreFormulaText,
  UnreadableFileError,
  utf8Slices,
} from './csv';

function records(text: string, delimiter: ',' | ';' | '\t' = ',', sliceSize = 3): string[][] {
  const slices: string[] = [];
  for (let i = 0; i < text.length; i += sliceSize) slices.push(text.slice(i, i + sliceSize));
  return [...parseCsv(slices, delimiter)].map((record) => record.cells);
}

describe('csv', () => {
  it('reads quoted fields, doubled quotes, line breaks inside quotes, CRLF/LF/CR, across slices', () => {
    const text = 'a,"b ""quoted"", too",c\r\n"multi\r\nline",,"x"\n\nlast,"",\r"end"';
    for (const size of [1, 2, 3, 7, 1000]) {
      expect(records(text, ',', size)).toEqual([
        ['a', 'b "quoted", too', 'c'],
        ['multi\r\nline', '', 'x'],
        ['last', '', ''],
        ['end'],
      ]);
    }
  });

  it('numbers records by the line they start on', () => {
    const lines = [...parseCsv(['h1,h2\n"a\nb",c\n\nd,e'], ',')].map((record) => record.line);
    expect(lines).toEqual([1, 2, 5]);
  });

  it('refuses an unclosed quote and text after a closing quote', () => {
    expect(() => records('a,b\n"open,c\nd')).toThrow(
      new UnreadableFileError('The quote opened on line 2 is never closed.'),
    );
    expect(() => records('a,"b"c')).toThrow(/after a closing quote/);
  });

  it('detects the delimiter from the header, outside quotes', () => {
    expect(detectDelimiter('a;b;c\n1,2;3')).toBe(';');
    expect(detectDelimiter('\ufeffa\tb\tc')).toBe('\t');
    expect(detectDelimiter('"a;b",c')).toBe(',');
    expect(detectDelimiter('single')).toBe(',');
  });

  it('decodes UTF-8 in slices (a character split across them) and refuses invalid UTF-8', () => {
    const bytes = Buffer.from('\ufeffé€😀 fin');
    expect([...utf8Slices(bytes, 1)].join('')).toBe('é€😀 fin');
    expect(() => [...utf8Slices(Buffer.from([0x61, 0xff, 0x62]))]).toThrow(UnreadableFileError);
  });

  it('neutralizes formulas reversibly', () => {
    for (const value of ['=1+2', '+33 6', '-5', '@x', '\tx', '\rx', "'=x", "''=x", "'plain", 'plain', '']) {
      const written = neutralizeFormula(value);
      expect(/^[=+\-@\t\r]/.test(written)).toBe(false);
      expect(restoreFormulaText(written)).toBe(value);
    }
    expect(neutralizeFormula('=HYPERLINK("x")')).toBe('\'=HYPERLINK("x")');
  });

  it('writes records it reads back', () => {
    const cells = [
      'plain',
      'with, comma',
      'with "quote"',
      'two\nlines',
      'cr\r\nlf',
      ' padded ',
      '',
      '😀 東京',
    ];
    expect(records(csvRecord(cells))).toEqual([cells]);
  });

  it('quotes every delimiter, so that a header of few columns is not read with another one', () => {
    const header = csvRecord(['Sales; region', 'Tab\there']);
    expect(header).toBe('"Sales; region","Tab\there"\r\n');
    expect(detectDelimiter(header)).toBe(',');
  });
});

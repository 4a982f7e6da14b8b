import ExcelJS from 'exceljs';
import { crc32, deflateRawSync } from 'node:zlib';
import { UnreadableFileError } from './csv';
import { PassThrough } from 'node:stream';
import { checkXlsx, readXlsxRows, xlsxWriter } from './spreadsheet';

function zip(
  entries: Array<{ name: string; data: Buffer; declaredSize?: number }>,
  gap = Buffer.alloc(0),
): Buffer {
  const parts: Buffer[] = [];
  const directory: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name);
    const compressed = deflateRawSync(entry.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(crc32(entry.data), 14);
    local.writeUInt32LE(compressed.length, 18);
    local.writeUInt32LE(entry.declaredSize ?? entry.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(compressed.length, 20);
    central.writeUInt32LE(entry.declaredSize ?? entry.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    parts.push(local, name, compressed, gap);
    directory.push(central, name);
    offset += 30 + name.length + compressed.length + gap.length;
  }
  const dir = Buffer.concat(directory);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(dir.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, dir, end]);
}

const WORKBOOK = { name: 'xl/workbook.xml', data: Buffer.from('<workbook/>') };

describe('xlsx files', () => {
  it('accepts a real workbook and reads its rows, typed', async () => {
    const book = new ExcelJS.Workbook();
    const sheet = book.addWorksheet('Contacts');
    sheet.addRow(['Display name', 'Rating', 'Since', 'VIP']);
    sheet.addRow(['Zoë', 4.5, new Date('2020-01-31T00:00:00Z'), true]);
    sheet.addRow([{ richText: [{ text: 'Rich ' }, { text: 'text' }] }, { formula: '1+1', result: 2 }]);
    const bytes = Buffer.from(await book.xlsx.writeBuffer());
    await checkXlsx(bytes, 10 * 1024 * 1024);
    const rows = [];
    for await (const row of readXlsxRows(bytes)) rows.push(row);
    expect(rows).toEqual([
      { line: 1, cells: ['Display name', 'Rating', 'Since', 'VIP'] },
      { line: 2, cells: ['Zoë', 4.5, new Date('2020-01-31T00:00:00Z'), true] },
      { line: 3, cells: ['Rich text', 2] },
    ]);
  });

  it('writes text that it reads back exactly: carriage returns, control characters, escapes alike', async () => {
    const output = new PassThrough();
    const chunks: Buffer[] = [];
    output.on('data', (chunk: Buffer) => chunks.push(chunk));
    const writer = xlsxWriter(output, 'Contacts: été / 2026');
    const cells = [
      'a\r\nb\rc',
      'bell\u0007 nul\u0000',
      '_x000D_ and _x005F_',
      'a &lt;b&gt; &amp;amp; &quot;c&quot; &apos; &#60; & d',
      "'=1+2",
      '😀 東京',
      4.5,
      true,
      null,
    ];
    writer.addRow(cells);
    await writer.finish();
    const rows = [];
    for await (const row of readXlsxRows(Buffer.concat(chunks))) rows.push(row.cells);
    // A trailing empty cell is no cell.
    expect(rows).toEqual([cells.slice(0, -1)]);
  });

  it('refuses a bomb by what it really decompresses to, whatever its directory says', async () => {
    const zeros = Buffer.alloc(2 * 1024 * 1024);
    await expect(
      checkXlsx(zip([WORKBOOK, { name: 'xl/worksheets/sheet1.xml', data: zeros }]), 1024 * 1024),
    ).rejects.toThrow(/decompresses to more than 1048576 bytes/);
    await expect(
      checkXlsx(
        zip([WORKBOOK, { name: 'xl/worksheets/sheet1.xml', data: zeros, declaredSize: 10 }]),
        1024 * 1024,
      ),
    ).rejects.toThrow(/decompresses to more than/);
  });

  it('refuses what is not a sound workbook archive', async () => {
    await expect(checkXlsx(Buffer.from('PK\x03\x04 nothing'), 1000)).rejects.toThrow(UnreadableFileError);
    await expect(
      checkXlsx(zip([{ name: 'word/document.xml', data: Buffer.from('x') }]), 1000),
    ).rejects.toThrow(/no xl\/workbook.xml/);
    await expect(checkXlsx(zip([WORKBOOK], Buffer.from('hidden entry')), 1000)).rejects.toThrow(
      /do not follow|between/,
    );
  });
});

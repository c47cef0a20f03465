import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  FrameDecoder,
  type FramingError,
  type IncompleteFrame,
} from '../../subgraphs/syslog/receiver/framing';

interface Frame {
  text: string;
  truncated: boolean;
}

interface Decoded {
  frames: Frame[];
  error?: FramingError;
  /** What end() reported discarded; undefined when nothing was. */
  incomplete?: IncompleteFrame;
}

function decode(chunks: (string | Buffer)[], max = 64): Decoded {
  const frames: Frame[] = [];
  const decoder = new FrameDecoder(max, {
    frame: (data, truncated) => frames.push({ text: data.toString('utf8'), truncated }),
  });
  for (const chunk of chunks) {
    const error = decoder.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
    if (error) return { frames, error, incomplete: decoder.end() };
  }
  return { frames, incomplete: decoder.end() };
}

const texts = (frames: Frame[]) => frames.map((f) => f.text);

describe('RFC 6587 framing', () => {
  test('LF-delimited, several per chunk', () => {
    assert.deepEqual(texts(decode(['<13>a\n<13>b\n<13>c\n']).frames), ['<13>a', '<13>b', '<13>c']);
  });

  test('LF-delimited, split across chunks', () => {
    assert.deepEqual(texts(decode(['<13>hel', 'lo\n<1', '3>world\n']).frames), [
      '<13>hello',
      '<13>world',
    ]);
  });

  test('NUL-delimited and CRLF', () => {
    assert.deepEqual(texts(decode(['<13>a\0<13>b\r\n\n\0']).frames), ['<13>a', '<13>b']);
  });

  test('partial line delivered at close', () => {
    assert.deepEqual(texts(decode(['<13>a\n<13>tail']).frames), ['<13>a', '<13>tail']);
  });

  test('partial line at close reports nothing', () => {
    assert.equal(decode(['<13>tail']).incomplete, undefined);
  });

  test('partial octet frame discarded at close', () => {
    const { frames, incomplete } = decode(['5 <13>a', '50 <13>short']);
    assert.deepEqual(texts(frames), ['<13>a']);
    assert.deepEqual(incomplete, { receivedBytes: 9, declaredBytes: 50 });
  });

  test('octet frame without MSG discarded at close', () => {
    const { frames, incomplete } = decode(['12 ']);
    assert.deepEqual(frames, []);
    assert.deepEqual(incomplete, { receivedBytes: 0, declaredBytes: 12 });
  });

  test('partial MSG-LEN discarded at close', () => {
    const { frames, incomplete } = decode(['5 <13>a1']);
    assert.deepEqual(texts(frames), ['<13>a']);
    assert.deepEqual(incomplete, { receivedBytes: 0, declaredBytes: undefined });
  });

  test('complete octet frames leave nothing', () => {
    assert.equal(decode(['5 <13>a']).incomplete, undefined);
  });

  test('truncated octet frame tail not reported', () => {
    const { frames, incomplete } = decode([`100 ${'x'.repeat(80)}`], 64);
    assert.equal(frames.length, 1);
    assert.equal(frames[0].truncated, true);
    assert.equal(incomplete, undefined);
  });

  test('framing error leaves nothing to report', () => {
    const result = decode(['5 <13>a12x']);
    assert.equal(result.error, 'octet-count-invalid');
    assert.equal(result.incomplete, undefined);
  });

  test('octet counting, split everywhere', () => {
    const stream = '5 <13>a10 <13>hello\n11 <13>b\nc d e';
    const chunks = [...stream].map((c) => c);
    assert.deepEqual(texts(decode(chunks).frames), ['<13>a', '<13>hello', '<13>b\nc d e']);
  });

  test('octet counting keeps LF inside frames', () => {
    assert.deepEqual(texts(decode(['9 <13>a\nb\nc']).frames), ['<13>a\nb\nc']);
  });

  test('octet count with leading zero', () => {
    const result = decode(['05 <13>a']);
    assert.equal(result.error, 'octet-count-leading-zero');
  });

  test('octet count without space', () => {
    assert.equal(decode(['5<13>a']).error, 'octet-count-invalid');
  });

  test('octet count of ten digits', () => {
    assert.equal(decode(['1234567890 x']).error, 'octet-count-too-long');
  });

  test('oversized octet frame truncated, next frame intact', () => {
    const body = 'x'.repeat(100);
    const { frames } = decode([`${body.length} ${body}5 <13>a`], 64);
    assert.equal(frames.length, 2);
    assert.equal(frames[0].text, 'x'.repeat(64));
    assert.equal(frames[0].truncated, true);
    assert.deepEqual(frames[1], { text: '<13>a', truncated: false });
  });

  test('oversized line truncated, rest skipped', () => {
    const { frames } = decode(['<13>' + 'y'.repeat(200), 'z'.repeat(200) + '\n<13>next\n'], 64);
    assert.equal(frames.length, 2);
    assert.equal(frames[0].truncated, true);
    assert.equal(frames[0].text.length, 64);
    assert.deepEqual(frames[1], { text: '<13>next', truncated: false });
  });

  test('never-ending line holds at most the limit', () => {
    const frames: Frame[] = [];
    const decoder = new FrameDecoder(1024, {
      frame: (data, truncated) => frames.push({ text: data.toString(), truncated }),
    });
    for (let i = 0; i < 1000; i++) {
      decoder.push(Buffer.alloc(4096, 0x61));
      assert.ok(decoder.bufferedBytes <= 1024, `buffered ${decoder.bufferedBytes} bytes`);
    }
    assert.equal(frames.length, 1);
    assert.equal(frames[0].truncated, true);
  });

  test('truncation keeps whole UTF-8 characters', () => {
    const { frames } = decode(['<13>' + 'é'.repeat(40) + '\n'], 65);
    assert.equal(frames[0].truncated, true);
    assert.ok(!frames[0].text.includes('\uFFFD'), frames[0].text);
    assert.equal(Buffer.byteLength(frames[0].text), 64);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nextSerial } from '../../subgraphs/dns/serial';

const day = new Date(Date.UTC(2026, 11, 4, 15, 0, 0));

describe('SOA serial', () => {
  const cases: { name: string; current: number; expected: number }[] = [
    { name: 'new zone starts today', current: 0, expected: 2026120400 },
    { name: 'older serial jumps to today', current: 2025010107, expected: 2026120400 },
    { name: 'same day counts up', current: 2026120405, expected: 2026120406 },
    { name: 'runs ahead after 99', current: 2026120499, expected: 2026120500 },
    { name: 'future serial keeps counting', current: 2030010100, expected: 2030010101 },
    { name: 'wraps past 2^32 - 1', current: 4294967295, expected: 0 },
  ];
  for (const { name, current, expected } of cases) {
    it(name, () => assert.equal(nextSerial(current, day), expected));
  }
});

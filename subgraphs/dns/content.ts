import type { RecordData } from './zone-data';

function quoted(text: string): string {
  return `"${text.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

function absolute(name: string | undefined): string {
  return name === '.' ? '.' : `${name}.`;
}

/** Formats a record's RDATA as a zone file line would, e.g. `10 mail.example.test.`. */
export function presentation(record: Omit<RecordData, 'id'>): string {
  switch (record.type) {
    case 'A':
    case 'AAAA':
      return record.address ?? '';
    case 'CNAME':
    case 'NS':
    case 'PTR':
      return absolute(record.target);
    case 'MX':
      return `${record.preference} ${absolute(record.target)}`;
    case 'SRV':
      return `${record.priority} ${record.weight} ${record.port} ${absolute(record.target)}`;
    case 'CAA':
      return `${record.flags} ${record.tag} ${quoted(record.value ?? '')}`;
    case 'TXT':
      return (record.text ?? []).map(quoted).join(' ');
  }
}

/**
 * The content of the demo's export: three files, in two versions, each valid for its validator.
 */
import { validators } from '../../integrity/validators.js';
import type { Tx, Validator } from '../../types.js';

/** The files of one export, root-relative. */
export const exportFiles = ['export/customers.csv', 'export/orders.json', 'export/report.xml'] as const;

/** One of the export's files. */
export type ExportFile = (typeof exportFiles)[number];

/** The content of `file` in export `version`. Never throws. */
export const exportContent = (file: ExportFile, version: number): string => {
  switch (file) {
    case 'export/customers.csv':
      return ['id,name,city', '1,Ada Lovelace,London', '2,Grace Hopper,Arlington', ...(version > 1 ? ['3,Edsger Dijkstra,Austin'] : []), ''].join('\n');
    case 'export/orders.json':
      return `${JSON.stringify({ version, orders: version > 1 ? [{ id: 1, total: 42 }, { id: 2, total: 7 }] : [{ id: 1, total: 42 }] }, null, 2)}\n`;
    case 'export/report.xml':
      return `<report version="${version}"><customers>${version > 1 ? 3 : 2}</customers><orders>${version}</orders></report>\n`;
  }
};

/** The validator each file must pass before it may replace anything. Never throws. */
export const exportValidator = (file: ExportFile): Validator =>
  file.endsWith('.csv') ? validators.csv() : file.endsWith('.json') ? validators.json() : validators.xml();

/** Adds the three writes of export `version` to `tx`; `report` replaces the content of report.xml (a slow stream, say). */
export const addExport = (tx: Tx, version: number, report?: AsyncIterable<Uint8Array>): Tx => {
  for (const file of exportFiles) {
    const data = file === 'export/report.xml' && report !== undefined ? report : exportContent(file, version);
    tx.writeFile(file, data, { validate: exportValidator(file) });
  }
  return tx;
};

export const EXPORT_FORMATS = ['xlsx', 'csv', 'vcf'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

import { ApiProperty } from '@nestjs/swagger';
import { UserReferenceDto } from '../../common/openapi/edited-resource.dto';
import { JOB_STATUSES, type JobStatus } from '../job.schema';

export class JobProgressDto {
  /** Rows (or vCards) in the file. */
  total: number;
  /** Rows handled so far, whatever their outcome. */
  processed: number;
  created: number;
  updated: number;
  /** Rows left out on purpose (in create mode, an e-mail address already in the tab). */
  skipped: number;
  /** Rows refused as invalid. */
  failed: number;
}

export class JobRowErrorDto {
  /** Row of the file (1 is the header row of a spreadsheet; the n-th card of a vCard file). */
  row: number;

  /** The column (its header) or the contact property at fault, when known. */
  @ApiProperty({ type: String, nullable: true })
  column: string | null;

  message: string;
}

/** A background job (a contact import) and how far it got. */
export class JobDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ example: 'contactImport' })
  kind: string;

  @ApiProperty({ type: String, nullable: true, format: 'uuid' })
  tabId: string | null;

  @ApiProperty({ enum: JOB_STATUSES })
  status: JobStatus;

  /** What was asked: for an import, the file name, format, mode, dry run, and the columns read and ignored. */
  @ApiProperty({ type: 'object', additionalProperties: true })
  input: Record<string, unknown>;

  progress: JobProgressDto;

  /** The first 1 000 problems, by row. */
  @ApiProperty({ type: [JobRowErrorDto] })
  errors: JobRowErrorDto[];

  /** Why the job failed (a failed job wrote nothing more after the reason arose). */
  @ApiProperty({ type: String, nullable: true })
  failureReason: string | null;

  requestedBy: UserReferenceDto;

  createdDateTime: Date;

  @ApiProperty({ type: Date, nullable: true })
  startedDateTime: Date | null;

  @ApiProperty({ type: Date, nullable: true })
  finishedDateTime: Date | null;

  lastModifiedDateTime: Date;
}

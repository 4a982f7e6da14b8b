import { ApiProperty } from '@nestjs/swagger';
import { ODataCollectionOf } from '../../common/openapi/odata-collection.dto';

/** A Teams channel that holds Contact Pro tabs. */
export class ChannelDto {
  /** The Teams channel id, e.g. `19:a1b2c3@thread.tacv2`. */
  id: string;

  displayName: string;

  @ApiProperty({ type: String, nullable: true })
  teamId: string | null;

  @ApiProperty({ type: String, nullable: true })
  teamName: string | null;

  @ApiProperty({ type: String, format: 'date-time' })
  createdDateTime: Date;

  @ApiProperty({ type: String, format: 'date-time' })
  lastModifiedDateTime: Date;
}

export const ChannelCollectionDto = ODataCollectionOf(ChannelDto, 'channels');

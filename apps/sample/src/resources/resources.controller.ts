import {
  Controller,
  ConflictException,
  Get,
  NotFoundException,
  Param,
  ParseIntPipe,
} from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { Resource } from '../entities';
import { StorageTokenService } from './storage-token.service';

@Controller('resources')
export class ResourcesController {
  constructor(
    @InjectRepository(Resource) private readonly resources: Repository<Resource>,
    private readonly tokens: StorageTokenService,
  ) {}

  /** A download URL for a generated resource, signed with the (cached) storage token. */
  @Get(':id/download')
  async download(@Param('id', ParseIntPipe) id: number) {
    const resource = await this.resources.findOneBy({ id });
    if (!resource) throw new NotFoundException(`resource ${id} not found`);
    if (!resource.url) throw new ConflictException(`resource ${id} is not generated yet`);
    const { token, expiresAt } = await this.tokens.accessToken();
    const url = new URL(resource.url);
    url.searchParams.set('token', token);
    return { resourceId: id, url: url.toString(), expiresAt: new Date(expiresAt).toISOString() };
  }
}

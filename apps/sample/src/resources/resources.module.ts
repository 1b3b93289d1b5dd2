import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Resource } from '../entities';
import { ResourcesController } from './resources.controller';
import { StorageTokenService } from './storage-token.service';

@Module({
  imports: [TypeOrmModule.forFeature([Resource])],
  controllers: [ResourcesController],
  providers: [StorageTokenService],
})
export class ResourcesModule {}

import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Conversation, Resource, Task, User } from '../entities';
import { TasksModule } from '../tasks/tasks.module';
import { UsersController } from './users.controller';
import { UsersService } from './users.service';

@Module({
  imports: [TypeOrmModule.forFeature([User, Conversation, Task, Resource]), TasksModule],
  controllers: [UsersController],
  providers: [UsersService],
})
export class UsersModule {}

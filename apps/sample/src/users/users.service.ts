import { Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { definedOnly, Page, pageOf, toPage } from '../common/pagination';
import { Conversation, User } from '../entities';
import type { ConversationsQuery } from './users.controller';

@Injectable()
export class UsersService {
  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    @InjectRepository(Conversation) private readonly conversations: Repository<Conversation>,
  ) {}

  async get(id: number): Promise<User> {
    const user = await this.users.findOneBy({ id });
    if (!user) throw new NotFoundException(`user ${id} not found`);
    return user;
  }

  async conversationsOf(userId: number, query: ConversationsQuery): Promise<Page<Conversation>> {
    const page = pageOf(query);
    const [items, total] = await this.conversations.findAndCount({
      where: definedOnly({ userId, status: query.status }),
      order: { updatedAt: 'DESC', id: 'DESC' },
      skip: page.skip,
      take: page.pageSize,
    });
    return toPage(items, total, page);
  }
}

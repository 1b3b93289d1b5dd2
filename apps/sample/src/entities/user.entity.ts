import { Column, CreateDateColumn, Entity, OneToMany, PrimaryGeneratedColumn } from 'typeorm';
import type { UserPlan } from './enums';
import type { Task } from './task.entity';
import type { Conversation } from './conversation.entity';

@Entity('users')
export class User {
  @PrimaryGeneratedColumn({ type: 'int' })
  id: number;

  @Column({ type: 'varchar', length: 120 })
  name: string;

  // Deliberately not unique: the schema ships with the indexes a team starts with.
  @Column({ type: 'varchar', length: 200 })
  email: string;

  @Column({ type: 'varchar', length: 10 })
  plan: UserPlan;

  @CreateDateColumn({ name: 'created_at' })
  createdAt: Date;

  @OneToMany('Task', (task: Task) => task.user)
  tasks?: Task[];

  @OneToMany('Conversation', (conversation: Conversation) => conversation.user)
  conversations?: Conversation[];
}
